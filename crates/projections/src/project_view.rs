use chrono::NaiveDate;
use cqrs_es::persist::SerializedEvent;
use cqrs_es::{EventEnvelope, View};
use kernel::Money;
use project::{Gate, Project, ProjectEvent, Race, RaceEvent, RecoveryBasis, TerminationReason};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{Indexed, ProjectionError, Projector, ViewIndex, ViewRow};

/// A milestone as readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MilestoneEntry {
    /// Id.
    pub id: String,
    /// Due date.
    pub due: Option<NaiveDate>,
    /// Deliverables.
    pub deliverables: String,
    /// Targets.
    pub targets: Vec<String>,
    /// `pending`, `reported`, `passed`, `failed`, `rectifying`, `rectification_reported`,
    /// `rectified` or `rectification_failed`.
    pub status: String,
    /// Evidence references, in order.
    pub evidence: Vec<String>,
    /// Reviewer opinions attached to assessments.
    pub opinions: Vec<String>,
    /// The rectification deadline, once ordered.
    pub rectification_deadline: Option<NaiveDate>,
}

/// A tranche as readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrancheEntry {
    /// Id.
    pub id: String,
    /// Amount.
    pub amount_fen: Money,
    /// Gate.
    pub gate: Gate,
    /// `pending`, `paid` or `cancelled`.
    pub status: String,
    /// Payment date.
    pub paid_on: Option<NaiveDate>,
    /// Payment reference.
    pub payment_ref: Option<String>,
}

/// A recovery referral recorded on the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralEntry {
    /// Stream sequence of the referral (the clawback process keys on it).
    pub version: usize,
    /// Amount.
    pub amount_fen: Money,
    /// Why.
    pub basis: RecoveryBasis,
}

/// An awarded project as the API shows it (the `Project` schema). Amounts always add up:
/// `awarded_fen = disbursed_fen + remaining_fen`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProjectView {
    /// Stream id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// Status (see the aggregate's states).
    pub status: String,
    /// The call.
    pub challenge_id: String,
    /// The winning bid.
    pub bid_id: String,
    /// Lead organisation.
    pub lead: String,
    /// Joint members.
    pub members: Vec<String>,
    /// Demand owner (出题企业).
    pub demand_owner: String,
    /// True for a horse-race lane still racing.
    pub race_lane: bool,
    /// Checkpoints survived.
    pub checkpoints_survived: u32,
    /// Award.
    pub awarded_fen: Money,
    /// Paid so far.
    pub disbursed_fen: Money,
    /// Award not yet paid (zero once closed: the rest is cancelled).
    pub remaining_fen: Money,
    /// Cancelled at closing.
    pub cancelled_fen: Money,
    /// Task-book reference.
    pub task_book_ref: Option<String>,
    /// Contract start.
    pub start: Option<NaiveDate>,
    /// Contract end, after any extension.
    pub end: Option<NaiveDate>,
    /// The extension, once granted.
    pub extension: Option<Value>,
    /// Milestones.
    pub milestones: Vec<MilestoneEntry>,
    /// Tranches.
    pub tranches: Vec<TrancheEntry>,
    /// Acceptance record (request date, results, the demand owner's confirmation).
    pub acceptance: Vec<Value>,
    /// Termination, once terminated.
    pub termination: Option<Value>,
    /// Recovery referrals.
    pub recovery_referrals: Vec<ReferralEntry>,
    /// When the award was recorded.
    pub created_at: String,
    /// When the last event was recorded.
    pub updated_at: String,
}

impl ProjectView {
    /// The view's name in the store.
    pub const NAME: &'static str = "project";

    fn milestone(&mut self, id: &str) -> Option<&mut MilestoneEntry> {
        self.milestones.iter_mut().find(|m| m.id == id)
    }

    fn mark(&mut self, id: &str, status: &str, opinions: &[String]) {
        if let Some(m) = self.milestone(id) {
            m.status = status.into();
            m.opinions.extend(opinions.iter().cloned());
        }
    }
}

