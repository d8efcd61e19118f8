//! Checks every exchange the end-to-end tests make against `api-spec/openapi.yaml`: the response's
//! status must be documented for its operation, its content type must be one the document names,
//! its body must validate against the named schema, and the headers the document requires must be
//! present. A request body the server accepted (2xx) must validate against the request schema.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

struct Contract {
    doc: Value,
    /// `(method, template segments)` for every documented operation.
    operations: Vec<(String, Vec<String>, String)>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/api-spec/openapi.yaml"
        ))
        .expect("api-spec/openapi.yaml");
        let doc: Value = serde_yaml::from_str(&text).expect("openapi.yaml as JSON");
        let mut operations = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, _) in item.as_object().expect("path item") {
                if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    let segments = path.split('/').map(str::to_string).collect();
                    operations.push((method.clone(), segments, path.clone()));
                }
            }
        }
        Contract {
            doc,
            operations,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

/// Follows `$ref`s within the document (`#/components/...`).
pub fn resolve<'a>(doc: &'a Value, mut node: &'a Value) -> &'a Value {
    while let Some(pointer) = node.get("$ref").and_then(Value::as_str) {
        node = doc
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("unresolved $ref {pointer}"));
    }
    node
}

impl Contract {
    /// The documented template matching a concrete path; literal segments win over parameters.
    fn operation(&self, method: &str, path: &str) -> Option<(&Value, &str)> {
        let concrete: Vec<&str> = path.split('/').collect();
        let method = method.to_ascii_lowercase();
        self.operations
            .iter()
            .filter(|(m, segments, _)| {
                *m == method
                    && segments.len() == concrete.len()
                    && segments
                        .iter()
                        .zip(&concrete)
                        .all(|(t, c)| t.starts_with('{') || t == c)
            })
            .max_by_key(|(_, segments, _)| segments.iter().filter(|s| !s.starts_with('{')).count())
            .map(|(m, _, template)| (&self.doc["paths"][template][m.as_str()], template.as_str()))
    }

    fn validator(&self, key: &str, schema: &Value) -> Arc<Validator> {
        let mut cache = self.validators.lock().expect("validator cache");
        if let Some(v) = cache.get(key) {
            return v.clone();
        }
        // The schema sits beside the document's components, so `#/components/...` resolves.
        let mut root = json!({ "components": self.doc["components"] });
        if let (Some(root), Some(schema)) = (root.as_object_mut(), schema.as_object()) {
            root.extend(schema.clone());
        }
        let validator = Arc::new(
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("schema at {key} does not compile: {e}")),
        );
        cache.insert(key.to_string(), validator.clone());
        validator
    }

    fn check(&self, key: &str, schema: &Value, instance: &Value) -> Vec<String> {
        self.validator(key, schema)
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }
}

/// One exchange as the harness saw it.
pub struct Exchange<'a> {
    pub method: &'a str,
    /// The path and query as sent.
    pub target: &'a str,
    pub request_body: Option<&'a Value>,
    pub status: u16,
    pub headers: &'a HeaderMap,
    pub raw_body: &'a [u8],
}

