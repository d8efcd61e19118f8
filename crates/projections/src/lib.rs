//! Read models (views) folded from events, with no I/O.
//!
//! Each view implements [`cqrs_es::View`] for its aggregate. The store drives views through the
//! object-safe [`Projector`] port, which works on serialized events and JSON rows so that the
//! store can fold them inside the transaction that appends the events.

mod bid_view;
mod challenge_view;
mod fanout;
mod list;
mod project_view;
mod projector;
mod subscription;
#[cfg(test)]
mod tests;

pub use bid_view::{
    AssessmentEntry, AttachmentEntry, AwardEntry, BidRankingView, BidView, DefenceEntry,
    FormalCheckEntry, NoticeEntry, ObjectionEntry, OpinionEntry, PanelSeat, ResolutionEntry,
    ReviewConclusion, RevisionEntry, WithdrawalEntry,
};
pub use challenge_view::ChallengeView;
pub use fanout::{
    fanout_row_id, BidPartyProjector, BidPartyView, ReviewAssignmentProjector, ReviewAssignmentView,
};
pub use list::{Cursor, ListQuery, Page, DEFAULT_PAGE, MAX_PAGE};
pub use project_view::{
    MilestoneEntry, ProjectMembershipProjector, ProjectView, RaceView, ReferralEntry, TrancheEntry,
};
pub use projector::{
    all_projectors, envelope_of, metadata_text, Indexed, ProjectionError, Projector, ViewIndex,
    ViewProjector, ViewRow,
};
pub use subscription::{all_subscriptions, Subscription, RACE_TO_LANES};
