use std::collections::BTreeMap;

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::policy::{Programme, DEFAULT_MIN_REVIEWERS, NOTICE_MIN_DAYS};
use kernel::{first_bar, ActiveBar, Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{
    AssessBid, Assessment, AssignReviewers, Attachment, BidCommand, BidContent, BidError, BidEvent,
    BidServices, CallFacts, CriterionScore, FileObjection, Objection, ReviewerRef, SubmitBid,
};

/// Where a bid stands (domain.md §3.b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BidStatus {
    /// No event yet.
    #[default]
    New,
    /// Filed inside the window.
    Submitted,
    /// Failed the formal check (形式审查). Terminal.
    FormallyRejected,
    /// Passed the formal check.
    Compliant,
    /// Experts seated.
    UnderReview,
    /// Review concluded with a recommendation.
    Reviewed,
    /// Review concluded without one. Terminal.
    NotRecommended,
    /// 公示 running.
    InPublicNotice,
    /// 公示 ended with no objection upheld.
    Cleared,
    /// An objection was upheld. Terminal.
    Disqualified,
    /// Won the call. Terminal.
    Awarded,
    /// Did not win. Terminal.
    NotSelected,
    /// Withdrawn by its owner; the owner may file again while the window is open.
    Withdrawn,
}

impl BidStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            BidStatus::New => "new",
            BidStatus::Submitted => "submitted",
            BidStatus::FormallyRejected => "formally_rejected",
            BidStatus::Compliant => "compliant",
            BidStatus::UnderReview => "under_review",
            BidStatus::Reviewed => "reviewed",
            BidStatus::NotRecommended => "not_recommended",
            BidStatus::InPublicNotice => "in_public_notice",
            BidStatus::Cleared => "cleared",
            BidStatus::Disqualified => "disqualified",
            BidStatus::Awarded => "awarded",
            BidStatus::NotSelected => "not_selected",
            BidStatus::Withdrawn => "withdrawn",
        }
    }

    /// True while the bid is in play: filed, not withdrawn and not decided.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            BidStatus::Submitted
                | BidStatus::Compliant
                | BidStatus::UnderReview
                | BidStatus::Reviewed
                | BidStatus::InPublicNotice
                | BidStatus::Cleared
        )
    }
}

/// An expert's seat on a bid's panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerSeat {
    /// The expert.
    pub reviewer: ReviewerRef,
    /// True once the expert stepped down (回避).
    pub recused: bool,
}

/// A bid (揭榜申报) on one call by one lead organisation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Bid {
    status: BidStatus,
    programme: String,
    lead: Option<OrgCode>,
    alias: Option<String>,
    content: Option<BidContent>,
    revision: u32,
    attachments: Vec<String>,
    panel: Vec<ReviewerSeat>,
    assessments: BTreeMap<String, u32>,
    defence_held: bool,
    opinion_recorded: bool,
    notice: Option<(NaiveDate, NaiveDate)>,
    objections: Vec<Option<bool>>,
}

fn required(value: &str, field: &'static str) -> Result<(), BidError> {
    if value.trim().is_empty() {
        Err(BidError::Required(field))
    } else {
        Ok(())
    }
}

fn sum(items: impl IntoIterator<Item = Money>) -> Result<Money, BidError> {
    Money::checked_sum(items).map_err(|_| BidError::AmountOverflow)
}

fn check_open(call: &CallFacts, today: NaiveDate) -> Result<(), BidError> {
    if call.status != "published" {
        return Err(BidError::CallNotPublished {
            status: call.status.clone(),
        });
    }
    // domain.md: both the first and the last day of the window are inclusive.
    if today < call.opens_on || today > call.closes_on {
        return Err(BidError::OutsideWindow {
            opens_on: call.opens_on,
            closes_on: call.closes_on,
        });
    }
    Ok(())
}

fn check_bars(bars: &[ActiveBar], lead: &OrgCode, content: &BidContent) -> Result<(), BidError> {
    let mut orgs = vec![lead];
    orgs.extend(content.members.iter().map(|m| &m.org));
    // 004_c8247068307aab5b.txt「3年內不得參與績效評價」, extended to bids by domain.md.
    match first_bar(bars, &orgs) {
        Some(bar) => Err(BidError::OrganisationBarred {
            org: bar.org.clone(),
            until: bar.until,
        }),
        None => Ok(()),
    }
}