impl View<Project> for ProjectView {
    fn update(&mut self, event: &EventEnvelope<Project>) {
        let at = event
            .metadata
            .get("recorded_at")
            .cloned()
            .unwrap_or_default();
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        self.updated_at.clone_from(&at);
        match &event.payload {
            ProjectEvent::ProjectAwarded(a) => {
                self.status = "awarded".into();
                self.challenge_id.clone_from(&a.challenge_id);
                self.bid_id.clone_from(&a.bid_id);
                self.lead = a.lead.to_string();
                self.members = a.members.iter().map(ToString::to_string).collect();
                self.demand_owner = a.demand_owner.to_string();
                self.race_lane = a.race_lane;
                self.awarded_fen = a.award;
                self.remaining_fen = a.award;
                self.created_at = at;
            }
            ProjectEvent::ContractSigned(t) => {
                self.status = "in_progress".into();
                self.task_book_ref = Some(t.task_book_ref.clone());
                self.start = Some(t.start);
                self.end = Some(t.end);
                self.milestones = t
                    .milestones
                    .iter()
                    .map(|m| MilestoneEntry {
                        id: m.id.clone(),
                        due: Some(m.due),
                        deliverables: m.deliverables.clone(),
                        targets: m.targets.clone(),
                        status: "pending".into(),
                        ..Default::default()
                    })
                    .collect();
                self.tranches = t
                    .tranches
                    .iter()
                    .map(|t| TrancheEntry {
                        id: t.id.clone(),
                        amount_fen: t.amount,
                        gate: t.gate.clone(),
                        status: "pending".into(),
                        paid_on: None,
                        payment_ref: None,
                    })
                    .collect();
            }
            ProjectEvent::TrancheDisbursed {
                tranche,
                paid_on,
                payment_ref,
                disbursed_total,
                ..
            } => {
                if let Some(t) = self.tranches.iter_mut().find(|t| &t.id == tranche) {
                    t.status = "paid".into();
                    t.paid_on = Some(*paid_on);
                    t.payment_ref = Some(payment_ref.clone());
                }
                self.disbursed_fen = *disbursed_total;
                self.remaining_fen = self
                    .awarded_fen
                    .checked_sub(*disbursed_total)
                    .unwrap_or(Money::ZERO);
            }
            ProjectEvent::MilestoneReported {
                milestone,
                evidence_ref,
                ..
            } => {
                if let Some(m) = self.milestone(milestone) {
                    m.status = if m.status == "rectifying" {
                        "rectification_reported".into()
                    } else {
                        "reported".into()
                    };
                    m.evidence.push(evidence_ref.clone());
                }
            }
            ProjectEvent::MilestonePassed {
                milestone,
                opinions,
            } => self.mark(milestone, "passed", opinions),
            ProjectEvent::MilestoneFailed {
                milestone,
                opinions,
            } => self.mark(milestone, "failed", opinions),
            ProjectEvent::MilestoneRectificationOrdered {
                milestone,
                deadline,
            } => {
                if let Some(m) = self.milestone(milestone) {
                    m.status = "rectifying".into();
                    m.rectification_deadline = Some(*deadline);
                }
            }
            ProjectEvent::MilestoneRectified {
                milestone,
                opinions,
            } => self.mark(milestone, "rectified", opinions),
            ProjectEvent::MilestoneRectificationFailed {
                milestone,
                opinions,
                ..
            } => self.mark(milestone, "rectification_failed", opinions),
            ProjectEvent::CheckpointSurvived { checkpoint } => {
                self.checkpoints_survived = *checkpoint
            }
            ProjectEvent::ProjectEliminated { .. } => {
                self.status = "eliminated".into();
                self.race_lane = false;
            }
            ProjectEvent::RaceWon => self.race_lane = false,
            ProjectEvent::ExtensionGranted {
                previous_end,
                new_end,
                reason,
            } => {
                self.end = Some(*new_end);
                self.extension = Some(
                    json!({"previous_end": previous_end, "new_end": new_end, "reason": reason}),
                );
            }
            ProjectEvent::AcceptanceRequested { requested_on } => {
                self.status = "acceptance_requested".into();
                self.acceptance.push(json!({"requested_on": requested_on}));
            }
            ProjectEvent::AcceptancePassed {
                panel,
                report_ref,
                demand_owner_confirmation,
            } => {
                self.status = "accepted".into();
                self.acceptance.push(
                    json!({"result": "passed", "panel": panel, "report_ref": report_ref,
                    "demand_owner_confirmation": demand_owner_confirmation}),
                );
            }
            ProjectEvent::AcceptanceFailed {
                panel,
                report_ref,
                demand_owner_confirmation,
            } => {
                self.status = "acceptance_failed".into();
                self.acceptance.push(
                    json!({"result": "failed", "panel": panel, "report_ref": report_ref,
                    "demand_owner_confirmation": demand_owner_confirmation}),
                );
            }
            ProjectEvent::AcceptanceRectificationOrdered { deadline } => {
                self.status = "rectifying_acceptance".into();
                self.acceptance
                    .push(json!({"rectification_deadline": deadline}));
            }
            ProjectEvent::ProjectFailed { report_ref } => {
                self.status = "failed".into();
                // An ended lane leaves its race (the race records it as withdrawn).
                self.race_lane = false;
                self.acceptance.push(
                    json!({"result": "failed_after_rectification", "report_ref": report_ref}),
                );
            }
            ProjectEvent::ProjectTerminated { reason, detail } => {
                self.status = "terminated".into();
                self.race_lane = false;
                let reason: &TerminationReason = reason;
                self.termination = Some(json!({"reason": reason, "detail": detail}));
            }
            ProjectEvent::RecoveryReferred { amount, basis, .. } => {
                self.recovery_referrals.push(ReferralEntry {
                    version: event.sequence,
                    amount_fen: *amount,
                    basis: *basis,
                })
            }
            ProjectEvent::ProjectClosed {
                cancelled_tranches,
                undisbursed_cancelled,
            } => {
                self.status = "closed".into();
                self.race_lane = false;
                for t in self
                    .tranches
                    .iter_mut()
                    .filter(|t| cancelled_tranches.contains(&t.id))
                {
                    t.status = "cancelled".into();
                }
                self.cancelled_fen = *undisbursed_cancelled;
                self.remaining_fen = Money::ZERO;
            }
        }
    }
}

