use bid::{Assessment, Attachment, Bid, BidContent, BidEvent, BidStatus, Objection, ReviewerRef};
use chrono::NaiveDate;
use cqrs_es::{EventEnvelope, View};
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{Indexed, ViewIndex};

fn recorded_at(event: &EventEnvelope<Bid>) -> String {
    event
        .metadata
        .get("recorded_at")
        .cloned()
        .unwrap_or_default()
}

/// One revision of the bid's content (each stays in the event history).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionEntry {
    /// Revision number, 1 for the submission.
    pub revision: u32,
    /// The stream sequence that recorded it.
    pub version: usize,
    /// When.
    pub recorded_at: String,
}

/// An attached document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentEntry {
    /// Name, type, size and hash.
    #[serde(flatten)]
    pub attachment: Attachment,
    /// The date it was attached.
    pub added_on: NaiveDate,
}

/// The withdrawal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WithdrawalEntry {
    /// Why.
    pub reason: String,
    /// When.
    pub withdrawn_on: NaiveDate,
}

/// The formal check's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormalCheckEntry {
    /// Passed or failed.
    pub passed: bool,
    /// Defects when failed.
    pub defects: Vec<String>,
    /// When.
    pub checked_on: NaiveDate,
}

/// A seat on the review panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelSeat {
    /// The expert and their organisation.
    #[serde(flatten)]
    pub reviewer: ReviewerRef,
    /// When seated.
    pub assigned_at: String,
    /// The declared conflict, once the expert stepped down.
    pub recusal_reason: Option<String>,
}

/// An assessment as recorded; corrections add entries and mark earlier ones superseded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentEntry {
    /// The assessment.
    #[serde(flatten)]
    pub assessment: Assessment,
    /// The stream sequence that recorded it.
    pub version: usize,
    /// When.
    pub recorded_at: String,
    /// The reason when this entry corrects an earlier one.
    pub correction_reason: Option<String>,
    /// True when a later correction replaced it.
    pub superseded: bool,
    /// True when it counts towards the conclusion (latest, and its expert still seated).
    pub counts: bool,
}

/// The oral defence (面试答辩).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefenceEntry {
    /// The day.
    pub held_on: NaiveDate,
    /// The panel.
    pub panel: Vec<String>,
    /// What was concluded.
    pub summary: String,
}

/// The officer's conclusion of the review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewConclusion {
    /// Mean weighted score in hundredths of a point.
    pub mean_score_x100: u32,
    /// How many assessments counted.
    pub assessments_counted: u32,
    /// The officer's recommendation.
    pub recommended: bool,
    /// The officer's note.
    pub note: String,
}

/// 出题企业's opinion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpinionEntry {
    /// Whether it supports the bid.
    pub supports: bool,
    /// The opinion.
    pub opinion: String,
    /// When.
    pub recorded_at: String,
}

/// The public notice (公示).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeEntry {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// The day it ended with the bid cleared.
    pub ended_on: Option<NaiveDate>,
}

/// How an objection was resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionEntry {
    /// Upheld (the bid was disqualified) or dismissed.
    pub upheld: bool,
    /// The reasons.
    pub reason: String,
}

/// An objection with its resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BidObjectionEntry {
    /// The objection.
    #[serde(flatten)]
    pub objection: Objection,
    /// The resolution, once made.
    pub resolution: Option<ResolutionEntry>,
}

/// The award the bid won.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardEntry {
    /// The project stream created for it.
    pub project_id: String,
    /// The amount awarded.
    pub amount_fen: Money,
    /// Lane in a horse race.
    pub lane: Option<u8>,
}

