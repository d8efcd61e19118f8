//! Request pieces every resource shares: list paging, required fields, organisation codes.

use kernel::OrgCode;
use projections::{Cursor, ListQuery, DEFAULT_PAGE, MAX_PAGE};
use serde::Deserialize;

use crate::ApiError;

/// A USCC field of a request, or a 422 naming the field and the broken rule (`uscc.*`).
pub(super) fn org_code(field: &str, text: &str) -> Result<OrgCode, ApiError> {
    OrgCode::parse(text).map_err(|e| ApiError::field(field, e.code(), e.to_string()))
}

/// A required field that the DTO keeps optional so that it can be `Default`.
pub(super) fn present<T>(field: &str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::field(field, "required", format!("missing field `{field}`")))
}

/// A command without fields: `{}` or no body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EmptyDto {}

/// `limit` (1..=100, default 20) and `cursor` (a `next_cursor` this server issued).
pub(super) fn page(
    limit: Option<u32>,
    cursor: Option<&str>,
) -> Result<(u32, Option<Cursor>), ApiError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest {
            code: "invalid_query",
            detail: format!("limit must be between 1 and {MAX_PAGE}"),
        });
    }
    let after = match cursor {
        Some(text) => Some(Cursor::decode(text).ok_or(ApiError::BadRequest {
            code: "invalid_cursor",
            detail: "the cursor is not one this server issued".into(),
        })?),
        None => None,
    };
    Ok((limit, after))
}

/// A `?status=` filter, which must name one of the list's documented statuses (400 `invalid_query`).
pub(super) fn status_in(status: Option<&str>, statuses: &[&str]) -> Result<(), ApiError> {
    match status {
        Some(s) if !statuses.contains(&s) => Err(ApiError::BadRequest {
            code: "invalid_query",
            detail: format!("status must be one of {}", statuses.join(", ")),
        }),
        _ => Ok(()),
    }
}

/// `?status=&limit=&cursor=` of a list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListParams {
    pub(super) status: Option<String>,
    pub(super) limit: Option<u32>,
    pub(super) cursor: Option<String>,
}

impl ListParams {
    /// Checks the status against `statuses` and turns the parameters into a list query.
    pub(super) fn query(self, statuses: &[&str]) -> Result<ListQuery, ApiError> {
        status_in(self.status.as_deref(), statuses)?;
        let (limit, after) = page(self.limit, self.cursor.as_deref())?;
        Ok(ListQuery {
            status: self.status,
            after,
            limit,
            ..Default::default()
        })
    }
}
