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
