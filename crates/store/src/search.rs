//! Search over the `challenge` and `need` views (issue 16), and whole-view reads for reports.
//!
//! PostgreSQL: `ILIKE '%…%'` on the generated `search_text` column, served by a pg_trgm GIN
//! index for patterns of 3 characters or more, ranked by `similarity`. SQLite: the FTS5 table
//! `views_search` with the trigram tokenizer, `MATCH` for 3 characters or more (ranked by bm25),
//! `LIKE` below that. Neither splits on whitespace, so Chinese substrings are found as typed.

use serde::Serialize;
use serde_json::Value;

use crate::tx::sqlite_sql;
use crate::{Db, Store, StoreError};

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchSort {
    /// Best match first (then creation order).
    #[default]
    Relevance,
    /// Earliest `closes_on` first (calls).
    CloseDate,
    /// Creation order.
    Created,
}

/// One search.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// `challenge` or `need`.
    pub view: String,
    /// The words, as typed.
    pub text: String,
    /// Status filter.
    pub status: Option<String>,
    /// Status to leave out (drafts for the public).
    pub exclude_status: Option<String>,
    /// Owner filter (a need's poser, a call's demand owner).
    pub owner: Option<String>,
    /// Parent filter (a call's programme, a need's chain).
    pub parent: Option<String>,
    /// `industry_chain` filter.
    pub chain: Option<String>,
    /// Calls whose window closes on or after this date (`YYYY-MM-DD`).
    pub closes_from: Option<String>,
    /// Calls whose window closes on or before this date.
    pub closes_to: Option<String>,
    /// Calls whose window opens on or after this date.
    pub opens_from: Option<String>,
    /// Order.
    pub sort: SearchSort,
    /// Rows skipped.
    pub offset: u32,
    /// Page size.
    pub limit: u32,
}

/// A page of results with the total number of matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchPage {
    /// The rows of this page.
    pub items: Vec<Value>,
    /// Every match, over all pages.
    pub total: i64,
    /// The cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// An FTS5 string literal: the text as one phrase, inner quotes doubled.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

impl Store {
    /// Every row of view `name` (optionally only those with `parent`), for reports.
    pub async fn rows(&self, name: &str, parent: Option<&str>) -> Result<Vec<Value>, StoreError> {
        let mut sql = String::from("SELECT payload FROM views WHERE view_name = $1");
        if parent.is_some() {
            sql.push_str(" AND parent = $2");
        }
        sql.push_str(" ORDER BY sort_key, view_id");
        match self.db() {
            Db::Postgres(pool) => {
                let mut q = sqlx::query_as::<_, (Value,)>(&sql).bind(name);
                if let Some(p) = parent {
                    q = q.bind(p);
                }
                Ok(q.fetch_all(pool).await?.into_iter().map(|r| r.0).collect())
            }
            Db::Sqlite(pool) => {
                let sql = sqlite_sql(&sql);
                let mut q = sqlx::query_as::<_, (String,)>(&sql).bind(name);
                if let Some(p) = parent {
                    q = q.bind(p);
                }
                let mut out = Vec::new();
                for (text,) in q.fetch_all(pool).await? {
                    out.push(serde_json::from_str(&text)?);
                }
                Ok(out)
            }
        }
    }

