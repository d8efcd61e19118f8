//! The 立项项目 project aggregate. For now it only holds the award it was created from
//! (`CreateFromAward` → `ProjectAwarded`); the projects issue adds the contract, milestones,
//! tranches and acceptance (domain.md §3.c).

mod aggregate;
#[cfg(test)]
mod tests;

pub use aggregate::{CreateFromAward, Project, ProjectCommand, ProjectError, ProjectEvent};
