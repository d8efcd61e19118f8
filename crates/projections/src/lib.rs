//! Read models (views) folded from events, with no I/O.
//!
//! Each view implements [`cqrs_es::View`] for its aggregate. The store drives views through the
//! object-safe [`Projector`] port, which works on serialized events and JSON rows so that the
//! store can fold them inside the transaction that appends the events.

mod attention_view;
mod bid_view;
mod challenge_view;
mod clawback_view;
mod consortium_view;
mod evaluation_view;
mod fanout;
mod integrity_view;
mod list;
mod need_view;
mod project_view;
mod projector;
mod subscription;
mod support_view;
#[cfg(test)]
mod tests;

pub use attention_view::{AttentionStep, AttentionView};
pub use bid_view::{
    AssessmentEntry, AttachmentEntry, AwardEntry, BidObjectionEntry, BidRankingView, BidView,
    DefenceEntry, FormalCheckEntry, NoticeEntry, OpinionEntry, PanelSeat, ResolutionEntry,
    ReviewConclusion, RevisionEntry, WithdrawalEntry,
};
pub use challenge_view::ChallengeView;
pub use clawback_view::{
    CaseAmounts, ClawbackLedgerProjector, ClawbackLedgerView, ClawbackObjectionEntry, ClawbackView,
    LedgerEntry, RepaymentEntry, WaiverEntry,
};
pub use consortium_view::{
    AcceptanceEntry, ApplicationEntry, ConsortiumAcceptanceView, ConsortiumView, EvaluationEntry,
    GrantEntry, LevelEntry, LevelMoney, MembershipChange, MoneyByLevel, RecoveryEntry,
    RevocationEntry,
};
pub use evaluation_view::{
    EvaluationRoundView, EvaluatorEntry, EvaluatorQueueItem, EvaluatorQueueProjector,
    ObjectionEntry, SubjectEntry,
};
pub use fanout::{
    fanout_row_id, BidPartyProjector, BidPartyView, ReviewAssignmentProjector, ReviewAssignmentView,
};
pub use integrity_view::{
    BarEntry, BarRegistryProjector, BarRegistryView, IntegrityCaseEntry, IntegrityRecoveryEntry,
    IntegrityView,
};
pub use list::{Cursor, ListQuery, Page, DEFAULT_PAGE, MAX_PAGE};
pub use need_view::{KpiObservationView, NeedAdoptionProjector, NeedAdoptionView, NeedView};
pub use project_view::{
    MilestoneEntry, ProjectMembershipProjector, ProjectView, RaceView, ReferralEntry, TrancheEntry,
};
pub use projector::{
    all_projectors, envelope_of, metadata_text, Indexed, ProjectionError, Projector, ViewIndex,
    ViewProjector, ViewRow,
};
pub use subscription::Subscription;
pub use support_view::{
    SupportApplicationView, SupportDecisionEntry, SupportListProjector, SupportProposalEntry,
    SupportRecoveryEntry, SupportTrancheEntry, SupportUsageProjector, SupportUsageView,
    UsageGrantEntry,
};
