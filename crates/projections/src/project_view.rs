use cqrs_es::{EventEnvelope, View};
use kernel::{Money, OrgCode};
use project::{Project, ProjectEvent};
use serde::{Deserialize, Serialize};

use crate::{Indexed, ViewIndex};

/// A project as the API shows it (for now only the award it holds).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProjectView {
    /// Stream id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// `awarded`.
    pub status: String,
    /// The call.
    pub challenge_id: String,
    /// The winning bid.
    pub bid_id: String,
    /// 牵头单位.
    pub lead: Option<OrgCode>,
    /// Joint members.
    pub members: Vec<OrgCode>,
    /// The amount awarded.
    pub award_amount_fen: Money,
    /// Lane in a horse race.
    pub lane: Option<u8>,
    /// When created.
    pub created_at: String,
}

impl ProjectView {
    /// The view's name in the store.
    pub const NAME: &'static str = "project";
}

impl View<Project> for ProjectView {
    fn update(&mut self, event: &EventEnvelope<Project>) {
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        match &event.payload {
            ProjectEvent::ProjectAwarded {
                challenge_id,
                bid_id,
                lead,
                members,
                award_amount,
                lane,
            } => {
                self.status = "awarded".into();
                self.challenge_id.clone_from(challenge_id);
                self.bid_id.clone_from(bid_id);
                self.lead = Some(lead.clone());
                self.members.clone_from(members);
                self.award_amount_fen = *award_amount;
                self.lane = *lane;
                self.created_at = event
                    .metadata
                    .get("recorded_at")
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }
}

impl Indexed for ProjectView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: self.lead.as_ref().map(|o| o.to_string()),
            parent: Some(self.challenge_id.clone()),
            sort_key: self.created_at.clone(),
        }
    }
}
