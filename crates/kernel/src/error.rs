/// The class of a refused command, independent of any transport.
///
/// The HTTP layer maps it to a status code; domain code only says what kind of refusal it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The command or its data break a rule (HTTP 422).
    Invalid,
    /// The command conflicts with the current state of another stream (HTTP 409).
    Conflict,
    /// Something the command names does not exist (HTTP 404).
    NotFound,
    /// The actor may not do this (HTTP 403).
    Forbidden,
}

/// What every aggregate's error enum tells the outside world about a refusal.
pub trait DomainError: std::error::Error {
    /// A stable snake_case code clients can branch on.
    fn code(&self) -> &'static str;
    /// The class of refusal.
    fn kind(&self) -> ErrorKind;
}
