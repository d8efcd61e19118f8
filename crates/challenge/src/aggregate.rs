use chrono::{NaiveDate, TimeDelta};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::policy::{Programme, AMENDMENT_EXTENSION_DAYS, MIN_RACE_TEAMS};
use kernel::{first_bar, Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{
    AmendChallenge, AwardChallenge, AwardMode, BidFacts, ChallengeAmendment, ChallengeCommand,
    ChallengeError, ChallengeEvent, ChallengeServices, DraftChallenge, NeedFacts, Target, Winner,
};

/// Bid statuses that are still in play (not withdrawn, rejected or decided).
const LIVE_BID_STATUSES: [&str; 6] = [
    "submitted",
    "compliant",
    "under_review",
    "reviewed",
    "in_public_notice",
    "cleared",
];

fn still_in_play(candidates: &[BidFacts], winners: &[Winner]) -> Vec<String> {
    candidates
        .iter()
        .filter(|c| LIVE_BID_STATUSES.contains(&c.status.as_str()))
        .filter(|c| !winners.iter().any(|w| w.bid_id == c.bid_id))
        .map(|c| c.bid_id.clone())
        .collect()
}

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeStatus {
    /// No event yet.
    #[default]
    New,
    /// 榜单凝练: terms being written.
    Draft,
    /// 发榜 done; bids accepted inside the window.
    Published,
    /// The window has ended; review runs on the bids.
    Closed,
    /// 撤榜: withdrawn.
    Cancelled,
    /// 揭榜成功: winners named. Terminal.
    Awarded,
    /// 流榜: ended without a qualified bid. Terminal.
    Unfilled,
}

impl ChallengeStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeStatus::New => "new",
            ChallengeStatus::Draft => "draft",
            ChallengeStatus::Published => "published",
            ChallengeStatus::Closed => "closed",
            ChallengeStatus::Cancelled => "cancelled",
            ChallengeStatus::Awarded => "awarded",
            ChallengeStatus::Unfilled => "unfilled",
        }
    }
}

/// The terms of a call as they stand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChallengeTerms {
    /// Programme id.
    pub programme: String,
    /// Title.
    pub title: String,
    /// 出题企业.
    pub demand_owner: OrgCode,
    /// Industry chain.
    pub industry_chain: String,
    /// Technical targets.
    pub targets: Vec<Target>,
    /// Cap per award (`budget_cap_fen` on the wire).
    #[serde(rename = "budget_cap_fen")]
    pub budget_cap: Money,
    /// Award mode.
    pub mode: AwardMode,
    /// First day of the window.
    pub opens_on: NaiveDate,
    /// Last day of the window (inclusive).
    pub closes_on: NaiveDate,
    /// Completion deadline.
    pub completion_deadline: NaiveDate,
}

/// A 揭榜挂帅 call (榜单): its status and terms.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Challenge {
    /// Where the call stands.
    pub status: ChallengeStatus,
    /// The terms; `None` before the draft.
    pub terms: Option<ChallengeTerms>,
    /// The date it was published.
    pub published_on: Option<NaiveDate>,
    /// How many amendments the call has had (their reasons stay in the stream's events, so the
    /// state, and its snapshot, does not grow with each amendment).
    #[serde(default)]
    pub amendment_count: usize,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The winners once awarded.
    pub winners: Vec<Winner>,
    /// The pool needs the call answers.
    #[serde(default)]
    pub needs: Vec<String>,
}

fn required(value: &str, field: &'static str) -> Result<(), ChallengeError> {
    if value.trim().is_empty() {
        Err(ChallengeError::Required(field))
    } else {
        Ok(())
    }
}

fn check_cap(cap: Money, programme: &Programme) -> Result<(), ChallengeError> {
    if !cap.is_positive() {
        return Err(ChallengeError::BudgetCapNotPositive);
    }
    // 001_5a9afaa2304051ee.txt「每个项目给予最高300万元支持」: the programme's cap per project binds the call.
    if cap > programme.award_cap {
        return Err(ChallengeError::BudgetCapExceeded {
            cap_fen: programme.award_cap.fen(),
            asked_fen: cap.fen(),
        });
    }
    Ok(())
}

