use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use kernel::policy::MIN_RACE_TEAMS;
use kernel::{DomainError, ErrorKind};
use serde::{Deserialize, Serialize};

use crate::ProjectServices;

/// A checkpoint's verdict on one lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneResult {
    /// The lane goes on.
    Continue,
    /// 优胜劣汰: the lane is dropped.
    Eliminate,
}

/// Why a lane left the race outside a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneExit {
    /// Its project was terminated (终止).
    Terminated,
    /// Its project failed re-acceptance.
    Failed,
    /// Its project was closed while the lane was still racing.
    Closed,
}

/// Commands on a horse race (赛马组); its id is the call's id.
#[derive(Debug, Clone, PartialEq)]
pub enum RaceCommand {
    /// Form the race from the awarded lanes (process manager, from the award).
    Form {
        /// The call.
        challenge_id: String,
        /// The lanes' project ids.
        lanes: Vec<String>,
        /// Most lanes the call allows.
        max_lanes: u8,
    },
    /// Hold checkpoint `checkpoint` with one result per live lane (officer).
    HoldCheckpoint {
        /// Checkpoint number, from 1.
        checkpoint: u32,
        /// `(lane project id, result)` for every live lane.
        results: Vec<(String, LaneResult)>,
    },
    /// A lane's project ended outside a checkpoint (process manager, from the project): the
    /// lane leaves the race, so later checkpoints neither need nor may name it.
    WithdrawLane {
        /// The lane's project id.
        lane: String,
        /// How its project ended.
        reason: LaneExit,
    },
}

/// What happened to a race.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RaceEvent {
    /// The race was formed.
    RaceFormed {
        /// The call.
        challenge_id: String,
        /// The lanes' project ids.
        lanes: Vec<String>,
    },
    /// A checkpoint was held.
    CheckpointHeld {
        /// Checkpoint number.
        checkpoint: u32,
        /// Lanes that go on.
        continued: Vec<String>,
        /// Lanes dropped.
        eliminated: Vec<String>,
    },
    /// One lane is left: it goes on as an ordinary project.
    RaceConcluded {
        /// The surviving lane.
        survivor: String,
    },
    /// A lane left the race because its project ended outside a checkpoint.
    LaneWithdrawn {
        /// The lane's project id.
        lane: String,
        /// How its project ended.
        reason: LaneExit,
    },
}

impl DomainEvent for RaceEvent {
    fn event_type(&self) -> String {
        match self {
            RaceEvent::RaceFormed { .. } => "RaceFormed",
            RaceEvent::CheckpointHeld { .. } => "CheckpointHeld",
            RaceEvent::RaceConcluded { .. } => "RaceConcluded",
            RaceEvent::LaneWithdrawn { .. } => "LaneWithdrawn",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}

/// Why a race command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RaceError {
    /// The race was formed before.
    #[error("the race already exists")]
    AlreadyFormed,
    /// No race, or it has concluded.
    #[error("the race is not running")]
    NotRunning,
    /// Lane count outside 2..=max.
    #[error("a race has {min} to {max} lanes, not {asked}")]
    LaneCountOutOfRange {
        /// Fewest.
        min: u8,
        /// Most.
        max: u8,
        /// Asked.
        asked: usize,
    },
    /// A lane twice, or a result twice for one lane.
    #[error("lane {0:?} appears twice")]
    DuplicateLane(String),
    /// A result for a lane that is not live in this race.
    #[error("lane {0:?} is not a live lane of this race")]
    UnknownLane(String),
    /// A live lane without a result.
    #[error("live lane {0:?} has no result")]
    MissingResult(String),
    /// Every lane eliminated.
    #[error("a checkpoint must keep at least one lane")]
    NoSurvivor,
    /// Checkpoints are numbered in order.
    #[error("the next checkpoint is {expected}, not {got}")]
    CheckpointOutOfOrder {
        /// Next.
        expected: u32,
        /// Given.
        got: u32,
    },
}

impl DomainError for RaceError {
    fn code(&self) -> &'static str {
        match self {
            RaceError::AlreadyFormed => "race_already_exists",
            RaceError::NotRunning => "race_not_running",
            RaceError::LaneCountOutOfRange { .. } => "race_lanes_out_of_range",
            RaceError::DuplicateLane(_) => "duplicate_lane",
            RaceError::UnknownLane(_) => "unknown_lane",
            RaceError::MissingResult(_) => "missing_lane_result",
            RaceError::NoSurvivor => "no_surviving_lane",
            RaceError::CheckpointOutOfOrder { .. } => "checkpoint_out_of_order",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            RaceError::AlreadyFormed => ErrorKind::Conflict,
            _ => ErrorKind::Invalid,
        }
    }
}

/// A lane of the race.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lane {
    /// The lane's project.
    pub project_id: String,
    /// The checkpoint that eliminated it.
    pub eliminated_at: Option<u32>,
    /// Set when the lane left the race outside a checkpoint.
    #[serde(default)]
    pub withdrawn: Option<LaneExit>,
}

/// A 赛马制 race: the lanes of one call and its checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Race {
    /// The call.
    pub challenge_id: Option<String>,
    /// Lanes.
    pub lanes: Vec<Lane>,
    /// Checkpoints held.
    pub checkpoints_held: u32,
    /// The survivor once concluded.
    pub survivor: Option<String>,
}

impl Race {
    fn live(&self) -> impl Iterator<Item = &Lane> {
        self.lanes
            .iter()
            .filter(|l| l.eliminated_at.is_none() && l.withdrawn.is_none())
    }

