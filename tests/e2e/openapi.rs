use std::collections::BTreeSet;

use crate::helpers::{spawn_app, Backend};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn documented() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/api-spec/openapi.yaml"
    ))
    .expect("api-spec/openapi.yaml");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
    assert_eq!(doc["openapi"].as_str(), Some("3.1.0"));
    let paths = doc["paths"].as_mapping().expect("paths");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        let path = path.as_str().expect("path").to_string();
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_string(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn the_openapi_document_and_the_router_name_the_same_routes() {
    let served: BTreeSet<(String, String)> = api::route_table()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let documented = documented();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in api-spec/openapi.yaml: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "in api-spec/openapi.yaml but not served: {unserved:?}"
    );
}

async fn every_documented_route_is_routed(backend: Backend) {
    let app = spawn_app(backend).await;
    for (method, path) in documented() {
        let concrete = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "00000000-0000-0000-0000-000000000000"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let res = app
            .send(&method.to_uppercase(), &concrete, None, None, &[])
            .await;
        assert_ne!(res.status, 405, "{method} {path} is not routed");
        assert!(
            !(res.status == 404 && res.body["detail"] == "no such route"),
            "{method} {path} is not routed"
        );
    }
}
both_backends!(every_documented_route_is_routed);

/// The standard validators (openapi-spec-validator, redocly lint), the YAML 1.1/1.2 agreement
/// check and `tsc --strict` over the generated TypeScript client, as pinned in `api-spec/tools`.
#[test]
fn the_contract_passes_the_standard_validators_and_the_generated_client_type_checks() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/api-spec/tools/check-contract.sh"
    );
    let out = std::process::Command::new("bash")
        .arg(script)
        .output()
        .expect("run api-spec/tools/check-contract.sh");
    assert!(
        out.status.success(),
        "api-spec/tools/check-contract.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every query parameter whose documented schema is an enum, per GET operation.
fn enum_query_parameters() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/api-spec/openapi.yaml"
    ))
    .expect("api-spec/openapi.yaml");
    let doc: serde_json::Value = serde_yaml::from_str(&text).expect("valid YAML");
    let resolve = |v| crate::contract::resolve(&doc, v);
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        let params = item["parameters"]
            .as_array()
            .into_iter()
            .chain(get["parameters"].as_array())
            .flatten();
        for p in params {
            let p = resolve(p);
            if p["in"] == "query" && resolve(&p["schema"]).get("enum").is_some() {
                out.push((path.clone(), p["name"].as_str().expect("name").to_string()));
            }
        }
    }
    out
}

async fn an_out_of_enum_query_value_is_refused_with_invalid_query(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token(
        "officer-1",
        "officer,auditor,applicant,reviewer",
        Some(crate::helpers::orgs::ENT_A),
    );
    let checked = enum_query_parameters();
    assert!(checked.len() >= 8, "{checked:?}");
    let mut accepted = Vec::new();
    for (path, name) in checked {
        let concrete = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let res = app
            .get(&format!("{concrete}?{name}=no-such-value"), &token)
            .await;
        if (res.status, res.body["code"].as_str()) != (400, Some("invalid_query")) {
            accepted.push(format!("GET {path}?{name}=no-such-value: {}", res.body));
        }
    }
    assert!(accepted.is_empty(), "not refused:\n{}", accepted.join("\n"));
}
both_backends!(an_out_of_enum_query_value_is_refused_with_invalid_query);

async fn the_served_contract_is_the_document_and_the_docs_need_no_cdn(backend: Backend) {
    let app = spawn_app(backend).await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/api-spec/openapi.yaml"
    ))
    .expect("api-spec/openapi.yaml");
    let doc: serde_json::Value = serde_yaml::from_str(&text).expect("valid YAML");
    let json = app.send("GET", "/openapi.json", None, None, &[]).await;
    assert_eq!(json.expect(200), &doc);

    let client = reqwest::Client::new();
    let yaml = client
        .get(format!("{}/openapi.yaml", app.url))
        .send()
        .await
        .expect("GET /openapi.yaml");
    assert_eq!(yaml.status(), 200);
    assert_eq!(yaml.text().await.expect("body"), text);

    let page = client
        .get(format!("{}/docs", app.url))
        .send()
        .await
        .expect("GET /docs");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    assert!(html.contains(r#"spec-url="/openapi.json""#), "{html}");
    assert!(
        html.contains(r#"<script src="/docs/redoc.standalone.js">"#),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );

    let js = client
        .get(format!("{}/docs/redoc.standalone.js", app.url))
        .send()
        .await
        .expect("GET the vendored Redoc");
    assert_eq!(js.status(), 200);
    assert!(js.bytes().await.expect("body").len() > 100_000);
}
both_backends!(the_served_contract_is_the_document_and_the_docs_need_no_cdn);
