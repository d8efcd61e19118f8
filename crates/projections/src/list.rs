use serde::Serialize;

/// Rows per page when the caller does not say.
pub const DEFAULT_PAGE: u32 = 20;
/// Most rows per page.
pub const MAX_PAGE: u32 = 100;

/// A position in a list: the sort key and id of the last row returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Sort key of the last row.
    pub sort_key: String,
    /// Id of the last row.
    pub id: String,
}

impl Cursor {
    /// The opaque text handed to clients (hex of `sort_key \n id`).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity((self.sort_key.len() + self.id.len() + 1) * 2);
        for b in self.sort_key.bytes().chain([b'\n']).chain(self.id.bytes()) {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    /// Reads a cursor a client sent back; `None` when it is not one of ours.
    pub fn decode(text: &str) -> Option<Cursor> {
        if !text.len().is_multiple_of(2) || text.len() > 2048 {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
            .collect();
        let decoded = String::from_utf8(bytes?).ok()?;
        let (sort_key, id) = decoded.split_once('\n')?;
        Some(Cursor {
            sort_key: sort_key.to_string(),
            id: id.to_string(),
        })
    }
}

/// A filter over one view's rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    /// Only rows with this status.
    pub status: Option<String>,
    /// Leave out rows with this status.
    pub exclude_status: Option<String>,
    /// Only rows with this owner.
    pub owner: Option<String>,
    /// Only rows with this parent.
    pub parent: Option<String>,
    /// Rows after this position.
    pub after: Option<Cursor>,
    /// Page size (1..=[`MAX_PAGE`]).
    pub limit: u32,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Where the next page starts, when there is one.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_junk_is_refused() {
        let c = Cursor {
            sort_key: "2027-01-10T01:00:00Z".into(),
            id: "abc".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("zz"), None);
        assert_eq!(Cursor::decode("abc"), None);
        assert_eq!(Cursor::decode("4142"), None);
    }
}