fn check_content(content: &BidContent, lead: &OrgCode, call: &CallFacts) -> Result<(), BidError> {
    required(&content.title, "title")?;
    required(&content.team_lead, "team_lead")?;
    required(&content.technical_plan, "technical_plan")?;
    if !content.requested.is_positive() {
        return Err(BidError::RequestNotPositive);
    }
    // 001_5a9afaa2304051ee.txt「每个项目给予最高300万元支持」: a bid asks for at most the call's cap.
    if content.requested > call.budget_cap {
        return Err(BidError::RequestOverCap {
            cap_fen: call.budget_cap.fen(),
            asked_fen: content.requested.fen(),
        });
    }
    let mut seen: Vec<&OrgCode> = Vec::new();
    for m in &content.members {
        required(&m.name, "members[].name")?;
        if &m.org == lead {
            return Err(BidError::LeadListedAsMember);
        }
        if seen.contains(&&m.org) {
            return Err(BidError::DuplicateMember(m.org.clone()));
        }
        seen.push(&m.org);
    }
    if !content.members.is_empty() {
        // domain.md [W7] 『参与揭榜的单位应签署联合揭榜协议』: a joint bid carries its agreement.
        if content
            .joint_agreement_ref
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
        {
            return Err(BidError::JointAgreementMissing);
        }
        // 000_e0aff6e539fca529.txt「以“項目+課題”形式聯合揭榜」: a joint bid is split into sub-topics.
        if content.subtopics.is_empty() {
            return Err(BidError::SubtopicsMissing);
        }
    }
    let mut titles: Vec<&str> = Vec::new();
    for s in &content.subtopics {
        required(&s.title, "subtopics[].title")?;
        if titles.contains(&s.title.trim()) {
            return Err(BidError::DuplicateSubtopic(s.title.clone()));
        }
        titles.push(s.title.trim());
        if &s.responsible != lead && !seen.contains(&&s.responsible) {
            return Err(BidError::SubtopicOutsideTeam {
                subtopic: s.title.clone(),
                org: s.responsible.clone(),
            });
        }
        if !s.budget_share.is_positive() {
            return Err(BidError::SubtopicShareNotPositive);
        }
    }
    for m in &content.members {
        if !content.subtopics.iter().any(|s| s.responsible == m.org) {
            return Err(BidError::MemberWithoutSubtopic(m.org.clone()));
        }
    }
    if !content.subtopics.is_empty() {
        let shares = sum(content.subtopics.iter().map(|s| s.budget_share))?;
        if shares != content.requested {
            return Err(BidError::SubtopicSharesMismatch {
                requested_fen: content.requested.fen(),
                shares_fen: shares.fen(),
            });
        }
    }
    if content.milestones.is_empty() {
        return Err(BidError::NoMilestones);
    }
    let mut previous: Option<NaiveDate> = None;
    for m in &content.milestones {
        required(&m.title, "milestones[].title")?;
        if !m.tranche.is_positive() {
            return Err(BidError::TrancheNotPositive);
        }
        if previous.is_some_and(|p| m.due < p) {
            return Err(BidError::MilestonesOutOfOrder);
        }
        previous = Some(m.due);
        if m.due > call.completion_deadline {
            return Err(BidError::MilestoneAfterDeadline {
                due: m.due,
                completion_deadline: call.completion_deadline,
            });
        }
    }
    // domain.md: the tranches sum to exactly the amount they fund.
    let tranches = sum(content.milestones.iter().map(|m| m.tranche))?;
    if tranches != content.requested {
        return Err(BidError::TranchesMismatch {
            requested_fen: content.requested.fen(),
            tranches_fen: tranches.fen(),
        });
    }
    Ok(())
}

