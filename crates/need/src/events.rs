use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use kernel::OrgCode;
use serde::{Deserialize, Serialize};

use crate::NeedCategory;

/// What happened to a need. Event names and versions never change once stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum NeedEvent {
    /// 需求登记: the need was recorded.
    NeedRegistered {
        /// 需求方.
        poser: OrgCode,
        /// Category.
        category: NeedCategory,
        /// Industry chain.
        industry_chain: String,
        /// Title.
        title: String,
        /// Description.
        text: String,
        /// Expected outcome.
        expected_outcome: String,
        /// Who registered it.
        registered_by: String,
        /// Date registered (Asia/Shanghai).
        registered_on: NaiveDate,
    },
    /// 入库: the need was accepted into the pool.
    NeedAccepted {
        /// The category counted (KPI rows 1 and 2).
        category: NeedCategory,
        /// Optional note.
        reason: Option<String>,
        /// Date accepted: the KPI year is this date's year.
        accepted_on: NaiveDate,
    },
    /// The need was rejected.
    NeedRejected {
        /// Why.
        reason: String,
        /// Date rejected.
        rejected_on: NaiveDate,
    },
    /// A call was drafted from the need.
    NeedAdopted {
        /// The call.
        challenge_id: String,
        /// Date adopted.
        adopted_on: NaiveDate,
    },
}

impl DomainEvent for NeedEvent {
    fn event_type(&self) -> String {
        match self {
            NeedEvent::NeedRegistered { .. } => "NeedRegistered",
            NeedEvent::NeedAccepted { .. } => "NeedAccepted",
            NeedEvent::NeedRejected { .. } => "NeedRejected",
            NeedEvent::NeedAdopted { .. } => "NeedAdopted",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