/// A bid as the API shows it (the `Bid` schema). The API removes what a party may not see.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BidView {
    /// Stream id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// Wire status.
    pub status: String,
    /// The call.
    pub challenge_id: String,
    /// The call's programme.
    pub programme: String,
    /// The call's demand owner.
    pub demand_owner: Option<OrgCode>,
    /// 牵头单位.
    pub lead: Option<OrgCode>,
    /// The lead's name.
    pub lead_name: String,
    /// The handle shown to the demand owner.
    pub alias: String,
    /// What the bid proposes.
    #[serde(flatten)]
    pub content: Option<BidContent>,
    /// Current revision.
    pub revision: u32,
    /// Revisions of the current submission.
    pub revisions: Vec<RevisionEntry>,
    /// How many times the bid was filed (a withdrawn bid may be filed again).
    pub submissions: u32,
    /// The date of the current submission.
    pub submitted_on: Option<NaiveDate>,
    /// The call's cap when the bid was checked.
    pub call_cap_fen: Money,
    /// Attached documents.
    pub attachments: Vec<AttachmentEntry>,
    /// The withdrawal, if withdrawn.
    pub withdrawal: Option<WithdrawalEntry>,
    /// The formal check.
    pub formal_check: Option<FormalCheckEntry>,
    /// The review panel, including experts who stepped down.
    pub panel: Vec<PanelSeat>,
    /// Every assessment, corrections included.
    pub assessments: Vec<AssessmentEntry>,
    /// The oral defence.
    pub defence: Option<DefenceEntry>,
    /// The officer's conclusion.
    pub review: Option<ReviewConclusion>,
    /// 出题企业's opinion.
    pub demand_owner_opinion: Option<OpinionEntry>,
    /// The public notice.
    pub notice: Option<NoticeEntry>,
    /// Objections.
    pub objections: Vec<BidObjectionEntry>,
    /// The award, if won.
    pub award: Option<AwardEntry>,
    /// When the current submission was recorded.
    pub created_at: String,
    /// When the last event was recorded.
    pub updated_at: String,
}

impl BidView {
    /// The view's name in the store.
    pub const NAME: &'static str = "bid";

    /// True when `org` leads the bid or is one of its members.
    pub fn is_party(&self, org: &OrgCode) -> bool {
        self.lead.as_ref() == Some(org)
            || self
                .content
                .as_ref()
                .is_some_and(|c| c.members.iter().any(|m| &m.org == org))
    }

    /// True when `reviewer` has (or had) a seat on the panel.
    pub fn has_reviewer(&self, reviewer: &str) -> bool {
        self.panel.iter().any(|s| s.reviewer.id == reviewer)
    }
}