    /// True while the race runs and `lane` is one of its live lanes (neither eliminated nor
    /// withdrawn). A lane's project is racing exactly then ([`crate::Project::is_racing`]).
    pub fn is_racing(&self, lane: &str) -> bool {
        self.challenge_id.is_some()
            && self.survivor.is_none()
            && self.live().any(|l| l.project_id == lane)
    }

    fn decide(&self, command: RaceCommand) -> Result<Vec<RaceEvent>, RaceError> {
        match command {
            RaceCommand::Form {
                challenge_id,
                lanes,
                max_lanes,
            } => {
                if self.challenge_id.is_some() {
                    return Err(RaceError::AlreadyFormed);
                }
                // domain.md [W2] 允许2~3家牵头单位同时立项.
                if lanes.len() < usize::from(MIN_RACE_TEAMS) || lanes.len() > usize::from(max_lanes)
                {
                    return Err(RaceError::LaneCountOutOfRange {
                        min: MIN_RACE_TEAMS,
                        max: max_lanes,
                        asked: lanes.len(),
                    });
                }
                for (i, lane) in lanes.iter().enumerate() {
                    if lanes[..i].contains(lane) {
                        return Err(RaceError::DuplicateLane(lane.clone()));
                    }
                }
                Ok(vec![RaceEvent::RaceFormed {
                    challenge_id,
                    lanes,
                }])
            }
            RaceCommand::HoldCheckpoint {
                checkpoint,
                results,
            } => {
                if self.challenge_id.is_none() || self.survivor.is_some() {
                    return Err(RaceError::NotRunning);
                }
                let expected = self.checkpoints_held + 1;
                if checkpoint != expected {
                    return Err(RaceError::CheckpointOutOfOrder {
                        expected,
                        got: checkpoint,
                    });
                }
                for (i, (lane, _)) in results.iter().enumerate() {
                    if results[..i].iter().any(|(l, _)| l == lane) {
                        return Err(RaceError::DuplicateLane(lane.clone()));
                    }
                    if !self.live().any(|l| &l.project_id == lane) {
                        return Err(RaceError::UnknownLane(lane.clone()));
                    }
                }
                if let Some(missing) = self
                    .live()
                    .find(|l| !results.iter().any(|(r, _)| r == &l.project_id))
                {
                    return Err(RaceError::MissingResult(missing.project_id.clone()));
                }
                let pick = |want: LaneResult| -> Vec<String> {
                    results
                        .iter()
                        .filter(|(_, r)| *r == want)
                        .map(|(l, _)| l.clone())
                        .collect()
                };
                let continued = pick(LaneResult::Continue);
                // domain.md: a checkpoint may not eliminate every lane.
                if continued.is_empty() {
                    return Err(RaceError::NoSurvivor);
                }
                let mut events = vec![RaceEvent::CheckpointHeld {
                    checkpoint,
                    continued: continued.clone(),
                    eliminated: pick(LaneResult::Eliminate),
                }];
                // domain.md [W3]『聚焦优势主体』: with one lane left the race is over.
                if let [survivor] = continued.as_slice() {
                    events.push(RaceEvent::RaceConcluded {
                        survivor: survivor.clone(),
                    });
                }
                Ok(events)
            }
            RaceCommand::WithdrawLane { lane, reason } => {
                if self.challenge_id.is_none() {
                    return Err(RaceError::NotRunning);
                }
                if !self.lanes.iter().any(|l| l.project_id == lane) {
                    return Err(RaceError::UnknownLane(lane));
                }
                // A lane already out (eliminated, withdrawn) or a race already over: nothing left.
                if !self.is_racing(&lane) {
                    return Ok(Vec::new());
                }
                let mut events = vec![RaceEvent::LaneWithdrawn {
                    lane: lane.clone(),
                    reason,
                }];
                // domain.md §3.c ConcludeRace『聚焦优势主体』: with one live lane left the race is
                // over, exactly as when a checkpoint leaves one.
                let rest: Vec<&Lane> = self.live().filter(|l| l.project_id != lane).collect();
                if let [survivor] = rest.as_slice() {
                    events.push(RaceEvent::RaceConcluded {
                        survivor: survivor.project_id.clone(),
                    });
                }
                Ok(events)
            }
        }
    }
}

impl Aggregate for Race {
    const TYPE: &'static str = "race";
    type Command = RaceCommand;
    type Event = RaceEvent;
    type Error = RaceError;
    type Services = ProjectServices;

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
            RaceEvent::RaceFormed {
                challenge_id,
                lanes,
            } => {
                self.challenge_id = Some(challenge_id);
                self.lanes = lanes
                    .into_iter()
                    .map(|project_id| Lane {
                        project_id,
                        eliminated_at: None,
                        withdrawn: None,
                    })
                    .collect();
            }
            RaceEvent::CheckpointHeld {
                checkpoint,
                eliminated,
                ..
            } => {
                self.checkpoints_held = checkpoint;
                for lane in self
                    .lanes
                    .iter_mut()
                    .filter(|l| eliminated.contains(&l.project_id))
                {
                    lane.eliminated_at = Some(checkpoint);
                }
            }
            RaceEvent::RaceConcluded { survivor } => self.survivor = Some(survivor),
            RaceEvent::LaneWithdrawn { lane, reason } => {
                if let Some(l) = self.lanes.iter_mut().find(|l| l.project_id == lane) {
                    l.withdrawn = Some(reason);
                }
            }
        }
    }
}