fn is_anonymous(name: &str) -> bool {
    let n = name.trim();
    n.is_empty() || n == "匿名" || n.eq_ignore_ascii_case("anonymous")
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

impl Bid {
    /// Where the bid stands.
    pub fn status(&self) -> BidStatus {
        self.status
    }

    fn refuse(&self, action: &'static str) -> BidError {
        BidError::InvalidTransition {
            status: self.status.as_str(),
            action,
        }
    }

    fn expect(&self, status: BidStatus, action: &'static str) -> Result<(), BidError> {
        if self.status == status {
            Ok(())
        } else {
            Err(self.refuse(action))
        }
    }

    fn owner(&self, by: &OrgCode) -> Result<&OrgCode, BidError> {
        match &self.lead {
            Some(lead) if lead == by => Ok(lead),
            _ => Err(BidError::NotBidOwner),
        }
    }

    fn content(&self) -> Result<&BidContent, BidError> {
        self.content.as_ref().ok_or(self.refuse("change"))
    }

    fn on_team(&self, org: &OrgCode) -> bool {
        self.lead.as_ref() == Some(org)
            || self
                .content
                .as_ref()
                .is_some_and(|c| c.members.iter().any(|m| &m.org == org))
    }

    fn active_seats(&self) -> impl Iterator<Item = &ReviewerSeat> {
        self.panel.iter().filter(|s| !s.recused)
    }

    fn seated(&self, reviewer: &str) -> bool {
        self.active_seats().any(|s| s.reviewer.id == reviewer)
    }

    /// domain.md: a seat is the expert and the organisation they were vetted with; a
    /// token of the same `sub` for another organisation (a competing bidder's, say) is not them.
    fn check_seat(&self, reviewer: &str, org: Option<&OrgCode>) -> Result<(), BidError> {
        let seat = self.active_seats().find(|s| s.reviewer.id == reviewer);
        match (seat, org) {
            (Some(seat), Some(org)) if &seat.reviewer.org == org => Ok(()),
            _ => Err(BidError::NotSeated(reviewer.to_string())),
        }
    }

    fn submit(&self, cmd: SubmitBid, today: NaiveDate) -> Result<BidEvent, BidError> {
        match self.status {
            BidStatus::New | BidStatus::Withdrawn => {}
            // domain.md: one live bid per organisation per call.
            s if s.is_live() => return Err(BidError::DuplicateLiveBid),
            _ => return Err(self.refuse("submit")),
        }
        check_open(&cmd.call, today)?;
        required(&cmd.lead_name, "lead_name")?;
        check_content(&cmd.content, &cmd.lead, &cmd.call)?;
        check_bars(&cmd.bars, &cmd.lead, &cmd.content)?;
        Ok(BidEvent::BidSubmitted {
            challenge_id: cmd.call.challenge_id,
            programme: cmd.call.programme,
            demand_owner: cmd.call.demand_owner,
            lead: cmd.lead,
            lead_name: cmd.lead_name,
            alias: self.alias.clone().unwrap_or(cmd.alias),
            content: cmd.content,
            call_cap: cmd.call.budget_cap,
            submitted_on: today,
        })
    }

    fn amend(
        &self,
        by: &OrgCode,
        call: &CallFacts,
        content: BidContent,
        bars: &[ActiveBar],
        today: NaiveDate,
    ) -> Result<BidEvent, BidError> {
        let lead = self.owner(by)?;
        self.expect(BidStatus::Submitted, "amend")?;
        check_open(call, today)?;
        check_content(&content, lead, call)?;
        check_bars(bars, lead, &content)?;
        if &content == self.content()? {
            return Err(BidError::NothingToAmend);
        }
        Ok(BidEvent::BidAmended {
            content,
            revision: self.revision + 1,
            amended_on: today,
        })
    }

    fn attach(
        &self,
        by: &OrgCode,
        call: &CallFacts,
        attachment: Attachment,
        today: NaiveDate,
    ) -> Result<BidEvent, BidError> {
        self.owner(by)?;
        self.expect(BidStatus::Submitted, "attach to")?;
        check_open(call, today)?;
        required(&attachment.name, "name")?;
        required(&attachment.content_type, "content_type")?;
        if !is_sha256_hex(&attachment.sha256) {
            return Err(BidError::AttachmentHashInvalid);
        }
        if self.attachments.contains(&attachment.sha256) {
            return Err(BidError::AttachmentDuplicate);
        }
        Ok(BidEvent::AttachmentAdded {
            attachment,
            added_on: today,
        })
    }

    fn withdraw(
        &self,
        by: &OrgCode,
        reason: String,
        today: NaiveDate,
    ) -> Result<BidEvent, BidError> {
        self.owner(by)?;
        // domain.md: withdrawal is allowed until award.
        if !self.status.is_live() {
            return Err(self.refuse("withdraw"));
        }
        required(&reason, "reason")?;
        let cancelled_reviews = if self.status == BidStatus::UnderReview {
            self.active_seats()
                .filter(|s| !self.assessments.contains_key(&s.reviewer.id))
                .map(|s| s.reviewer.id.clone())
                .collect()
        } else {
            Vec::new()
        };
        Ok(BidEvent::BidWithdrawn {
            reason,
            withdrawn_on: today,
            cancelled_reviews,
        })
    }

    fn formal_check(
        &self,
        call: &CallFacts,
        passed: bool,
        defects: Vec<String>,
        today: NaiveDate,
    ) -> Result<BidEvent, BidError> {
        self.expect(BidStatus::Submitted, "formally check")?;
        // 004_c8247068307aab5b.txt「通過形式審查和專家評審后」: the check runs on the closed field of bids.
        if today <= call.closes_on {
            return Err(BidError::WindowStillOpen {
                closes_on: call.closes_on,
            });
        }
        if passed != defects.is_empty() || defects.iter().any(|d| d.trim().is_empty()) {
            return Err(BidError::FormalCheckDefects);
        }
        Ok(if passed {
            BidEvent::FormalCheckPassed { checked_on: today }
        } else {
            BidEvent::FormalCheckFailed {
                defects,
                checked_on: today,
            }
        })
    }

    fn assign(&self, cmd: AssignReviewers) -> Result<BidEvent, BidError> {
        if !matches!(self.status, BidStatus::Compliant | BidStatus::UnderReview) {
            return Err(self.refuse("assign reviewers to"));
        }
        let mut added: Vec<&ReviewerRef> = Vec::new();
        for r in &cmd.reviewers {
            required(&r.id, "reviewers[].id")?;
            if self
                .panel
                .iter()
                .any(|s| s.recused && s.reviewer.id == r.id)
            {
                return Err(BidError::ReviewerRecusedEarlier(r.id.clone()));
            }
            if self.seated(&r.id) || added.iter().any(|a| a.id == r.id) {
                return Err(BidError::DuplicateReviewer(r.id.clone()));
            }
            // domain.md: no expert affiliated with the lead or a member.
            if self.on_team(&r.org) {
                return Err(BidError::ReviewerConflict {
                    reviewer: r.id.clone(),
                    org: r.org.clone(),
                });
            }
            added.push(r);
        }
        let seated = self.active_seats().count() + added.len();
        // domain.md: at least three experts sit on every panel.
        if added.is_empty() || seated < DEFAULT_MIN_REVIEWERS {
            return Err(BidError::TooFewReviewers {
                min: DEFAULT_MIN_REVIEWERS,
                seated,
            });
        }
        Ok(BidEvent::ReviewersAssigned {
            reviewers: cmd.reviewers,
        })
    }

    fn recuse(
        &self,
        reviewer: String,
        reviewer_org: Option<OrgCode>,
        reason: String,
    ) -> Result<BidEvent, BidError> {
        self.expect(BidStatus::UnderReview, "recuse from")?;
        if !self.seated(&reviewer) {
            return Err(BidError::NotAssignedReviewer(reviewer));
        }
        self.check_seat(&reviewer, reviewer_org.as_ref())?;
        required(&reason, "reason")?;
        Ok(BidEvent::ReviewerRecused { reviewer, reason })
    }

    fn programme<'a>(&self, services: &'a BidServices) -> Result<&'a Programme, BidError> {
        services
            .programmes
            .get(&self.programme)
            .ok_or_else(|| BidError::UnknownProgramme(self.programme.clone()))
    }

    fn assessment(
        &self,
        cmd: AssessBid,
        services: &BidServices,
        correcting: bool,
    ) -> Result<Assessment, BidError> {
        self.expect(BidStatus::UnderReview, "assess")?;
        if !self.seated(&cmd.reviewer) {
            return Err(BidError::NotAssignedReviewer(cmd.reviewer));
        }
        if let Some(org) = cmd.reviewer_org.as_ref().filter(|o| self.on_team(o)) {
            return Err(BidError::ReviewerConflict {
                reviewer: cmd.reviewer.clone(),
                org: org.clone(),
            });
        }
        self.check_seat(&cmd.reviewer, cmd.reviewer_org.as_ref())?;
        match (self.assessments.contains_key(&cmd.reviewer), correcting) {
            (true, false) => return Err(BidError::AlreadyAssessed(cmd.reviewer)),
            (false, true) => return Err(BidError::NothingToCorrect(cmd.reviewer)),
            _ => {}
        }
        let programme = self.programme(services)?;
        for (id, score) in &cmd.scores {
            if !programme.review_criteria.iter().any(|c| &c.id == id) {
                return Err(BidError::UnknownCriterion(id.clone()));
            }
            if *score > 100 {
                return Err(BidError::ScoreOutOfRange {
                    criterion: id.clone(),
                    score: *score,
                });
            }
        }
        let mut scores = Vec::with_capacity(programme.review_criteria.len());
        for c in &programme.review_criteria {
            let mut given = cmd.scores.iter().filter(|(id, _)| id == &c.id);
            match (given.next(), given.next()) {
                (Some((_, score)), None) => scores.push(CriterionScore {
                    criterion: c.id.clone(),
                    weight: c.weight,
                    score: *score,
                }),
                _ => return Err(BidError::CriterionNotScoredOnce(c.id.clone())),
            }
        }
        required(&cmd.comment, "comment")?;
        let weighted_score_x100 = scores
            .iter()
            .map(|s| u32::from(s.score) * u32::from(s.weight))
            .sum();
        Ok(Assessment {
            reviewer: cmd.reviewer,
            scores,
            weighted_score_x100,
            recommendation: cmd.recommendation,
            comment: cmd.comment,
        })
    }

    fn defence(
        &self,
        held_on: NaiveDate,
        panel: Vec<String>,
        summary: String,
    ) -> Result<BidEvent, BidError> {
        self.expect(BidStatus::UnderReview, "record a defence for")?;
        if self.defence_held {
            return Err(BidError::DefenceAlreadyRecorded);
        }
        if panel.iter().all(|p| p.trim().is_empty()) {
            return Err(BidError::Required("panel"));
        }
        required(&summary, "summary")?;
        Ok(BidEvent::DefenceHeld {
            held_on,
            panel,
            summary,
        })
    }

    fn conclude(&self, recommended: bool, note: String) -> Result<BidEvent, BidError> {
        self.expect(BidStatus::UnderReview, "conclude the review of")?;
        let seats: Vec<&ReviewerSeat> = self.active_seats().collect();
        if seats.len() < DEFAULT_MIN_REVIEWERS {
            return Err(BidError::TooFewReviewers {
                min: DEFAULT_MIN_REVIEWERS,
                seated: seats.len(),
            });
        }
        let scores: Vec<u32> = seats
            .iter()
            .filter_map(|s| self.assessments.get(&s.reviewer.id).copied())
            .collect();
        if scores.len() < seats.len() {
            return Err(BidError::AssessmentsMissing {
                missing: seats.len() - scores.len(),
            });
        }
        let n = scores.len() as u32;
        let total: u32 = scores.iter().sum();
        // domain.md: no pass mark; the mean is recorded beside the officer's decision.
        Ok(BidEvent::ReviewConcluded {
            mean_score_x100: (total + n / 2) / n,
            assessments_counted: n,
            recommended,
            note,
        })
    }

    fn opinion(
        &self,
        by: &OrgCode,
        call: &CallFacts,
        supports: bool,
        opinion: String,
    ) -> Result<BidEvent, BidError> {
        if by != &call.demand_owner {
            return Err(BidError::NotDemandOwner);
        }
        if !matches!(
            self.status,
            BidStatus::Reviewed | BidStatus::InPublicNotice | BidStatus::Cleared
        ) {
            return Err(self.refuse("give an opinion on"));
        }
        if self.opinion_recorded {
            return Err(BidError::OpinionAlreadyRecorded);
        }
        required(&opinion, "opinion")?;
        Ok(BidEvent::DemandOwnerOpinionRecorded { supports, opinion })
    }

    fn start_notice(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<BidEvent, BidError> {
        self.expect(BidStatus::Reviewed, "publicly notice")?;
        if from < today {
            return Err(BidError::NoticeStartsInPast);
        }
        // domain.md [W8] 『公示期为2022年6月27日至7月3日,为期7天』, [A-24]: ≥ 7 days counted inclusively.
        let days = (to - from).num_days() + 1;
        if days < NOTICE_MIN_DAYS {
            return Err(BidError::NoticeTooShort {
                min_days: NOTICE_MIN_DAYS,
                days,
            });
        }
        Ok(BidEvent::PublicNoticeStarted { from, to })
    }

    fn object(&self, cmd: FileObjection, today: NaiveDate) -> Result<BidEvent, BidError> {
        self.expect(BidStatus::InPublicNotice, "object to")?;
        let (from, to) = self.notice.ok_or(self.refuse("object to"))?;
        // domain.md [W8] 『任何单位和个人如有异议,可在公示期内以书面形式提出』.
        if today < from || today > to {
            return Err(BidError::ObjectionOutsideNotice { from, to });
        }
        // domain.md [W8] 『原则上匿名异议不予受理』.
        if is_anonymous(&cmd.objector_name) {
            return Err(BidError::AnonymousObjection);
        }
        required(&cmd.objector_sub, "objector_sub")?;
        required(&cmd.grounds, "grounds")?;
        Ok(BidEvent::ObjectionFiled {
            objection: Objection {
                no: self.objections.len() as u32 + 1,
                objector_sub: cmd.objector_sub,
                objector_name: cmd.objector_name.trim().to_string(),
                objector_org: cmd.objector_org,
                grounds: cmd.grounds,
                evidence_ref: cmd.evidence_ref,
                filed_on: today,
            },
        })
    }

    fn resolve(&self, no: u32, upheld: bool, reason: String) -> Result<Vec<BidEvent>, BidError> {
        self.expect(BidStatus::InPublicNotice, "resolve an objection on")?;
        let index = (no as usize)
            .checked_sub(1)
            .filter(|i| *i < self.objections.len())
            .ok_or(BidError::UnknownObjection(no))?;
        if self.objections[index].is_some() {
            return Err(BidError::ObjectionAlreadyResolved(no));
        }
        required(&reason, "reason")?;
        let mut events = vec![BidEvent::ObjectionResolved { no, upheld, reason }];
        // domain.md: an upheld objection disqualifies the bid.
        if upheld {
            events.push(BidEvent::BidDisqualified { objection_no: no });
        }
        Ok(events)
    }

    fn end_notice(&self, today: NaiveDate) -> Result<BidEvent, BidError> {
        self.expect(BidStatus::InPublicNotice, "end the notice of")?;
        let (_, to) = self.notice.ok_or(self.refuse("end the notice of"))?;
        // domain.md: the last day of the notice is inclusive, so it ends the day after.
        if today <= to {
            return Err(BidError::NoticeNotOver { to });
        }
        let pending = self.objections.iter().filter(|o| o.is_none()).count();
        if pending > 0 {
            return Err(BidError::ObjectionsPending(pending));
        }
        // 004_c8247068307aab5b.txt「公示期滿無異議」.
        Ok(BidEvent::PublicNoticeEnded { ended_on: today })
    }

    fn mark_awarded(
        &self,
        project_id: String,
        amount: Money,
        lane: Option<u8>,
    ) -> Result<BidEvent, BidError> {
        self.expect(BidStatus::Cleared, "award")?;
        let requested = self.content()?.requested;
        if !amount.is_positive() || amount > requested {
            return Err(BidError::AwardAmountInvalid {
                amount_fen: amount.fen(),
                requested_fen: requested.fen(),
            });
        }
        Ok(BidEvent::BidAwarded {
            project_id,
            amount,
            lane,
        })
    }

    fn mark_not_selected(&self) -> Result<BidEvent, BidError> {
        if !self.status.is_live() {
            return Err(self.refuse("mark not selected"));
        }
        Ok(BidEvent::BidNotSelected)
    }
}

