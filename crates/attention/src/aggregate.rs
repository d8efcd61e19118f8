use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use kernel::{DomainError, ErrorKind};
use serde::{Deserialize, Serialize};

/// The event a reaction was running for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CauseRef {
    /// Aggregate type of the causing stream.
    pub aggregate_type: String,
    /// Id of the causing stream.
    pub aggregate_id: String,
    /// Sequence of the causing event.
    pub sequence: u64,
    /// Its event type.
    pub event_type: String,
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AttentionStatus {
    /// Nothing recorded yet.
    #[default]
    None,
    /// Waiting for an officer (待处理).
    Open,
    /// An officer asked for a retry; the reaction is queued again.
    RetryRequested,
    /// The reaction ran after all (已解决).
    Resolved,
    /// An officer decided the reaction is not to run (已撤销).
    Dismissed,
}

impl AttentionStatus {
    /// The status as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AttentionStatus::None => "none",
            AttentionStatus::Open => "open",
            AttentionStatus::RetryRequested => "retry_requested",
            AttentionStatus::Resolved => "resolved",
            AttentionStatus::Dismissed => "dismissed",
        }
    }

    /// Every status an item can be listed by.
    pub const ALL: [AttentionStatus; 4] = [
        AttentionStatus::Open,
        AttentionStatus::RetryRequested,
        AttentionStatus::Resolved,
        AttentionStatus::Dismissed,
    ];
}

/// What may be asked of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttentionCommand {
    /// The reaction `reactor` was refused by a rule (by the process manager).
    RecordRefusal {
        /// The reactor's stable name.
        reactor: String,
        /// The causing event.
        cause: CauseRef,
        /// The refusal's stable code.
        code: String,
        /// The refusal's message.
        detail: String,
    },
    /// An officer asks for the reaction to run again.
    RequestRetry {
        /// The officer.
        by: String,
    },
    /// The reaction ran (by the process manager).
    RecordResolved,
    /// An officer decides the reaction will not run.
    Dismiss {
        /// The officer.
        by: String,
        /// Why (required).
        reason: String,
    },
}

/// What happened to an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttentionEvent {
    /// A rule refused the reaction.
    ReactionRefused {
        /// The reactor.
        reactor: String,
        /// The causing event.
        cause: CauseRef,
        /// The refusal's code.
        code: String,
        /// The refusal's message.
        detail: String,
    },
    /// An officer asked for a retry.
    RetryRequested {
        /// The officer.
        by: String,
    },
    /// The reaction ran.
    ReactionResolved,
    /// An officer dismissed the item.
    ItemDismissed {
        /// The officer.
        by: String,
        /// Why.
        reason: String,
    },
}

impl DomainEvent for AttentionEvent {
    fn event_type(&self) -> String {
        match self {
            AttentionEvent::ReactionRefused { .. } => "ReactionRefused",
            AttentionEvent::RetryRequested { .. } => "RetryRequested",
            AttentionEvent::ReactionResolved => "ReactionResolved",
            AttentionEvent::ItemDismissed { .. } => "ItemDismissed",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}

/// Why a command on an item was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttentionError {
    /// The item is not in a state that allows this.
    #[error("cannot {action} an item that is {status}")]
    InvalidTransition {
        /// The item's status.
        status: &'static str,
        /// What was asked.
        action: &'static str,
    },
    /// A dismissal needs a reason.
    #[error("a dismissal needs a reason")]
    ReasonRequired,
}

impl DomainError for AttentionError {
    fn code(&self) -> &'static str {
        match self {
            AttentionError::InvalidTransition { .. } => "invalid_transition",
            AttentionError::ReasonRequired => "required_field_empty",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            AttentionError::InvalidTransition { .. } => ErrorKind::Conflict,
            AttentionError::ReasonRequired => ErrorKind::Invalid,
        }
    }
}

/// A refused reaction on the officers' work list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttentionItem {
    /// Where it stands.
    pub status: AttentionStatus,
    /// The reactor.
    pub reactor: String,
    /// The causing event.
    pub cause: CauseRef,
    /// How often a rule refused it.
    pub refusals: u32,
}

impl AttentionItem {
    fn refuse(&self, action: &'static str) -> AttentionError {
        AttentionError::InvalidTransition {
            status: self.status.as_str(),
            action,
        }
    }

    fn decide(&self, command: AttentionCommand) -> Result<Vec<AttentionEvent>, AttentionError> {
        use AttentionStatus as S;
        Ok(match command {
            AttentionCommand::RecordRefusal {
                reactor,
                cause,
                code,
                detail,
            } => match self.status {
                // Refused again while waiting: the item already says so.
                S::Open => vec![],
                S::None | S::RetryRequested => vec![AttentionEvent::ReactionRefused {
                    reactor,
                    cause,
                    code,
                    detail,
                }],
                S::Resolved | S::Dismissed => return Err(self.refuse("record a refusal on")),
            },
            AttentionCommand::RequestRetry { by } => match self.status {
                S::Open => vec![AttentionEvent::RetryRequested { by }],
                _ => return Err(self.refuse("retry")),
            },
            AttentionCommand::RecordResolved => match self.status {
                S::Open | S::RetryRequested => vec![AttentionEvent::ReactionResolved],
                _ => return Err(self.refuse("resolve")),
            },
            AttentionCommand::Dismiss { by, reason } => {
                if reason.trim().is_empty() {
                    return Err(AttentionError::ReasonRequired);
                }
                match self.status {
                    S::Open => vec![AttentionEvent::ItemDismissed { by, reason }],
                    _ => return Err(self.refuse("dismiss")),
                }
            }
        })
    }
}

impl Aggregate for AttentionItem {
    const TYPE: &'static str = "attention_item";
    type Command = AttentionCommand;
    type Event = AttentionEvent;
    type Error = AttentionError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            AttentionEvent::ReactionRefused { reactor, cause, .. } => {
                self.status = AttentionStatus::Open;
                self.reactor = reactor;
                self.cause = cause;
                self.refusals += 1;
            }
            AttentionEvent::RetryRequested { .. } => self.status = AttentionStatus::RetryRequested,
            AttentionEvent::ReactionResolved => self.status = AttentionStatus::Resolved,
            AttentionEvent::ItemDismissed { .. } => self.status = AttentionStatus::Dismissed,
        }
    }
}
