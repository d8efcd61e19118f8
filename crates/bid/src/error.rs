use chrono::NaiveDate;
use kernel::{DomainError, ErrorKind, OrgCode};

/// Why a bid command was refused. Each variant names the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BidError {
    /// The command is not allowed in the bid's current state.
    #[error("cannot {action} a bid that is {status}")]
    InvalidTransition {
        /// The bid's state.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// The call is not accepting bids.
    #[error("the call is {status}, not published")]
    CallNotPublished {
        /// The call's status.
        status: String,
    },
    /// Today is outside the call's window.
    #[error("bids are accepted from {opens_on} to {closes_on}")]
    OutsideWindow {
        /// First day.
        opens_on: NaiveDate,
        /// Last day (inclusive).
        closes_on: NaiveDate,
    },
    /// The formal check waits for the window to close.
    #[error("the window is open until {closes_on}")]
    WindowStillOpen {
        /// Last day of the window.
        closes_on: NaiveDate,
    },
    /// The lead already has a live bid on this call.
    #[error("the organisation already has a live bid on this call")]
    DuplicateLiveBid,
    /// The lead or a member is barred by a research-integrity record.
    #[error("{org} is barred until {until}")]
    OrganisationBarred {
        /// The barred organisation.
        org: OrgCode,
        /// First day it is eligible again.
        until: NaiveDate,
    },
    /// The caller's organisation is not the bid's lead.
    #[error("only the lead organisation may do this")]
    NotBidOwner,
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    Required(&'static str),
    /// The request is zero or negative.
    #[error("the requested amount must be above zero")]
    RequestNotPositive,
    /// The request is above the call's cap.
    #[error("requested {asked_fen} fen exceeds the call's cap of {cap_fen} fen")]
    RequestOverCap {
        /// The call's cap.
        cap_fen: i64,
        /// The request.
        asked_fen: i64,
    },
    /// The lead is also listed as a member.
    #[error("the lead cannot also be a member")]
    LeadListedAsMember,
    /// An organisation appears twice among the members.
    #[error("{0} appears twice among the members")]
    DuplicateMember(OrgCode),
    /// A joint bid needs the joint-bid agreement.
    #[error("a joint bid needs the reference of its signed joint-bid agreement")]
    JointAgreementMissing,
    /// A joint bid needs sub-topics.
    #[error("a joint bid is organised as 项目+课题 and needs sub-topics")]
    SubtopicsMissing,
    /// Two sub-topics share a title.
    #[error("sub-topic {0:?} appears twice")]
    DuplicateSubtopic(String),
    /// A sub-topic's responsible organisation is neither the lead nor a member.
    #[error("sub-topic {subtopic:?} names {org}, which is not on the team")]
    SubtopicOutsideTeam {
        /// The sub-topic.
        subtopic: String,
        /// The organisation named.
        org: OrgCode,
    },
    /// A member undertakes no sub-topic.
    #[error("member {0} is responsible for no sub-topic")]
    MemberWithoutSubtopic(OrgCode),
    /// A sub-topic's share is zero or negative.
    #[error("every sub-topic needs a budget share above zero")]
    SubtopicShareNotPositive,
    /// The sub-topic shares do not add up to the request.
    #[error("sub-topic shares sum to {shares_fen} fen, the request is {requested_fen} fen")]
    SubtopicSharesMismatch {
        /// The request.
        requested_fen: i64,
        /// Σ shares.
        shares_fen: i64,
    },
    /// No milestones were proposed.
    #[error("a bid proposes at least one milestone")]
    NoMilestones,
    /// A tranche is zero or negative.
    #[error("every milestone's tranche must be above zero")]
    TrancheNotPositive,
    /// The tranches do not add up to the request.
    #[error("tranches sum to {tranches_fen} fen, the request is {requested_fen} fen")]
    TranchesMismatch {
        /// The request.
        requested_fen: i64,
        /// Σ tranches.
        tranches_fen: i64,
    },
    /// Milestones are not in date order.
    #[error("milestones must be in date order")]
    MilestonesOutOfOrder,
    /// A milestone falls after the call's completion deadline.
    #[error("milestone due {due} falls after the completion deadline {completion_deadline}")]
    MilestoneAfterDeadline {
        /// The milestone's date.
        due: NaiveDate,
        /// The call's deadline.
        completion_deadline: NaiveDate,
    },
    /// An amendment identical to the current content.
    #[error("the amendment changes nothing")]
    NothingToAmend,
    /// A sum did not fit in fen.
    #[error("amount overflow")]
    AmountOverflow,
    /// The hash is not 64 lower-case hex characters.
    #[error("not a SHA-256 hex digest")]
    AttachmentHashInvalid,
    /// The same document is already attached.
    #[error("this document is already attached")]
    AttachmentDuplicate,
    /// A failed formal check needs defects, a passed one has none.
    #[error("a failed formal check lists its defects; a passed one lists none")]
    FormalCheckDefects,
    /// Fewer experts than the minimum would sit on the panel.
    #[error("a review panel needs at least {min} experts, this one would have {seated}")]
    TooFewReviewers {
        /// Minimum.
        min: usize,
        /// Seated after this command.
        seated: usize,
    },
    /// An expert is already on the panel (or listed twice).
    #[error("expert {0} is already on the panel")]
    DuplicateReviewer(String),
    /// An expert works for the lead or a member.
    #[error("expert {reviewer} works for {org}, which is on the bid")]
    ReviewerConflict {
        /// The expert.
        reviewer: String,
        /// The conflicting organisation.
        org: OrgCode,
    },
    /// An expert who stepped down cannot be seated again.
    #[error("expert {0} stepped down from this bid and cannot return")]
    ReviewerRecusedEarlier(String),
    /// The caller is not a seated expert of this bid.
    #[error("expert {0} is not on this bid's panel")]
    NotAssignedReviewer(String),
    /// The caller's `sub` is seated, but with another organisation than the token's.
    #[error("expert {0} is seated for another organisation than the caller's")]
    NotSeated(String),
    /// A second assessment without a correction.
    #[error("expert {0} has already assessed; send a correction with a reason")]
    AlreadyAssessed(String),
    /// A correction with nothing to correct.
    #[error("expert {0} has no assessment to correct")]
    NothingToCorrect(String),
    /// The programme is not in the catalogue.
    #[error("unknown programme {0:?}")]
    UnknownProgramme(String),
    /// A score names a criterion the programme does not have.
    #[error("{0:?} is not a criterion of this programme")]
    UnknownCriterion(String),
    /// A criterion was scored twice or not at all.
    #[error("criterion {0:?} must be scored exactly once")]
    CriterionNotScoredOnce(String),
    /// A score is above 100.
    #[error("score {score} on {criterion:?} is outside 0–100")]
    ScoreOutOfRange {
        /// The criterion.
        criterion: String,
        /// The score.
        score: u8,
    },
    /// The oral defence was already recorded.
    #[error("the oral defence is already recorded")]
    DefenceAlreadyRecorded,
    /// Not every seated expert has assessed.
    #[error("{missing} seated expert(s) have not assessed")]
    AssessmentsMissing {
        /// How many are missing.
        missing: usize,
    },
    /// The caller is not the call's demand owner.
    #[error("only the call's demand owner may give this opinion")]
    NotDemandOwner,
    /// The demand owner already gave its opinion.
    #[error("the demand owner's opinion is already recorded")]
    OpinionAlreadyRecorded,
    /// The notice is shorter than the minimum.
    #[error("a public notice lasts at least {min_days} calendar days, this one {days}")]
    NoticeTooShort {
        /// Minimum (inclusive count).
        min_days: i64,
        /// Days asked (inclusive count).
        days: i64,
    },
    /// The notice would start before today.
    #[error("a public notice cannot start before today")]
    NoticeStartsInPast,
    /// An objection outside the notice period.
    #[error("objections are accepted from {from} to {to}")]
    ObjectionOutsideNotice {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
    /// An objection without a real name.
    #[error("anonymous objections are not accepted; give a real name")]
    AnonymousObjection,
    /// No objection with this number.
    #[error("no objection {0}")]
    UnknownObjection(u32),
    /// The objection was already resolved.
    #[error("objection {0} is already resolved")]
    ObjectionAlreadyResolved(u32),
    /// The notice has not run its course.
    #[error("the notice runs until {to}")]
    NoticeNotOver {
        /// Last day.
        to: NaiveDate,
    },
    /// Objections are still pending.
    #[error("{0} objection(s) are pending")]
    ObjectionsPending(usize),
    /// An award amount that is zero or above the request.
    #[error("award of {amount_fen} fen is outside 1..={requested_fen} fen")]
    AwardAmountInvalid {
        /// Awarded.
        amount_fen: i64,
        /// Requested.
        requested_fen: i64,
    },
}

impl DomainError for BidError {
    fn code(&self) -> &'static str {
        match self {
            BidError::InvalidTransition { .. } => "invalid_transition",
            BidError::CallNotPublished { .. } => "call_not_published",
            BidError::OutsideWindow { .. } => "outside_window",
            BidError::WindowStillOpen { .. } => "window_still_open",
            BidError::DuplicateLiveBid => "duplicate_live_bid",
            BidError::OrganisationBarred { .. } => "organisation_barred",
            BidError::NotBidOwner => "not_bid_owner",
            BidError::Required(_) => "required_field_empty",
            BidError::RequestNotPositive => "request_not_positive",
            BidError::RequestOverCap { .. } => "request_over_cap",
            BidError::LeadListedAsMember => "lead_listed_as_member",
            BidError::DuplicateMember(_) => "duplicate_member",
            BidError::JointAgreementMissing => "joint_agreement_missing",
            BidError::SubtopicsMissing => "subtopics_missing",
            BidError::DuplicateSubtopic(_) => "duplicate_subtopic",
            BidError::SubtopicOutsideTeam { .. } => "subtopic_outside_team",
            BidError::MemberWithoutSubtopic(_) => "member_without_subtopic",
            BidError::SubtopicShareNotPositive => "subtopic_share_not_positive",
            BidError::SubtopicSharesMismatch { .. } => "subtopic_shares_mismatch",
            BidError::NoMilestones => "no_milestones",
            BidError::TrancheNotPositive => "tranche_not_positive",
            BidError::TranchesMismatch { .. } => "tranche_sum_mismatch",
            BidError::MilestonesOutOfOrder => "milestones_out_of_order",
            BidError::MilestoneAfterDeadline { .. } => "milestone_after_deadline",
            BidError::NothingToAmend => "nothing_to_amend",
            BidError::AmountOverflow => "amount_overflow",
            BidError::AttachmentHashInvalid => "attachment_hash_invalid",
            BidError::AttachmentDuplicate => "attachment_duplicate",
            BidError::FormalCheckDefects => "formal_check_defects",
            BidError::TooFewReviewers { .. } => "too_few_reviewers",
            BidError::DuplicateReviewer(_) => "duplicate_reviewer",
            BidError::ReviewerConflict { .. } => "reviewer_conflict_of_interest",
            BidError::ReviewerRecusedEarlier(_) => "reviewer_recused_earlier",
            BidError::NotAssignedReviewer(_) => "not_assigned_reviewer",
            BidError::NotSeated(_) => "not_seated",
            BidError::AlreadyAssessed(_) => "assessment_already_recorded",
            BidError::NothingToCorrect(_) => "no_assessment_to_correct",
            BidError::UnknownProgramme(_) => "unknown_programme",
            BidError::UnknownCriterion(_) => "unknown_criterion",
            BidError::CriterionNotScoredOnce(_) => "criterion_not_scored_once",
            BidError::ScoreOutOfRange { .. } => "score_out_of_range",
            BidError::DefenceAlreadyRecorded => "defence_already_recorded",
            BidError::AssessmentsMissing { .. } => "assessments_missing",
            BidError::NotDemandOwner => "not_demand_owner",
            BidError::OpinionAlreadyRecorded => "opinion_already_recorded",
            BidError::NoticeTooShort { .. } => "notice_too_short",
            BidError::NoticeStartsInPast => "notice_starts_in_past",
            BidError::ObjectionOutsideNotice { .. } => "objection_outside_notice",
            BidError::AnonymousObjection => "anonymous_objection",
            BidError::UnknownObjection(_) => "unknown_objection",
            BidError::ObjectionAlreadyResolved(_) => "objection_already_resolved",
            BidError::NoticeNotOver { .. } => "notice_not_over",
            BidError::ObjectionsPending(_) => "objections_pending",
            BidError::AwardAmountInvalid { .. } => "award_amount_invalid",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            BidError::DuplicateLiveBid
            | BidError::AttachmentDuplicate
            | BidError::DuplicateReviewer(_)
            | BidError::AlreadyAssessed(_)
            | BidError::OpinionAlreadyRecorded
            | BidError::DefenceAlreadyRecorded
            | BidError::ObjectionAlreadyResolved(_) => ErrorKind::Conflict,
            BidError::NotBidOwner
            | BidError::NotAssignedReviewer(_)
            | BidError::NotSeated(_)
            | BidError::NotDemandOwner => ErrorKind::Forbidden,
            BidError::UnknownObjection(_) => ErrorKind::NotFound,
            _ => ErrorKind::Invalid,
        }
    }
}