fn check_targets(targets: &[Target]) -> Result<(), ChallengeError> {
    if targets.is_empty() {
        return Err(ChallengeError::NoTargets);
    }
    for t in targets {
        required(&t.name, "targets[].name")?;
        required(&t.target, "targets[].target")?;
    }
    Ok(())
}

/// The needs a draft answers: each exists, is in the pool (accepted) and not yet adopted, and
/// was posed by the call's demand owner. Returns their ids in order.
fn check_needs(needs: &[NeedFacts], demand_owner: &OrgCode) -> Result<Vec<String>, ChallengeError> {
    let mut ids: Vec<String> = Vec::with_capacity(needs.len());
    for need in needs {
        if ids.contains(&need.need_id) {
            return Err(ChallengeError::DuplicateNeed(need.need_id.clone()));
        }
        let Some(status) = need.status.as_deref() else {
            return Err(ChallengeError::UnknownNeed(need.need_id.clone()));
        };
        if let Some(by) = &need.adopted_by {
            return Err(ChallengeError::NeedAlreadyAdopted {
                need_id: need.need_id.clone(),
                challenge_id: by.clone(),
            });
        }
        // 000_e0aff6e539fca529.txt「分類建立創新技術需求庫」: a call is drafted from needs in the pool.
        if status != "accepted" {
            return Err(ChallengeError::NeedNotInPool {
                need_id: need.need_id.clone(),
                status: status.to_string(),
            });
        }
        // 004_c8247068307aab5b.txt「市場主體“出題”,政府“發榜”」: the call's demand owner is the need's poser.
        if need.poser.as_ref() != Some(demand_owner) {
            return Err(ChallengeError::DemandOwnerNotPoser {
                need_id: need.need_id.clone(),
            });
        }
        ids.push(need.need_id.clone());
    }
    Ok(ids)
}

impl Challenge {
    fn terms(&self) -> Result<&ChallengeTerms, ChallengeError> {
        self.terms.as_ref().ok_or(self.refuse("change"))
    }

    fn refuse(&self, action: &'static str) -> ChallengeError {
        ChallengeError::InvalidTransition {
            status: self.status.as_str(),
            action,
        }
    }