impl Indexed for ProjectView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: Some(self.lead.clone()),
            parent: Some(self.challenge_id.clone()),
            sort_key: self.created_at.clone(),
        }
    }
}

/// Pointers from each organisation of a project (lead and members) to the project, so "my
/// projects" lists both; written once, from the award.
pub struct ProjectMembershipProjector;

impl ProjectMembershipProjector {
    /// The view's name in the store.
    pub const NAME: &'static str = "project_membership";
}

fn awarded_orgs(event: &SerializedEvent) -> Vec<String> {
    if event.event_type != "ProjectAwarded" {
        return Vec::new();
    }
    let award = &event.payload["ProjectAwarded"];
    let mut orgs: Vec<String> = award["lead"]
        .as_str()
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(members) = award["members"].as_array() {
        orgs.extend(
            members
                .iter()
                .filter_map(|m| m.as_str().map(str::to_string)),
        );
    }
    orgs
}

impl Projector for ProjectMembershipProjector {
    fn view_name(&self) -> &'static str {
        Self::NAME
    }

    fn aggregate_type(&self) -> &'static str {
        "project"
    }

    fn row_ids(&self, event: &SerializedEvent) -> Vec<String> {
        awarded_orgs(event)
            .into_iter()
            .map(|org| format!("{org}/{}", event.aggregate_id))
            .collect()
    }

    fn project(
        &self,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        self.project_row(&event.aggregate_id, current, event)
    }

    fn project_row(
        &self,
        row_id: &str,
        _current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        // One row per organisation (`<org>/<project>`); each only points at the project.
        let org = row_id.split_once('/').map(|(org, _)| org.to_string());
        let at = event
            .metadata
            .get("recorded_at")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(ViewRow {
            version: event.sequence as u64,
            payload: json!({"project_id": event.aggregate_id, "org": org}),
            index: ViewIndex {
                status: None,
                owner: org,
                parent: Some(event.aggregate_id.clone()),
                sort_key: format!("{at}/{}", event.aggregate_id),
            },
        })
    }
}

/// A horse race as officers see it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RaceView {
    /// The call's id (the race's stream id).
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// `running` or `concluded`.
    pub status: String,
    /// Lanes: project id, `racing`/`eliminated`/`won`, checkpoint of elimination.
    pub lanes: Vec<Value>,
    /// Checkpoints held, with their results.
    pub checkpoints: Vec<Value>,
    /// The surviving lane, once concluded.
    pub survivor: Option<String>,
    /// When the race was formed.
    pub created_at: String,
}

impl RaceView {
    /// The view's name in the store.
    pub const NAME: &'static str = "race";
}

impl View<Race> for RaceView {
    fn update(&mut self, event: &EventEnvelope<Race>) {
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        match &event.payload {
            RaceEvent::RaceFormed { lanes, .. } => {
                self.status = "running".into();
                self.created_at = event
                    .metadata
                    .get("recorded_at")
                    .cloned()
                    .unwrap_or_default();
                self.lanes = lanes
                    .iter()
                    .map(|l| json!({"project_id": l, "status": "racing", "eliminated_at": null}))
                    .collect();
            }
            RaceEvent::CheckpointHeld {
                checkpoint,
                continued,
                eliminated,
            } => {
                for lane in self.lanes.iter_mut() {
                    if lane["project_id"]
                        .as_str()
                        .is_some_and(|p| eliminated.iter().any(|e| e == p))
                    {
                        lane["status"] = json!("eliminated");
                        lane["eliminated_at"] = json!(checkpoint);
                    }
                }
                self.checkpoints
                    .push(json!({"checkpoint": checkpoint, "continued": continued, "eliminated": eliminated}));
            }
            RaceEvent::LaneWithdrawn { lane, reason } => {
                for l in self.lanes.iter_mut() {
                    if l["project_id"].as_str() == Some(lane.as_str()) {
                        l["status"] = json!("withdrawn");
                        l["withdrawn"] = json!(reason);
                    }
                }
            }
            RaceEvent::RaceConcluded { survivor } => {
                self.status = "concluded".into();
                for lane in self.lanes.iter_mut() {
                    if lane["project_id"].as_str() == Some(survivor.as_str()) {
                        lane["status"] = json!("won");
                    }
                }
                self.survivor = Some(survivor.clone());
            }
        }
    }
}

impl Indexed for RaceView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: None,
            parent: Some(self.id.clone()),
            sort_key: self.created_at.clone(),
        }
    }
}