/// Panics, naming every difference, when the exchange does not match the document.
pub fn check(x: &Exchange<'_>) {
    let c = contract();
    let path = x.target.split('?').next().unwrap_or_default();
    let Some((op, template)) = c.operation(x.method, path) else {
        // Not a documented route: the route-table test covers the other direction.
        return;
    };
    let what = format!("{} {} ({template})", x.method, x.target);
    let mut problems = Vec::new();

    if let (Some(body), true) = (x.request_body, (200..300).contains(&x.status)) {
        let request = resolve(&c.doc, &op["requestBody"]);
        match request["content"]["application/json"].get("schema") {
            Some(schema) => {
                let key = format!("{template} {} request", x.method);
                problems.extend(
                    c.check(&key, schema, body)
                        .into_iter()
                        .map(|e| format!("request body: {e}")),
                );
            }
            None if body.as_object().is_some_and(|o| o.is_empty()) => {}
            None => problems.push("a request body was accepted where none is documented".into()),
        }
    }

    let status = x.status.to_string();
    let class = format!("{}XX", x.status / 100);
    let responses = &op["responses"];
    let response = [status.as_str(), class.as_str(), "default"]
        .iter()
        .find_map(|s| responses.get(*s));
    match response.map(|r| resolve(&c.doc, r)) {
        None => problems.push(format!("status {status} is not documented")),
        Some(response) => {
            if let Some(headers) = response.get("headers").and_then(Value::as_object) {
                for (name, header) in headers {
                    let header = resolve(&c.doc, header);
                    if header["required"] == true && x.headers.get(name.as_str()).is_none() {
                        problems.push(format!("required header {name} is missing"));
                    }
                }
            }
            let ctype = x
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            match response.get("content").and_then(Value::as_object) {
                None if x.raw_body.is_empty() => {}
                None => problems.push(format!(
                    "a {ctype} body where the document names none: {}",
                    String::from_utf8_lossy(x.raw_body)
                )),
                Some(content) => {
                    match content.get(&ctype) {
                        None => problems.push(format!(
                            "content type {ctype:?} is not one of {:?}",
                            content.keys().collect::<Vec<_>>()
                        )),
                        Some(media) => {
                            if let Some(schema) = media.get("schema") {
                                let body = if ctype.ends_with("json") {
                                    serde_json::from_slice(x.raw_body).unwrap_or_else(|e| {
                                        problems.push(format!("the body is not JSON: {e}"));
                                        Value::Null
                                    })
                                } else {
                                    Value::String(String::from_utf8_lossy(x.raw_body).into_owned())
                                };
                                let key = format!("{template} {} {status} {ctype}", x.method);
                                problems.extend(c.check(&key, schema, &body).into_iter().map(
                                    |e| format!("response body: {e}; body: {}", truncate(&body)),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{what} does not match api-spec/openapi.yaml:\n- {}",
        problems.join("\n- ")
    );
}

fn truncate(body: &Value) -> String {
    let text = body.to_string();
    match text.char_indices().nth(600) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(
        method: &str,
        target: &str,
        request: Option<&Value>,
        status: u16,
        ctype: &str,
        body: &str,
    ) -> String {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", ctype.parse().expect("header"));
        let x = Exchange {
            method,
            target,
            request_body: request,
            status,
            headers: &headers,
            raw_body: body.as_bytes(),
        };
        match std::panic::catch_unwind(|| check(&x)) {
            Ok(()) => String::new(),
            Err(e) => e
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "panic".into()),
        }
    }

    #[test]
    fn a_response_body_that_drifts_from_its_schema_is_caught() {
        let found = problems_of(
            "GET",
            "/v1/challenges/abc",
            None,
            200,
            "application/json",
            r#"{"id": 7}"#,
        );
        assert!(found.contains("response body"), "{found}");
        assert!(found.contains("/v1/challenges/{id}"), "{found}");
    }

    #[test]
    fn an_undocumented_status_is_caught() {
        let found = problems_of(
            "GET",
            "/v1/challenges/abc",
            None,
            418,
            "application/problem+json",
            "{}",
        );
        assert!(found.contains("status 418 is not documented"), "{found}");
    }

    #[test]
    fn a_problem_without_its_code_is_caught() {
        let body = r#"{"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no such call"}"#;
        let found = problems_of(
            "GET",
            "/v1/challenges/abc",
            None,
            404,
            "application/problem+json",
            body,
        );
        assert!(found.contains("code"), "{found}");
    }

    #[test]
    fn an_accepted_request_body_that_breaks_its_schema_is_caught() {
        let request = json!({"reason": "x", "budget_cap_fen": "lots"});
        let found = problems_of(
            "POST",
            "/v1/challenges/abc/amend",
            Some(&request),
            200,
            "application/json",
            "{}",
        );
        assert!(found.contains("request body"), "{found}");
    }
}
