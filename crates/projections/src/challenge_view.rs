use challenge::{Challenge, ChallengeEvent, ChallengeStatus, ChallengeTerms, Winner};
use chrono::NaiveDate;
use cqrs_es::{EventEnvelope, View};
use serde::{Deserialize, Serialize};

use crate::{Indexed, ViewIndex};

/// An amendment as a reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmendmentEntry {
    /// The stream sequence of the amendment.
    pub version: usize,
    /// Why.
    pub reason: String,
    /// When it was recorded.
    pub recorded_at: Option<String>,
}

/// A call as the API shows it (the `Challenge` schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChallengeView {
    /// Stream id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// `draft`, `published`, `closed` or `cancelled`.
    pub status: String,
    /// Terms; absent only before the first event.
    #[serde(flatten)]
    pub terms: Option<ChallengeTerms>,
    /// Publication date.
    pub published_on: Option<NaiveDate>,
    /// Date applications were closed.
    pub closed_on: Option<NaiveDate>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The latest [`ChallengeView::RECENT_AMENDMENTS`] amendments, oldest first. The whole history
    /// stays in the call's stream (`GET /v1/challenges/{id}/amendments` pages it), so the row does not
    /// grow with every amendment.
    pub amendments: Vec<AmendmentEntry>,
    /// How many amendments the call has had in all.
    #[serde(default)]
    pub amendment_count: usize,
    /// Date of the award or of the 流榜 declaration.
    #[serde(default)]
    pub decided_on: Option<NaiveDate>,
    /// The winners once awarded.
    #[serde(default)]
    pub winners: Vec<Winner>,
    /// Why the call ended unfilled (流榜).
    #[serde(default)]
    pub unfilled_reason: Option<String>,
    /// The pool needs (需求库) the call answers.
    #[serde(default)]
    pub needs: Vec<String>,
    /// When the draft was recorded.
    pub created_at: String,
    /// When the last event was recorded.
    pub updated_at: String,
}

impl ChallengeView {
    /// The view's name in the store.
    pub const NAME: &'static str = "challenge";
    /// How many of the latest amendments the row keeps.
    pub const RECENT_AMENDMENTS: usize = 10;
}

impl View<Challenge> for ChallengeView {
    fn update(&mut self, event: &EventEnvelope<Challenge>) {
        let recorded_at = event
            .metadata
            .get("recorded_at")
            .cloned()
            .unwrap_or_default();
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        self.updated_at.clone_from(&recorded_at);
        match &event.payload {
            ChallengeEvent::ChallengeDrafted {
                programme,
                title,
                demand_owner,
                industry_chain,
                targets,
                budget_cap,
                mode,
                opens_on,
                closes_on,
                completion_deadline,
            } => {
                self.status = ChallengeStatus::Draft.as_str().into();
                self.created_at = recorded_at;
                self.terms = Some(ChallengeTerms {
                    programme: programme.clone(),
                    title: title.clone(),
                    demand_owner: demand_owner.clone(),
                    industry_chain: industry_chain.clone(),
                    targets: targets.clone(),
                    budget_cap: *budget_cap,
                    mode: *mode,
                    opens_on: *opens_on,
                    closes_on: *closes_on,
                    completion_deadline: *completion_deadline,
                });
            }
            ChallengeEvent::NeedsAdopted { needs } => self.needs.clone_from(needs),
            ChallengeEvent::ChallengePublished { published_on } => {
                self.status = ChallengeStatus::Published.as_str().into();
                self.published_on = Some(*published_on);
            }
            ChallengeEvent::ChallengeAmended(a) => {
                if let Some(t) = self.terms.as_mut() {
                    a.apply_to(t);
                }
                self.amendments.push(AmendmentEntry {
                    version: event.sequence,
                    reason: a.reason.clone(),
                    recorded_at: Some(recorded_at),
                });
                self.amendment_count += 1;
                if self.amendments.len() > Self::RECENT_AMENDMENTS {
                    self.amendments.remove(0);
                }
            }
            ChallengeEvent::ApplicationsClosed { closed_on } => {
                self.status = ChallengeStatus::Closed.as_str().into();
                self.closed_on = Some(*closed_on);
            }
            ChallengeEvent::ChallengeCancelled { reason } => {
                self.status = ChallengeStatus::Cancelled.as_str().into();
                self.cancel_reason = Some(reason.clone());
            }
            ChallengeEvent::ChallengeAwarded {
                awarded_on,
                winners,
                ..
            } => {
                self.status = ChallengeStatus::Awarded.as_str().into();
                self.decided_on = Some(*awarded_on);
                self.winners.clone_from(winners);
            }
            ChallengeEvent::ChallengeUnfilled {
                declared_on,
                reason,
                ..
            } => {
                self.status = ChallengeStatus::Unfilled.as_str().into();
                self.decided_on = Some(*declared_on);
                self.unfilled_reason = Some(reason.clone());
            }
        }
    }
}

impl Indexed for ChallengeView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: self.terms.as_ref().map(|t| t.demand_owner.to_string()),
            parent: self.terms.as_ref().map(|t| t.programme.clone()),
            sort_key: self.created_at.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use challenge::ChallengeAmendment;

    use super::*;

    fn envelope(sequence: usize, payload: ChallengeEvent) -> EventEnvelope<Challenge> {
        EventEnvelope {
            aggregate_id: "call-1".into(),
            sequence,
            payload,
            metadata: HashMap::from([("recorded_at".to_string(), format!("t{sequence}"))]),
        }
    }

    #[test]
    fn the_row_keeps_the_latest_amendments_and_counts_them_all() {
        let mut view = ChallengeView::default();
        for sequence in 1..=25 {
            view.update(&envelope(
                sequence,
                ChallengeEvent::ChallengeAmended(ChallengeAmendment {
                    reason: format!("第{sequence}次"),
                    title: Some(format!("标题{sequence}")),
                    industry_chain: None,
                    targets: None,
                    budget_cap: None,
                    closes_on: None,
                    completion_deadline: None,
                }),
            ));
        }
        assert_eq!(view.amendment_count, 25);
        assert_eq!(view.amendments.len(), ChallengeView::RECENT_AMENDMENTS);
        let kept: Vec<usize> = view.amendments.iter().map(|a| a.version).collect();
        assert_eq!(kept, (16..=25).collect::<Vec<_>>());
        assert_eq!(view.amendments[9].reason, "第25次");
        assert_eq!(view.version, 25);
    }
}