impl View<Bid> for BidView {
    fn update(&mut self, event: &EventEnvelope<Bid>) {
        let at = recorded_at(event);
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        self.updated_at.clone_from(&at);
        match &event.payload {
            BidEvent::BidSubmitted {
                challenge_id,
                programme,
                demand_owner,
                lead,
                lead_name,
                alias,
                content,
                call_cap,
                submitted_on,
            } => {
                *self = BidView {
                    id: event.aggregate_id.clone(),
                    version: event.sequence,
                    status: BidStatus::Submitted.as_str().into(),
                    challenge_id: challenge_id.clone(),
                    programme: programme.clone(),
                    demand_owner: Some(demand_owner.clone()),
                    lead: Some(lead.clone()),
                    lead_name: lead_name.clone(),
                    alias: alias.clone(),
                    content: Some(content.clone()),
                    revision: 1,
                    revisions: vec![RevisionEntry {
                        revision: 1,
                        version: event.sequence,
                        recorded_at: at.clone(),
                    }],
                    submissions: self.submissions + 1,
                    submitted_on: Some(*submitted_on),
                    call_cap_fen: *call_cap,
                    created_at: at.clone(),
                    updated_at: at,
                    ..BidView::default()
                };
            }
            BidEvent::BidAmended {
                content, revision, ..
            } => {
                self.content = Some(content.clone());
                self.revision = *revision;
                self.revisions.push(RevisionEntry {
                    revision: *revision,
                    version: event.sequence,
                    recorded_at: at,
                });
            }
            BidEvent::AttachmentAdded {
                attachment,
                added_on,
            } => self.attachments.push(AttachmentEntry {
                attachment: attachment.clone(),
                added_on: *added_on,
            }),
            BidEvent::BidWithdrawn {
                reason,
                withdrawn_on,
                ..
            } => {
                self.status = BidStatus::Withdrawn.as_str().into();
                self.withdrawal = Some(WithdrawalEntry {
                    reason: reason.clone(),
                    withdrawn_on: *withdrawn_on,
                });
            }
            BidEvent::FormalCheckPassed { checked_on } => {
                self.status = BidStatus::Compliant.as_str().into();
                self.formal_check = Some(FormalCheckEntry {
                    passed: true,
                    defects: vec![],
                    checked_on: *checked_on,
                });
            }
            BidEvent::FormalCheckFailed {
                defects,
                checked_on,
            } => {
                self.status = BidStatus::FormallyRejected.as_str().into();
                self.formal_check = Some(FormalCheckEntry {
                    passed: false,
                    defects: defects.clone(),
                    checked_on: *checked_on,
                });
            }
            BidEvent::ReviewersAssigned { reviewers } => {
                self.status = BidStatus::UnderReview.as_str().into();
                self.panel.extend(reviewers.iter().map(|r| PanelSeat {
                    reviewer: r.clone(),
                    assigned_at: at.clone(),
                    recusal_reason: None,
                }));
            }
            BidEvent::ReviewerRecused { reviewer, reason } => {
                for seat in self.panel.iter_mut().filter(|s| &s.reviewer.id == reviewer) {
                    seat.recusal_reason = Some(reason.clone());
                }
                for a in self
                    .assessments
                    .iter_mut()
                    .filter(|a| &a.assessment.reviewer == reviewer)
                {
                    a.counts = false;
                }
            }
            BidEvent::AssessmentRecorded { assessment }
            | BidEvent::AssessmentCorrected { assessment, .. } => {
                for earlier in self
                    .assessments
                    .iter_mut()
                    .filter(|a| a.assessment.reviewer == assessment.reviewer)
                {
                    earlier.superseded = true;
                    earlier.counts = false;
                }
                let correction_reason = match &event.payload {
                    BidEvent::AssessmentCorrected { reason, .. } => Some(reason.clone()),
                    _ => None,
                };
                self.assessments.push(AssessmentEntry {
                    assessment: assessment.clone(),
                    version: event.sequence,
                    recorded_at: at,
                    correction_reason,
                    superseded: false,
                    counts: true,
                });
            }
            BidEvent::DefenceHeld {
                held_on,
                panel,
                summary,
            } => {
                self.defence = Some(DefenceEntry {
                    held_on: *held_on,
                    panel: panel.clone(),
                    summary: summary.clone(),
                });
            }
            BidEvent::ReviewConcluded {
                mean_score_x100,
                assessments_counted,
                recommended,
                note,
            } => {
                self.status = if *recommended {
                    BidStatus::Reviewed
                } else {
                    BidStatus::NotRecommended
                }
                .as_str()
                .into();
                self.review = Some(ReviewConclusion {
                    mean_score_x100: *mean_score_x100,
                    assessments_counted: *assessments_counted,
                    recommended: *recommended,
                    note: note.clone(),
                });
            }
            BidEvent::DemandOwnerOpinionRecorded { supports, opinion } => {
                self.demand_owner_opinion = Some(OpinionEntry {
                    supports: *supports,
                    opinion: opinion.clone(),
                    recorded_at: at,
                });
            }
            BidEvent::PublicNoticeStarted { from, to } => {
                self.status = BidStatus::InPublicNotice.as_str().into();
                self.notice = Some(NoticeEntry {
                    from: *from,
                    to: *to,
                    ended_on: None,
                });
            }
            BidEvent::ObjectionFiled { objection } => self.objections.push(BidObjectionEntry {
                objection: objection.clone(),
                resolution: None,
            }),
            BidEvent::ObjectionResolved { no, upheld, reason } => {
                for o in self.objections.iter_mut().filter(|o| o.objection.no == *no) {
                    o.resolution = Some(ResolutionEntry {
                        upheld: *upheld,
                        reason: reason.clone(),
                    });
                }
            }
            BidEvent::BidDisqualified { .. } => {
                self.status = BidStatus::Disqualified.as_str().into();
            }
            BidEvent::PublicNoticeEnded { ended_on } => {
                self.status = BidStatus::Cleared.as_str().into();
                if let Some(n) = self.notice.as_mut() {
                    n.ended_on = Some(*ended_on);
                }
            }
            BidEvent::BidAwarded {
                project_id,
                amount,
                lane,
            } => {
                self.status = BidStatus::Awarded.as_str().into();
                self.award = Some(AwardEntry {
                    project_id: project_id.clone(),
                    amount_fen: *amount,
                    lane: *lane,
                });
            }
            BidEvent::BidNotSelected => self.status = BidStatus::NotSelected.as_str().into(),
        }
    }
}

impl Indexed for BidView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: self.lead.as_ref().map(|o| o.to_string()),
            parent: Some(self.challenge_id.clone()),
            sort_key: self.created_at.clone(),
        }
    }
}

