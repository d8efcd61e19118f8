//! Search parameters shared by the call and need lists (`?q=`).

use store::SearchSort;

use crate::ApiError;

/// `sort=relevance|closes_on|created` (relevance by default).
pub(crate) fn sort(text: Option<&str>) -> Result<SearchSort, ApiError> {
    match text {
        None | Some("relevance") => Ok(SearchSort::Relevance),
        Some("closes_on") => Ok(SearchSort::CloseDate),
        Some("created") => Ok(SearchSort::Created),
        Some(other) => Err(ApiError::BadRequest {
            code: "invalid_query",
            detail: format!("sort must be relevance, closes_on or created, not {other:?}"),
        }),
    }
}

/// A search page's cursor (`o<offset>`, as [`store::SearchPage`] issues it).
pub(crate) fn offset(cursor: Option<&str>) -> Result<u32, ApiError> {
    match cursor {
        None => Ok(0),
        Some(text) => text
            .strip_prefix('o')
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or(ApiError::BadRequest {
                code: "invalid_cursor",
                detail: "the cursor is not one this server issued".into(),
            }),
    }
}

/// Page size: 1..=100, default 20.
pub(crate) fn limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(projections::DEFAULT_PAGE);
    if (1..=projections::MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::BadRequest {
            code: "invalid_query",
            detail: format!("limit must be between 1 and {}", projections::MAX_PAGE),
        })
    }
}

/// A date filter (`YYYY-MM-DD`), kept as text for comparison with stored dates.
pub(crate) fn date(field: &str, text: Option<String>) -> Result<Option<String>, ApiError> {
    match text {
        None => Ok(None),
        Some(t) => t
            .parse::<chrono::NaiveDate>()
            .map(|d| Some(d.to_string()))
            .map_err(|_| ApiError::BadRequest {
                code: "invalid_query",
                detail: format!("{field} must be a date (YYYY-MM-DD)"),
            }),
    }
}
