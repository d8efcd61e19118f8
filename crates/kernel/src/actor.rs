use serde::{Deserialize, Serialize};

use crate::OrgCode;

/// A role a caller may hold; a token may carry several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 申报单位: an enterprise, university or institute that bids (acts for its `org`).
    Applicant,
    /// 评审专家: an expert who assesses bids and evaluations assigned to them.
    Reviewer,
    /// 主管部门 (市科技局 / 工研院): publishes, awards, disburses, evaluates, recovers.
    Officer,
    /// 审计: reads everything, changes nothing.
    Auditor,
}

impl Role {
    /// The wire name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Reviewer => "reviewer",
            Role::Officer => "officer",
            Role::Auditor => "auditor",
        }
    }

    /// Parses a wire name; `None` for an unknown role.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "applicant" => Some(Role::Applicant),
            "reviewer" => Some(Role::Reviewer),
            "officer" => Some(Role::Officer),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }
}

/// Who issued a command: the token's subject, roles and organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The subject (`sub` claim): a person's stable id.
    pub sub: String,
    /// The roles the caller holds.
    pub roles: Vec<Role>,
    /// The organisation the caller acts for, when it has one.
    pub org: Option<OrgCode>,
}

impl Actor {
    /// True when the caller holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The roles joined with commas, as event metadata records them.
    pub fn roles_text(&self) -> String {
        self.roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}