impl Aggregate for Bid {
    const TYPE: &'static str = "bid";
    type Command = BidCommand;
    type Event = BidEvent;
    type Error = BidError;
    type Services = BidServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let today = services.clock.today();
        let events = match command {
            BidCommand::Submit(cmd) => vec![self.submit(cmd, today)?],
            BidCommand::Amend {
                by,
                call,
                content,
                bars,
            } => vec![self.amend(&by, &call, content, &bars, today)?],
            BidCommand::Attach {
                by,
                call,
                attachment,
            } => vec![self.attach(&by, &call, attachment, today)?],
            BidCommand::Withdraw { by, reason } => vec![self.withdraw(&by, reason, today)?],
            BidCommand::RecordFormalCheck {
                call,
                passed,
                defects,
            } => vec![self.formal_check(&call, passed, defects, today)?],
            BidCommand::AssignReviewers(cmd) => vec![self.assign(cmd)?],
            BidCommand::Recuse {
                reviewer,
                reviewer_org,
                reason,
            } => vec![self.recuse(reviewer, reviewer_org, reason)?],
            BidCommand::Assess(cmd) => vec![BidEvent::AssessmentRecorded {
                assessment: self.assessment(cmd, services, false)?,
            }],
            BidCommand::CorrectAssessment { assessment, reason } => {
                let assessment = self.assessment(assessment, services, true)?;
                required(&reason, "reason")?;
                vec![BidEvent::AssessmentCorrected { assessment, reason }]
            }
            BidCommand::RecordDefence {
                held_on,
                panel,
                summary,
            } => vec![self.defence(held_on, panel, summary)?],
            BidCommand::ConcludeReview { recommended, note } => {
                vec![self.conclude(recommended, note)?]
            }
            BidCommand::RecordDemandOwnerOpinion {
                by,
                call,
                supports,
                opinion,
            } => vec![self.opinion(&by, &call, supports, opinion)?],
            BidCommand::StartPublicNotice { from, to } => {
                vec![self.start_notice(from, to, today)?]
            }
            BidCommand::FileObjection(cmd) => vec![self.object(cmd, today)?],
            BidCommand::ResolveObjection { no, upheld, reason } => {
                self.resolve(no, upheld, reason)?
            }
            BidCommand::EndPublicNotice => vec![self.end_notice(today)?],
            BidCommand::MarkAwarded {
                project_id,
                amount,
                lane,
            } => vec![self.mark_awarded(project_id, amount, lane)?],
            BidCommand::MarkNotSelected => vec![self.mark_not_selected()?],
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            BidEvent::BidSubmitted {
                programme,
                lead,
                alias,
                content,
                ..
            } => {
                *self = Bid {
                    status: BidStatus::Submitted,
                    programme,
                    lead: Some(lead),
                    alias: Some(alias),
                    content: Some(content),
                    revision: 1,
                    ..Bid::default()
                };
            }
            BidEvent::BidAmended {
                content, revision, ..
            } => {
                self.content = Some(content);
                self.revision = revision;
            }
            BidEvent::AttachmentAdded { attachment, .. } => {
                self.attachments.push(attachment.sha256);
            }
            BidEvent::BidWithdrawn { .. } => self.status = BidStatus::Withdrawn,
            BidEvent::FormalCheckPassed { .. } => self.status = BidStatus::Compliant,
            BidEvent::FormalCheckFailed { .. } => self.status = BidStatus::FormallyRejected,
            BidEvent::ReviewersAssigned { reviewers } => {
                self.status = BidStatus::UnderReview;
                self.panel
                    .extend(reviewers.into_iter().map(|reviewer| ReviewerSeat {
                        reviewer,
                        recused: false,
                    }));
            }
            BidEvent::ReviewerRecused { reviewer, .. } => {
                for seat in self.panel.iter_mut().filter(|s| s.reviewer.id == reviewer) {
                    seat.recused = true;
                }
                self.assessments.remove(&reviewer);
            }
            BidEvent::AssessmentRecorded { assessment }
            | BidEvent::AssessmentCorrected { assessment, .. } => {
                self.assessments
                    .insert(assessment.reviewer, assessment.weighted_score_x100);
            }
            BidEvent::DefenceHeld { .. } => self.defence_held = true,
            BidEvent::ReviewConcluded { recommended, .. } => {
                self.status = if recommended {
                    BidStatus::Reviewed
                } else {
                    BidStatus::NotRecommended
                };
            }
            BidEvent::DemandOwnerOpinionRecorded { .. } => self.opinion_recorded = true,
            BidEvent::PublicNoticeStarted { from, to } => {
                self.status = BidStatus::InPublicNotice;
                self.notice = Some((from, to));
            }
            BidEvent::ObjectionFiled { .. } => self.objections.push(None),
            BidEvent::ObjectionResolved { no, upheld, .. } => {
                if let Some(slot) = (no as usize)
                    .checked_sub(1)
                    .and_then(|i| self.objections.get_mut(i))
                {
                    *slot = Some(upheld);
                }
            }
            BidEvent::BidDisqualified { .. } => self.status = BidStatus::Disqualified,
            BidEvent::PublicNoticeEnded { .. } => self.status = BidStatus::Cleared,
            BidEvent::BidAwarded { .. } => self.status = BidStatus::Awarded,
            BidEvent::BidNotSelected => self.status = BidStatus::NotSelected,
        }
    }
}
