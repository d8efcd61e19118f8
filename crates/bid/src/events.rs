use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{Assessment, Attachment, BidContent, Objection, ReviewerRef};

/// What happened to a bid. Event names and versions never change once stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BidEvent {
    /// 揭榜: the bid was filed (again, after a withdrawal, in the same stream).
    BidSubmitted {
        /// The call's stream id.
        challenge_id: String,
        /// The call's programme.
        programme: String,
        /// The call's demand owner.
        demand_owner: OrgCode,
        /// 牵头单位.
        lead: OrgCode,
        /// The lead's name.
        lead_name: String,
        /// The handle shown to the demand owner.
        alias: String,
        /// What the bid proposes.
        content: BidContent,
        /// The call's cap when the bid was checked against it (fen).
        call_cap: Money,
        /// The date it was filed.
        submitted_on: NaiveDate,
    },
    /// The content was replaced by the owner.
    BidAmended {
        /// The new content.
        content: BidContent,
        /// Revision number, from 2 for the first amendment of a submission.
        revision: u32,
        /// The date.
        amended_on: NaiveDate,
    },
    /// A document was recorded against the bid.
    AttachmentAdded {
        /// Name, type, size and hash.
        attachment: Attachment,
        /// The date.
        added_on: NaiveDate,
    },
    /// The owner withdrew the bid.
    BidWithdrawn {
        /// Why.
        reason: String,
        /// The date.
        withdrawn_on: NaiveDate,
        /// Reviewers whose pending assessment the withdrawal cancels.
        cancelled_reviews: Vec<String>,
    },
    /// 形式审查 passed.
    FormalCheckPassed {
        /// The date.
        checked_on: NaiveDate,
    },
    /// 形式审查 failed.
    FormalCheckFailed {
        /// What was missing or wrong.
        defects: Vec<String>,
        /// The date.
        checked_on: NaiveDate,
    },
    /// Experts were put on the panel.
    ReviewersAssigned {
        /// The experts added.
        reviewers: Vec<ReviewerRef>,
    },
    /// An expert declared a conflict and stepped down (回避).
    ReviewerRecused {
        /// The expert.
        reviewer: String,
        /// The declared conflict.
        reason: String,
    },
    /// An expert's assessment.
    AssessmentRecorded {
        /// The assessment.
        assessment: Assessment,
    },
    /// An expert corrected an earlier assessment; the earlier one stays in history.
    AssessmentCorrected {
        /// The assessment that now counts.
        assessment: Assessment,
        /// Why it was corrected.
        reason: String,
    },
    /// 面试答辩 held.
    DefenceHeld {
        /// The day.
        held_on: NaiveDate,
        /// The panel.
        panel: Vec<String>,
        /// What was concluded.
        summary: String,
    },
    /// The officer concluded the review.
    ReviewConcluded {
        /// Mean of the counted weighted scores, in hundredths of a point (0–10000).
        mean_score_x100: u32,
        /// How many assessments were counted.
        assessments_counted: u32,
        /// The officer's recommendation.
        recommended: bool,
        /// The officer's note.
        note: String,
    },
    /// 出题企业's opinion.
    DemandOwnerOpinionRecorded {
        /// Whether it supports the bid.
        supports: bool,
        /// The opinion.
        opinion: String,
    },
    /// 公示 started.
    PublicNoticeStarted {
        /// First day (inclusive).
        from: NaiveDate,
        /// Last day (inclusive).
        to: NaiveDate,
    },
    /// A written objection was filed.
    ObjectionFiled {
        /// The objection.
        objection: Objection,
    },
    /// The officer upheld or dismissed an objection.
    ObjectionResolved {
        /// The objection's number.
        no: u32,
        /// Upheld?
        upheld: bool,
        /// The reasons.
        reason: String,
    },
    /// An upheld objection disqualified the bid.
    BidDisqualified {
        /// The upheld objection.
        objection_no: u32,
    },
    /// 公示期满无异议: the notice ended with no objection upheld; the bid is cleared.
    PublicNoticeEnded {
        /// The date.
        ended_on: NaiveDate,
    },
    /// The bid won the call.
    BidAwarded {
        /// The project stream created for it.
        project_id: String,
        /// The amount awarded (fen).
        amount: Money,
        /// Lane in a horse race.
        lane: Option<u8>,
    },
    /// The bid did not win.
    BidNotSelected,
}

impl DomainEvent for BidEvent {
    fn event_type(&self) -> String {
        match self {
            BidEvent::BidSubmitted { .. } => "BidSubmitted",
            BidEvent::BidAmended { .. } => "BidAmended",
            BidEvent::AttachmentAdded { .. } => "AttachmentAdded",
            BidEvent::BidWithdrawn { .. } => "BidWithdrawn",
            BidEvent::FormalCheckPassed { .. } => "FormalCheckPassed",
            BidEvent::FormalCheckFailed { .. } => "FormalCheckFailed",
            BidEvent::ReviewersAssigned { .. } => "ReviewersAssigned",
            BidEvent::ReviewerRecused { .. } => "ReviewerRecused",
            BidEvent::AssessmentRecorded { .. } => "AssessmentRecorded",
            BidEvent::AssessmentCorrected { .. } => "AssessmentCorrected",
            BidEvent::DefenceHeld { .. } => "DefenceHeld",
            BidEvent::ReviewConcluded { .. } => "ReviewConcluded",
            BidEvent::DemandOwnerOpinionRecorded { .. } => "DemandOwnerOpinionRecorded",
            BidEvent::PublicNoticeStarted { .. } => "PublicNoticeStarted",
            BidEvent::ObjectionFiled { .. } => "ObjectionFiled",
            BidEvent::ObjectionResolved { .. } => "ObjectionResolved",
            BidEvent::BidDisqualified { .. } => "BidDisqualified",
            BidEvent::PublicNoticeEnded { .. } => "PublicNoticeEnded",
            BidEvent::BidAwarded { .. } => "BidAwarded",
            BidEvent::BidNotSelected => "BidNotSelected",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
