use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::OrgCode;
use serde::{Deserialize, Serialize};

use crate::{NeedCategory, NeedCommand, NeedError, NeedEvent, NeedServices, RegisterNeed};

/// Where a need stands: `Registered → Accepted (in pool) | Rejected`, then `Accepted → Adopted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedStatus {
    /// No event yet.
    #[default]
    New,
    /// 需求登记: recorded, awaiting screening.
    Registered,
    /// 入库: in the need pool, available to calls.
    Accepted,
    /// Screened out.
    Rejected,
    /// A call was drafted from it. Terminal.
    Adopted,
}

impl NeedStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            NeedStatus::New => "new",
            NeedStatus::Registered => "registered",
            NeedStatus::Accepted => "accepted",
            NeedStatus::Rejected => "rejected",
            NeedStatus::Adopted => "adopted",
        }
    }
}

/// A technology need (技术需求) and where it stands.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TechnologyNeed {
    /// Where the need stands.
    pub status: NeedStatus,
    /// 需求方; `None` before registration.
    pub poser: Option<OrgCode>,
    /// Category; `None` before registration.
    pub category: Option<NeedCategory>,
    /// Title.
    pub title: String,
    /// Date accepted into the pool.
    pub accepted_on: Option<NaiveDate>,
    /// Why it was rejected.
    pub rejection_reason: Option<String>,
    /// The call drafted from it.
    pub adopted_by: Option<String>,
}

fn required(value: &str, field: &'static str) -> Result<(), NeedError> {
    if value.trim().is_empty() {
        Err(NeedError::Required(field))
    } else {
        Ok(())
    }
}

impl TechnologyNeed {
    fn refuse(&self, action: &'static str) -> NeedError {
        NeedError::InvalidTransition {
            status: self.status.as_str(),
            action,
        }
    }

    fn register(&self, cmd: RegisterNeed, services: &NeedServices) -> Result<NeedEvent, NeedError> {
        if self.status != NeedStatus::New {
            return Err(self.refuse("register"));
        }
        // 000_e0aff6e539fca529.txt「開展技術需求收集」: a need states its chain, title and content.
        required(&cmd.industry_chain, "industry_chain")?;
        required(&cmd.title, "title")?;
        required(&cmd.text, "text")?;
        required(&cmd.expected_outcome, "expected_outcome")?;
        Ok(NeedEvent::NeedRegistered {
            poser: cmd.poser,
            category: cmd.category,
            industry_chain: cmd.industry_chain,
            title: cmd.title,
            text: cmd.text,
            expected_outcome: cmd.expected_outcome,
            registered_by: cmd.registered_by,
            registered_on: services.clock.today(),
        })
    }

    fn screen(
        &self,
        accept: bool,
        reason: Option<String>,
        services: &NeedServices,
    ) -> Result<NeedEvent, NeedError> {
        // 000_e0aff6e539fca529.txt「分類建立創新技術需求庫」: only a registered need is screened into the pool.
        if self.status != NeedStatus::Registered {
            return Err(self.refuse("screen"));
        }
        let reason = reason.filter(|r| !r.trim().is_empty());
        let today = services.clock.today();
        if accept {
            let category = self.category.ok_or(self.refuse("screen"))?;
            return Ok(NeedEvent::NeedAccepted {
                category,
                reason,
                accepted_on: today,
            });
        }
        // domain.md: a rejection is screened with a reason the enterprise can read.
        let reason = reason.ok_or(NeedError::RejectionWithoutReason)?;
        Ok(NeedEvent::NeedRejected {
            reason,
            rejected_on: today,
        })
    }

    fn adopt(&self, challenge_id: String, services: &NeedServices) -> Result<NeedEvent, NeedError> {
        required(&challenge_id, "challenge_id")?;
        match self.status {
            // 004_c8247068307aab5b.txt「市場主體“出題”,政府“發榜”」: a call answers a need from the pool.
            NeedStatus::Accepted => Ok(NeedEvent::NeedAdopted {
                challenge_id,
                adopted_on: services.clock.today(),
            }),
            NeedStatus::Adopted => Err(NeedError::AlreadyAdopted {
                challenge_id: self.adopted_by.clone().unwrap_or_default(),
            }),
            other => Err(NeedError::NotInPool {
                status: other.as_str(),
            }),
        }
    }
}

impl Aggregate for TechnologyNeed {
    const TYPE: &'static str = "need";
    type Command = NeedCommand;
    type Event = NeedEvent;
    type Error = NeedError;
    type Services = NeedServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let event = match command {
            NeedCommand::Register(cmd) => self.register(cmd, services)?,
            NeedCommand::Screen { accept, reason } => self.screen(accept, reason, services)?,
            NeedCommand::Adopt { challenge_id } => self.adopt(challenge_id, services)?,
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            NeedEvent::NeedRegistered {
                poser,
                category,
                title,
                ..
            } => {
                self.status = NeedStatus::Registered;
                self.poser = Some(poser);
                self.category = Some(category);
                self.title = title;
            }
            NeedEvent::NeedAccepted { accepted_on, .. } => {
                self.status = NeedStatus::Accepted;
                self.accepted_on = Some(accepted_on);
            }
            NeedEvent::NeedRejected { reason, .. } => {
                self.status = NeedStatus::Rejected;
                self.rejection_reason = Some(reason);
            }
            NeedEvent::NeedAdopted { challenge_id, .. } => {
                self.status = NeedStatus::Adopted;
                self.adopted_by = Some(challenge_id);
            }
        }
    }
}