    fn programme<'a>(
        services: &'a ChallengeServices,
        id: &str,
    ) -> Result<&'a Programme, ChallengeError> {
        services
            .programmes
            .get(id)
            .ok_or_else(|| ChallengeError::UnknownProgramme(id.to_string()))
    }

    fn draft(
        &self,
        cmd: DraftChallenge,
        services: &ChallengeServices,
    ) -> Result<(ChallengeEvent, Vec<String>), ChallengeError> {
        if self.status != ChallengeStatus::New {
            return Err(self.refuse("draft"));
        }
        let programme = Self::programme(services, &cmd.programme)?;
        required(&cmd.title, "title")?;
        required(&cmd.industry_chain, "industry_chain")?;
        check_targets(&cmd.targets)?;
        check_cap(cmd.budget_cap, programme)?;
        if let AwardMode::HorseRace { max_teams } = cmd.mode {
            // domain.md [W2] 允许2~3家牵头单位同时立项: a horse race awards 2 to the programme's maximum.
            if !(MIN_RACE_TEAMS..=programme.max_race_teams).contains(&max_teams) {
                return Err(ChallengeError::RaceTeamsOutOfRange {
                    min: MIN_RACE_TEAMS,
                    max: programme.max_race_teams,
                    asked: max_teams,
                });
            }
        }
        if cmd.opens_on >= cmd.closes_on {
            return Err(ChallengeError::WindowInverted);
        }
        let days = (cmd.closes_on - cmd.opens_on).num_days();
        // domain.md [W21]/[A-14]: the window lasts at least the programme's minimum (50 days).
        if days < programme.min_window_days {
            return Err(ChallengeError::WindowTooShort {
                min_days: programme.min_window_days,
                days,
            });
        }
        if cmd.completion_deadline <= cmd.closes_on {
            return Err(ChallengeError::CompletionBeforeWindowEnd);
        }
        let needs = check_needs(&cmd.needs, &cmd.demand_owner)?;
        Ok(ChallengeEvent::ChallengeDrafted {
            programme: cmd.programme,
            title: cmd.title,
            demand_owner: cmd.demand_owner,
            industry_chain: cmd.industry_chain,
            targets: cmd.targets,
            budget_cap: cmd.budget_cap,
            mode: cmd.mode,
            opens_on: cmd.opens_on,
            closes_on: cmd.closes_on,
            completion_deadline: cmd.completion_deadline,
        })
        .map(|drafted| (drafted, needs))
    }

    fn publish(&self, services: &ChallengeServices) -> Result<ChallengeEvent, ChallengeError> {
        if self.status != ChallengeStatus::Draft {
            return Err(self.refuse("publish"));
        }
        let terms = self.terms()?;
        let today = services.clock.today();
        if today > terms.closes_on {
            return Err(ChallengeError::WindowEnded {
                closes_on: terms.closes_on,
            });
        }
        Ok(ChallengeEvent::ChallengePublished {
            published_on: today,
        })
    }

    fn amend(
        &self,
        cmd: AmendChallenge,
        services: &ChallengeServices,
    ) -> Result<ChallengeEvent, ChallengeError> {
        let published = match self.status {
            ChallengeStatus::Draft => false,
            ChallengeStatus::Published => true,
            _ => return Err(self.refuse("amend")),
        };
        let terms = self.terms()?;
        required(&cmd.reason, "reason")?;
        let programme = Self::programme(services, &terms.programme)?;
        if published && services.clock.today() > terms.closes_on {
            return Err(ChallengeError::WindowEnded {
                closes_on: terms.closes_on,
            });
        }
        let title = cmd.title.filter(|t| t != &terms.title);
        let industry_chain = cmd.industry_chain.filter(|c| c != &terms.industry_chain);
        let targets = cmd.targets.filter(|t| t != &terms.targets);
        let budget_cap = cmd.budget_cap.filter(|c| c != &terms.budget_cap);
        if let Some(t) = &title {
            required(t, "title")?;
        }
        if let Some(c) = &industry_chain {
            required(c, "industry_chain")?;
        }
        if let Some(t) = &targets {
            check_targets(t)?;
        }
        if let Some(c) = budget_cap {
            check_cap(c, programme)?;
        }
        let mut closes_on = cmd.closes_on.unwrap_or(terms.closes_on);
        let material = targets.is_some() || budget_cap.is_some();
        if published {
            if closes_on < terms.closes_on {
                return Err(ChallengeError::WindowShortened);
            }
            if material {
                // domain.md: a change to targets or cap pushes the window's end out ≥ 7 days.
                let min_closes_on = terms.closes_on + TimeDelta::days(AMENDMENT_EXTENSION_DAYS);
                match cmd.closes_on {
                    Some(asked) if asked < min_closes_on => {
                        return Err(ChallengeError::AmendmentWindowTooShort { min_closes_on })
                    }
                    Some(_) => {}
                    None => closes_on = min_closes_on,
                }
            }
        }
        if closes_on <= terms.opens_on {
            return Err(ChallengeError::WindowInverted);
        }
        let days = (closes_on - terms.opens_on).num_days();
        if days < programme.min_window_days {
            return Err(ChallengeError::WindowTooShort {
                min_days: programme.min_window_days,
                days,
            });
        }
        let completion_deadline = cmd.completion_deadline.unwrap_or(terms.completion_deadline);
        if completion_deadline <= closes_on {
            return Err(ChallengeError::CompletionBeforeWindowEnd);
        }
        let amendment = ChallengeAmendment {
            reason: cmd.reason,
            title,
            industry_chain,
            targets,
            budget_cap,
            closes_on: Some(closes_on).filter(|c| c != &terms.closes_on),
            completion_deadline: Some(completion_deadline)
                .filter(|d| d != &terms.completion_deadline),
        };
        let nothing = amendment.title.is_none()
            && amendment.industry_chain.is_none()
            && amendment.targets.is_none()
            && amendment.budget_cap.is_none()
            && amendment.closes_on.is_none()
            && amendment.completion_deadline.is_none();
        if nothing {
            return Err(ChallengeError::NothingToAmend);
        }
        Ok(ChallengeEvent::ChallengeAmended(amendment))
    }

    fn close(&self, services: &ChallengeServices) -> Result<ChallengeEvent, ChallengeError> {
        if self.status != ChallengeStatus::Published {
            return Err(self.refuse("close"));
        }
        let terms = self.terms()?;
        let today = services.clock.today();
        // domain.md: the last day of the window is inclusive; close only once it has passed.
        if today <= terms.closes_on {
            return Err(ChallengeError::WindowStillOpen {
                closes_on: terms.closes_on,
            });
        }
        Ok(ChallengeEvent::ApplicationsClosed { closed_on: today })
    }

    fn cancel(&self, reason: String) -> Result<ChallengeEvent, ChallengeError> {
        match self.status {
            // domain.md: cancellation (撤榜/流榜) is allowed from Draft, Published or Closed.
            ChallengeStatus::Draft | ChallengeStatus::Published | ChallengeStatus::Closed => {}
            _ => return Err(self.refuse("cancel")),
        }
        required(&reason, "reason")?;
        Ok(ChallengeEvent::ChallengeCancelled { reason })
    }
}

