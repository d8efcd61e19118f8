use chrono::NaiveDate;
use kernel::{ActiveBar, Money, OrgCode};

use crate::{Attachment, BidContent, Recommendation, ReviewerRef};

/// What the bid needs to know about its call, read by the API from the challenge when the
/// command is issued (aggregates never read another stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFacts {
    /// The challenge's stream id.
    pub challenge_id: String,
    /// The programme it is published under.
    pub programme: String,
    /// The challenge's status on the wire (`published`, `closed`, …).
    pub status: String,
    /// First day of the window.
    pub opens_on: NaiveDate,
    /// Last day of the window (inclusive).
    pub closes_on: NaiveDate,
    /// Cap per award.
    pub budget_cap: Money,
    /// Date by which the work must be finished.
    pub completion_deadline: NaiveDate,
    /// 出题企业: the enterprise whose need the call states.
    pub demand_owner: OrgCode,
}

/// Commands on a bid.
#[derive(Debug, Clone, PartialEq)]
pub enum BidCommand {
    /// 揭榜: file (or, after a withdrawal, file again) the bid.
    Submit(SubmitBid),
    /// Replace the bid's content while the window is open (owner).
    Amend {
        /// The caller's organisation; must be the lead.
        by: OrgCode,
        /// The call as it stands.
        call: CallFacts,
        /// The new content.
        content: BidContent,
        /// Active integrity bars on the lead and the new members.
        bars: Vec<ActiveBar>,
    },
    /// Record a stored document against the bid while the window is open (owner).
    Attach {
        /// The caller's organisation; must be the lead.
        by: OrgCode,
        /// The call as it stands.
        call: CallFacts,
        /// The document's name, type, size and hash.
        attachment: Attachment,
    },
    /// Withdraw the bid; allowed until award (owner).
    Withdraw {
        /// The caller's organisation; must be the lead.
        by: OrgCode,
        /// Why.
        reason: String,
    },
    /// 形式审查: the officer's formal check, after the window has closed.
    RecordFormalCheck {
        /// The call as it stands.
        call: CallFacts,
        /// Passed or failed.
        passed: bool,
        /// What is missing or wrong; required when failed, empty when passed.
        defects: Vec<String>,
    },
    /// Put experts on the review panel.
    AssignReviewers(AssignReviewers),
    /// An assigned expert declares a conflict of interest and steps down (回避).
    Recuse {
        /// The expert (token `sub`).
        reviewer: String,
        /// The organisation on the expert's token; must be the one they were seated with.
        reviewer_org: Option<OrgCode>,
        /// The declared conflict.
        reason: String,
    },
    /// An assigned expert's first assessment.
    Assess(AssessBid),
    /// An expert's correction of an assessment already recorded; supersedes it.
    CorrectAssessment {
        /// The new assessment.
        assessment: AssessBid,
        /// Why it is corrected.
        reason: String,
    },
    /// 面试答辩: record an oral defence.
    RecordDefence {
        /// The day it was held.
        held_on: NaiveDate,
        /// The panel.
        panel: Vec<String>,
        /// What was concluded.
        summary: String,
    },
    /// The officer concludes the review with a recommendation.
    ConcludeReview {
        /// Whether the bid goes on to public notice.
        recommended: bool,
        /// The officer's note.
        note: String,
    },
    /// 出题企业's opinion on a shortlisted bid, kept beside the officer's decision.
    RecordDemandOwnerOpinion {
        /// The caller's organisation; must be the call's demand owner.
        by: OrgCode,
        /// The call as it stands.
        call: CallFacts,
        /// Whether the demand owner supports the bid.
        supports: bool,
        /// The opinion.
        opinion: String,
    },
    /// 公示: publish the recommended bid for objections.
    StartPublicNotice {
        /// First day (inclusive).
        from: NaiveDate,
        /// Last day (inclusive).
        to: NaiveDate,
    },
    /// A written, named objection during the notice.
    FileObjection(FileObjection),
    /// The officer upholds (the bid is disqualified) or dismisses an objection.
    ResolveObjection {
        /// The objection's number.
        no: u32,
        /// Upheld or dismissed.
        upheld: bool,
        /// The reasons.
        reason: String,
    },
    /// End the notice after its last day, with no objection pending: the bid is cleared.
    EndPublicNotice,
    /// Process manager, from `ChallengeAwarded`: the bid won.
    MarkAwarded {
        /// The project stream created for it.
        project_id: String,
        /// The amount awarded.
        amount: Money,
        /// Its lane in a horse race.
        lane: Option<u8>,
    },
    /// Process manager, from `ChallengeAwarded` or `ChallengeUnfilled`: the bid did not win.
    MarkNotSelected,
}

/// 揭榜: a team files its bid on a published call.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmitBid {
    /// The call as it stands.
    pub call: CallFacts,
    /// 揭榜单位 (牵头单位): the caller's organisation.
    pub lead: OrgCode,
    /// The lead's name.
    pub lead_name: String,
    /// An opaque handle that names the bid to the demand owner without revealing the team.
    pub alias: String,
    /// What the bid proposes.
    pub content: BidContent,
    /// Active integrity bars on the lead and the members at the submission date.
    pub bars: Vec<ActiveBar>,
}

/// Experts put on a bid's panel.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignReviewers {
    /// The experts and the organisations they work for.
    pub reviewers: Vec<ReviewerRef>,
}

/// One expert's assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessBid {
    /// The expert (token `sub`).
    pub reviewer: String,
    /// The organisation on the expert's token, checked again for conflicts.
    pub reviewer_org: Option<OrgCode>,
    /// `(criterion id, score 0–100)`, one per criterion of the programme.
    pub scores: Vec<(String, u8)>,
    /// The verdict.
    pub recommendation: Recommendation,
    /// The comment.
    pub comment: String,
}

/// A written objection to a bid under public notice.
#[derive(Debug, Clone, PartialEq)]
pub struct FileObjection {
    /// Who files it (token `sub`).
    pub objector_sub: String,
    /// The objector's real name.
    pub objector_name: String,
    /// The organisation the objector speaks for.
    pub objector_org: Option<OrgCode>,
    /// The grounds.
    pub grounds: String,
    /// Reference to evidence.
    pub evidence_ref: Option<String>,
}
