//! The attention item (待办事项): a process manager's reaction that a domain rule refused, put on
//! the officers' work list with the causing event and the refusal's code and detail, until an
//! officer asks for a retry (after fixing the cause) or dismisses it with a reason.
//!
//! domain.md §3.0: a refused reaction is "flagged to the officer". One stream per (reactor,
//! causing event); rules live in [`AttentionItem`]'s `handle`, `apply` only assigns.

mod aggregate;
#[cfg(test)]
mod tests;

pub use aggregate::{
    AttentionCommand, AttentionError, AttentionEvent, AttentionItem, AttentionStatus, CauseRef,
};