impl Challenge {
    fn award(
        &self,
        cmd: AwardChallenge,
        services: &ChallengeServices,
    ) -> Result<ChallengeEvent, ChallengeError> {
        if self.status != ChallengeStatus::Closed {
            return Err(self.refuse("award"));
        }
        let terms = self.terms()?;
        // domain.md: Single awards exactly one; a horse race 2..=max_teams.
        let (min, max) = match terms.mode {
            AwardMode::Single => (1, 1),
            AwardMode::HorseRace { max_teams } => {
                (usize::from(MIN_RACE_TEAMS), usize::from(max_teams))
            }
        };
        let asked = cmd.winners.len();
        if asked < min || asked > max {
            return Err(ChallengeError::WinnerCountOutOfRange { min, max, asked });
        }
        let mut winners: Vec<Winner> = Vec::with_capacity(asked);
        for (i, pick) in cmd.winners.iter().enumerate() {
            if winners.iter().any(|w| w.bid_id == pick.bid_id) {
                return Err(ChallengeError::DuplicateWinner(pick.bid_id.clone()));
            }
            let bid = cmd
                .candidates
                .iter()
                .find(|c| c.bid_id == pick.bid_id)
                .ok_or_else(|| ChallengeError::UnknownBid(pick.bid_id.clone()))?;
            // 004_c8247068307aab5b.txt「向社會公示期滿無異議的申報單位」: only cleared bids win.
            if bid.status != "cleared" {
                return Err(ChallengeError::BidNotCleared {
                    bid_id: bid.bid_id.clone(),
                    status: bid.status.clone(),
                });
            }
            if !pick.amount.is_positive() {
                return Err(ChallengeError::AwardNotPositive);
            }
            if pick.amount > bid.requested {
                return Err(ChallengeError::AwardOverRequest {
                    bid_id: bid.bid_id.clone(),
                    requested_fen: bid.requested.fen(),
                    amount_fen: pick.amount.fen(),
                });
            }
            // 001_5a9afaa2304051ee.txt「每个项目给予最高300万元支持」.
            if pick.amount > terms.budget_cap {
                return Err(ChallengeError::AwardOverCap {
                    cap_fen: terms.budget_cap.fen(),
                    amount_fen: pick.amount.fen(),
                });
            }
            let mut orgs = vec![&bid.lead];
            orgs.extend(bid.members.iter());
            // domain.md: a barred organisation cannot be awarded a challenge.
            if let Some(bar) = first_bar(&cmd.bars, &orgs) {
                return Err(ChallengeError::OrganisationBarred {
                    org: bar.org.clone(),
                    until: bar.until,
                });
            }
            winners.push(Winner {
                bid_id: bid.bid_id.clone(),
                lead: bid.lead.clone(),
                members: bid.members.clone(),
                amount: pick.amount,
                lane: match terms.mode {
                    AwardMode::Single => None,
                    AwardMode::HorseRace { .. } => u8::try_from(i + 1).ok(),
                },
            });
        }
        let not_selected = still_in_play(&cmd.candidates, &winners);
        Ok(ChallengeEvent::ChallengeAwarded {
            awarded_on: services.clock.today(),
            winners,
            not_selected,
        })
    }