/// A bid's line in its call's ranked list (the officer's list and, anonymised by the API, the
/// demand owner's shortlist). Rows sort by mean score, best first, then by submission time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BidRankingView {
    /// The bid's id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// Wire status.
    pub status: String,
    /// The call.
    pub challenge_id: String,
    /// The call's demand owner.
    pub demand_owner: Option<OrgCode>,
    /// The handle shown to the demand owner.
    pub alias: String,
    /// 牵头单位.
    pub lead: Option<OrgCode>,
    /// The lead's name.
    pub lead_name: String,
    /// Members' codes.
    pub members: Vec<OrgCode>,
    /// 项目负责人.
    pub team_lead: String,
    /// Project title.
    pub title: String,
    /// Technical plan summary.
    pub technical_plan: String,
    /// Requested amount.
    pub requested_fen: Money,
    /// Mean weighted score in hundredths, once the review is concluded.
    pub mean_score_x100: Option<u32>,
    /// The officer's recommendation, once concluded.
    pub recommended: Option<bool>,
    /// 出题企业's opinion.
    pub demand_owner_opinion: Option<OpinionEntry>,
    /// When the current submission was recorded.
    pub submitted_at: String,
}

impl BidRankingView {
    /// The view's name in the store.
    pub const NAME: &'static str = "bid_ranking";
}

impl View<Bid> for BidRankingView {
    fn update(&mut self, event: &EventEnvelope<Bid>) {
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        let content = |view: &mut BidRankingView, c: &BidContent| {
            view.members = c.members.iter().map(|m| m.org.clone()).collect();
            view.team_lead.clone_from(&c.team_lead);
            view.title.clone_from(&c.title);
            view.technical_plan.clone_from(&c.technical_plan);
            view.requested_fen = c.requested;
        };
        match &event.payload {
            BidEvent::BidSubmitted {
                challenge_id,
                demand_owner,
                lead,
                lead_name,
                alias,
                content: c,
                ..
            } => {
                *self = BidRankingView {
                    id: event.aggregate_id.clone(),
                    version: event.sequence,
                    status: BidStatus::Submitted.as_str().into(),
                    challenge_id: challenge_id.clone(),
                    demand_owner: Some(demand_owner.clone()),
                    alias: alias.clone(),
                    lead: Some(lead.clone()),
                    lead_name: lead_name.clone(),
                    submitted_at: recorded_at(event),
                    ..BidRankingView::default()
                };
                content(self, c);
            }
            BidEvent::BidAmended { content: c, .. } => content(self, c),
            BidEvent::ReviewConcluded {
                mean_score_x100,
                recommended,
                ..
            } => {
                self.mean_score_x100 = Some(*mean_score_x100);
                self.recommended = Some(*recommended);
            }
            BidEvent::DemandOwnerOpinionRecorded { supports, opinion } => {
                self.demand_owner_opinion = Some(OpinionEntry {
                    supports: *supports,
                    opinion: opinion.clone(),
                    recorded_at: recorded_at(event),
                });
            }
            _ => {}
        }
        if let Some(status) = status_after(&event.payload) {
            self.status = status.as_str().into();
        }
    }
}

/// The status an event leaves the bid in, when it changes it.
pub(crate) fn status_after(event: &BidEvent) -> Option<BidStatus> {
    Some(match event {
        BidEvent::BidSubmitted { .. } => BidStatus::Submitted,
        BidEvent::BidWithdrawn { .. } => BidStatus::Withdrawn,
        BidEvent::FormalCheckPassed { .. } => BidStatus::Compliant,
        BidEvent::FormalCheckFailed { .. } => BidStatus::FormallyRejected,
        BidEvent::ReviewersAssigned { .. } => BidStatus::UnderReview,
        BidEvent::ReviewConcluded { recommended, .. } => {
            if *recommended {
                BidStatus::Reviewed
            } else {
                BidStatus::NotRecommended
            }
        }
        BidEvent::PublicNoticeStarted { .. } => BidStatus::InPublicNotice,
        BidEvent::BidDisqualified { .. } => BidStatus::Disqualified,
        BidEvent::PublicNoticeEnded { .. } => BidStatus::Cleared,
        BidEvent::BidAwarded { .. } => BidStatus::Awarded,
        BidEvent::BidNotSelected => BidStatus::NotSelected,
        _ => return None,
    })
}

impl Indexed for BidRankingView {
    fn index(&self) -> ViewIndex {
        // Concluded reviews first, best mean first; then the rest in submission order.
        let sort_key = match self.mean_score_x100 {
            Some(mean) => format!(
                "0{:05}{}",
                10_000u32.saturating_sub(mean),
                self.submitted_at
            ),
            None => format!("1{}", self.submitted_at),
        };
        ViewIndex {
            status: Some(self.status.clone()),
            owner: self.demand_owner.as_ref().map(|o| o.to_string()),
            parent: Some(self.challenge_id.clone()),
            sort_key,
        }
    }
}
