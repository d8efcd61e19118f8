//! The officers' work list of refused reactions (待办事项).

use attention::{AttentionEvent, AttentionItem, AttentionStatus, CauseRef};
use cqrs_es::{EventEnvelope, View};
use serde::{Deserialize, Serialize};

use crate::{Indexed, ViewIndex};

/// One step in an item's history.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AttentionStep {
    /// What happened (`refused`, `retry_requested`, `resolved`, `dismissed`).
    pub what: String,
    /// When it was recorded.
    pub at: String,
    /// Who (an officer, or the process manager).
    pub by: String,
    /// The refusal's code, or the dismissal's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A refused reaction as the work list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AttentionView {
    /// The item's id.
    pub id: String,
    /// The stream version folded.
    pub version: usize,
    /// `open`, `retry_requested`, `resolved` or `dismissed`.
    pub status: String,
    /// The reactor that was refused.
    pub reactor: String,
    /// The causing event.
    pub cause: CauseRef,
    /// The latest refusal's stable code.
    pub code: String,
    /// The latest refusal's message.
    pub detail: String,
    /// How often a rule refused it.
    pub refusals: u32,
    /// When it was first refused.
    pub opened_at: String,
    /// Every step, oldest first.
    pub history: Vec<AttentionStep>,
}

impl AttentionView {
    /// The view's name in the store.
    pub const NAME: &'static str = "attention";
}

impl View<AttentionItem> for AttentionView {
    fn update(&mut self, event: &EventEnvelope<AttentionItem>) {
        self.id = event.aggregate_id.clone();
        self.version = event.sequence;
        let at = event
            .metadata
            .get("recorded_at")
            .cloned()
            .unwrap_or_default();
        let by = event.metadata.get("actor_sub").cloned().unwrap_or_default();
        let (what, note) = match &event.payload {
            AttentionEvent::ReactionRefused {
                reactor,
                cause,
                code,
                detail,
            } => {
                self.status = AttentionStatus::Open.as_str().into();
                self.reactor = reactor.clone();
                self.cause = cause.clone();
                self.code = code.clone();
                self.detail = detail.clone();
                self.refusals += 1;
                if self.opened_at.is_empty() {
                    self.opened_at = at.clone();
                }
                ("refused", Some(code.clone()))
            }
            AttentionEvent::RetryRequested { .. } => {
                self.status = AttentionStatus::RetryRequested.as_str().into();
                ("retry_requested", None)
            }
            AttentionEvent::ReactionResolved => {
                self.status = AttentionStatus::Resolved.as_str().into();
                ("resolved", None)
            }
            AttentionEvent::ItemDismissed { reason, .. } => {
                self.status = AttentionStatus::Dismissed.as_str().into();
                ("dismissed", Some(reason.clone()))
            }
        };
        self.history.push(AttentionStep {
            what: what.into(),
            at,
            by,
            note,
        });
    }
}

impl Indexed for AttentionView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: None,
            parent: Some(self.reactor.clone()),
            sort_key: format!("{}/{}", self.opened_at, self.id),
        }
    }
}