    fn unfilled(
        &self,
        candidates: Vec<BidFacts>,
        reason: String,
        services: &ChallengeServices,
    ) -> Result<ChallengeEvent, ChallengeError> {
        if self.status != ChallengeStatus::Closed {
            return Err(self.refuse("declare unfilled"));
        }
        required(&reason, "reason")?;
        let cleared = candidates.iter().filter(|c| c.status == "cleared").count();
        if cleared > 0 {
            return Err(ChallengeError::ClearedBidsExist(cleared));
        }
        Ok(ChallengeEvent::ChallengeUnfilled {
            declared_on: services.clock.today(),
            reason,
            not_selected: still_in_play(&candidates, &[]),
        })
    }
}

impl Aggregate for Challenge {
    const TYPE: &'static str = "challenge";
    type Command = ChallengeCommand;
    type Event = ChallengeEvent;
    type Error = ChallengeError;
    type Services = ChallengeServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let event = match command {
            ChallengeCommand::Draft(cmd) => {
                let (drafted, needs) = self.draft(cmd, services)?;
                sink.write(drafted, self).await;
                if needs.is_empty() {
                    return Ok(());
                }
                ChallengeEvent::NeedsAdopted { needs }
            }
            ChallengeCommand::Publish => self.publish(services)?,
            ChallengeCommand::Amend(cmd) => self.amend(cmd, services)?,
            ChallengeCommand::Close => self.close(services)?,
            ChallengeCommand::Cancel { reason } => self.cancel(reason)?,
            ChallengeCommand::Award(cmd) => self.award(cmd, services)?,
            ChallengeCommand::DeclareUnfilled { candidates, reason } => {
                self.unfilled(candidates, reason, services)?
            }
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
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
                self.status = ChallengeStatus::Draft;
                self.terms = Some(ChallengeTerms {
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
                });
            }
            ChallengeEvent::NeedsAdopted { needs } => self.needs = needs,
            ChallengeEvent::ChallengePublished { published_on } => {
                self.status = ChallengeStatus::Published;
                self.published_on = Some(published_on);
            }
            ChallengeEvent::ChallengeAmended(a) => {
                if let Some(terms) = self.terms.as_mut() {
                    a.apply_to(terms);
                }
                self.amendment_count += 1;
            }
            ChallengeEvent::ApplicationsClosed { .. } => self.status = ChallengeStatus::Closed,
            ChallengeEvent::ChallengeCancelled { reason } => {
                self.status = ChallengeStatus::Cancelled;
                self.cancel_reason = Some(reason);
            }
            ChallengeEvent::ChallengeAwarded { winners, .. } => {
                self.status = ChallengeStatus::Awarded;
                self.winners = winners;
            }
            ChallengeEvent::ChallengeUnfilled { .. } => self.status = ChallengeStatus::Unfilled,
        }
    }
}

impl ChallengeAmendment {
    /// Writes the changed fields onto `terms`.
    pub fn apply_to(&self, terms: &mut ChallengeTerms) {
        if let Some(v) = &self.title {
            terms.title = v.clone();
        }
        if let Some(v) = &self.industry_chain {
            terms.industry_chain = v.clone();
        }
        if let Some(v) = &self.targets {
            terms.targets = v.clone();
        }
        if let Some(v) = self.budget_cap {
            terms.budget_cap = v;
        }
        if let Some(v) = self.closes_on {
            terms.closes_on = v;
        }
        if let Some(v) = self.completion_deadline {
            terms.completion_deadline = v;
        }
    }
}
