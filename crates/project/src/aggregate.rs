use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use kernel::{DomainError, ErrorKind, Money, OrgCode};
use serde::{Deserialize, Serialize};

/// 立项: create the project of one winning bid (process manager, from `ChallengeAwarded`).
#[derive(Debug, Clone, PartialEq)]
pub struct CreateFromAward {
    /// The call's stream id.
    pub challenge_id: String,
    /// The winning bid's stream id.
    pub bid_id: String,
    /// 牵头单位.
    pub lead: OrgCode,
    /// Joint members.
    pub members: Vec<OrgCode>,
    /// The amount awarded.
    pub award_amount: Money,
    /// Lane number in a horse race.
    pub lane: Option<u8>,
}

/// Commands on a project.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectCommand {
    /// Create the project from an award.
    CreateFromAward(CreateFromAward),
}

/// What happened to a project. Event names and versions never change once stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProjectEvent {
    /// 立项: the project exists and holds its award.
    ProjectAwarded {
        /// The call's stream id.
        challenge_id: String,
        /// The winning bid's stream id.
        bid_id: String,
        /// 牵头单位.
        lead: OrgCode,
        /// Joint members.
        members: Vec<OrgCode>,
        /// The amount awarded (fen).
        award_amount: Money,
        /// Lane number in a horse race.
        lane: Option<u8>,
    },
}

impl DomainEvent for ProjectEvent {
    fn event_type(&self) -> String {
        match self {
            ProjectEvent::ProjectAwarded { .. } => "ProjectAwarded".to_string(),
        }
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}

/// Why a project command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    /// domain.md §3.c: one project per winning bid; the stream already holds it.
    #[error("the project already exists")]
    AlreadyCreated,
    /// An award of zero or less.
    #[error("an award must be above zero")]
    AwardNotPositive,
}

impl DomainError for ProjectError {
    fn code(&self) -> &'static str {
        match self {
            ProjectError::AlreadyCreated => "project_already_created",
            ProjectError::AwardNotPositive => "award_not_positive",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            ProjectError::AlreadyCreated => ErrorKind::Conflict,
            ProjectError::AwardNotPositive => ErrorKind::Invalid,
        }
    }
}

/// A project (立项项目) created from an award.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Project {
    /// True once `ProjectAwarded` is stored.
    pub created: bool,
    /// The amount awarded.
    pub award_amount: Money,
}

impl Aggregate for Project {
    const TYPE: &'static str = "project";
    type Command = ProjectCommand;
    type Event = ProjectEvent;
    type Error = ProjectError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let ProjectCommand::CreateFromAward(cmd) = command;
        if self.created {
            return Err(ProjectError::AlreadyCreated);
        }
        if !cmd.award_amount.is_positive() {
            return Err(ProjectError::AwardNotPositive);
        }
        let event = ProjectEvent::ProjectAwarded {
            challenge_id: cmd.challenge_id,
            bid_id: cmd.bid_id,
            lead: cmd.lead,
            members: cmd.members,
            award_amount: cmd.award_amount,
            lane: cmd.lane,
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            ProjectEvent::ProjectAwarded { award_amount, .. } => {
                self.created = true;
                self.award_amount = award_amount;
            }
        }
    }
}
