//! CSV answers (`Accept: text/csv`): UTF-8 with a byte-order mark so that Excel reads Chinese
//! correctly, CRLF line ends, and RFC 4180 quoting.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// True when the client asked for CSV.
pub(crate) fn wanted(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|part| part.trim().starts_with("text/csv"))
        })
}

/// One field, quoted when it holds a comma, a quote, CR or LF (RFC 4180 §2.6–2.7).
pub(crate) fn field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The document: BOM, header line, one line per row.
pub(crate) fn document(columns: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from('\u{feff}');
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(columns.iter().map(|c| field(c)).collect()));
    for row in rows {
        out.push_str(&line(row.iter().map(|c| field(c)).collect()));
    }
    out
}

/// A `text/csv` response offered as a download named `filename`.
pub(crate) fn response(filename: &str, columns: &[&str], rows: &[Vec<String>]) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    (StatusCode::OK, headers, document(columns, rows)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_and_newlines_are_quoted_and_the_document_starts_with_a_bom() {
        assert_eq!(field("光刻胶"), "光刻胶");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        let doc = document(&["id", "title"], &[vec!["1".into(), "甲,乙".into()]]);
        assert_eq!(doc, "\u{feff}id,title\r\n1,\"甲,乙\"\r\n");
    }
}