    /// Searches the `challenge` or `need` view.
    pub async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StoreError> {
        let postgres = matches!(self.db(), Db::Postgres(_));
        let short = query.text.chars().count() < 3;
        // `->>` reads a JSON field on both (SQLite ≥ 3.38); a `$` path would clash with the
        // placeholder rewrite.
        let json = |field: &str| format!("(v.payload ->> '{field}')");
        let mut args: Vec<String> = vec![query.view.clone()];
        let (from, mut filter, rank) = if postgres {
            args.push(like_pattern(&query.text));
            args.push(query.text.clone());
            (
                "views v".to_string(),
                "v.view_name = $1 AND v.search_text ILIKE $2 ESCAPE '\\'".to_string(),
                "similarity(v.search_text, $3) DESC".to_string(),
            )
        } else if short {
            args.push(like_pattern(&query.text));
            (
                "views_search s JOIN views v ON v.rowid = s.rowid".to_string(),
                "s.view_name = $1 AND s.body LIKE $2 ESCAPE '\\'".to_string(),
                "v.sort_key".to_string(),
            )
        } else {
            args.push(fts_phrase(&query.text));
            (
                "views_search s JOIN views v ON v.rowid = s.rowid".to_string(),
                "s.view_name = $1 AND s.body MATCH $2".to_string(),
                "s.rank".to_string(),
            )
        };
        let mut push = |clause: String, value: &Option<String>, args: &mut Vec<String>| {
            if let Some(v) = value {
                args.push(v.clone());
                filter.push_str(&clause.replace("{}", &format!("${}", args.len())));
            }
        };
        push(" AND v.status = {}".into(), &query.status, &mut args);
        push(
            " AND (v.status IS NULL OR v.status <> {})".into(),
            &query.exclude_status,
            &mut args,
        );
        push(" AND v.owner = {}".into(), &query.owner, &mut args);
        push(" AND v.parent = {}".into(), &query.parent, &mut args);
        push(
            format!(" AND {} = {{}}", json("industry_chain")),
            &query.chain,
            &mut args,
        );
        push(
            format!(" AND {} >= {{}}", json("closes_on")),
            &query.closes_from,
            &mut args,
        );
        push(
            format!(" AND {} <= {{}}", json("closes_on")),
            &query.closes_to,
            &mut args,
        );
        push(
            format!(" AND {} >= {{}}", json("opens_on")),
            &query.opens_from,
            &mut args,
        );
        let order = match query.sort {
            SearchSort::Relevance => format!("{rank}, v.sort_key, v.view_id"),
            SearchSort::CloseDate => format!("{}, v.view_id", json("closes_on")),
            SearchSort::Created => "v.sort_key, v.view_id".to_string(),
        };
        let limit = query.limit.clamp(1, projections::MAX_PAGE);
        let count_sql = if postgres {
            // The page's similarity argument ($3) must appear in the count too, so the binds line up.
            format!("SELECT COUNT(*) FROM {from} WHERE {filter} AND $3::text IS NOT NULL")
        } else {
            format!("SELECT COUNT(*) FROM {from} WHERE {filter}")
        };
        let page_sql = format!(
            "SELECT v.payload FROM {from} WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {}",
            query.offset
        );
        let (total, items): (i64, Vec<Value>) = match self.db() {
            Db::Postgres(pool) => {
                let mut c = sqlx::query_as::<_, (i64,)>(&count_sql);
                let mut p = sqlx::query_as::<_, (Value,)>(&page_sql);
                for a in &args {
                    c = c.bind(a);
                    p = p.bind(a);
                }
                let total = c.fetch_one(pool).await?.0;
                (
                    total,
                    p.fetch_all(pool).await?.into_iter().map(|r| r.0).collect(),
                )
            }
            Db::Sqlite(pool) => {
                let count_sql = sqlite_sql(&count_sql);
                let page_sql = sqlite_sql(&page_sql);
                let mut c = sqlx::query_as::<_, (i64,)>(&count_sql);
                let mut p = sqlx::query_as::<_, (String,)>(&page_sql);
                for a in &args {
                    c = c.bind(a);
                    p = p.bind(a);
                }
                let total = c.fetch_one(pool).await?.0;
                let mut items = Vec::new();
                for (text,) in p.fetch_all(pool).await? {
                    items.push(serde_json::from_str(&text)?);
                }
                (total, items)
            }
        };
        let next = i64::from(query.offset) + items.len() as i64;
        Ok(SearchPage {
            next_cursor: (next < total).then(|| format!("o{next}")),
            items,
            total,
        })
    }
}
