use std::sync::Arc;

use api::{mint_token, AppState, Application, Claims};
use chrono::{DateTime, Utc};
use kernel::{FixedClock, RandomIds};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use store::testing::FreshDb;
pub use store::Backend;
use store::Store;
use tokio::sync::oneshot;

/// Runs an `async fn(Backend)` scenario once per store, as `<name>::sqlite` and `<name>::postgres`.
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    };
}

const SECRET: &str = "e2e-secret-0123456789abcdef0123456789abcdef";

/// The instant every scenario starts at: 2027-01-10 09:00 Shanghai, inside the sample window.
pub const START: &str = "2027-01-10T09:00:00+08:00";

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// The state the server runs on (store access for assertions).
    pub state: AppState,
    clock: FixedClock,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    // Dropped last: removes the database after the server has stopped.
    _db: FreshDb,
}

/// A response: status, headers and the JSON body (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        &self.body
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        let ctype = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            ctype.starts_with("application/problem+json"),
            "content-type {ctype}"
        );
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        for key in ["type", "title", "status", "detail"] {
            assert!(
                self.body.get(key).is_some(),
                "problem lacks {key}: {}",
                self.body
            );
        }
    }

    /// The `ETag` header without quotes.
    pub fn etag(&self) -> String {
        self.headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim_matches('"')
            .to_string()
    }
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// Starts the application on `127.0.0.1:0` over a fresh database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, false).await
}

/// Starts the application, with the web pages' development sign-in when `dev_signin`.
pub async fn spawn_app_with(backend: Backend, dev_signin: bool) -> TestApp {
    spawn_app_http(backend, dev_signin, api::HttpOptions::default()).await
}

/// Starts the application with `http`'s CORS origins, HSTS and request timeout.
pub async fn spawn_app_http(backend: Backend, dev_signin: bool, http: api::HttpOptions) -> TestApp {
    let db = FreshDb::create(backend)
        .await
        .expect("a fresh test database (is PostgreSQL up?)");
    // A short snapshot interval, so every scenario also loads its aggregates from snapshots.
    let store = Store::new(
        db.connect().await.expect("migrated"),
        projections::all_projectors(),
    )
    .with_snapshot_interval(3);
    let clock = FixedClock::new(instant(START));
    let state = AppState::new(
        store,
        Arc::new(clock.clone()),
        Arc::new(RandomIds),
        SECRET.to_string(),
        64 * 1024,
    );
    let app = Application::with_state("127.0.0.1:0", state.clone())
        .await
        .expect("bind")
        .with_dev_signin(dev_signin)
        .with_http(http);
    let url = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(app.serve(async move {
        let _ = rx.await;
    }));
    TestApp {
        url,
        state,
        clock,
        client: reqwest::Client::new(),
        shutdown: Some(tx),
        _db: db,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestApp {
    /// The database the server runs on (`sqlite://…` or `postgres://…`).
    pub fn db_url(&self) -> String {
        self._db.url.clone()
    }

    /// The secret the server signs tokens with.
    pub fn secret(&self) -> &'static str {
        SECRET
    }

    /// Moves the server's clock.
    pub fn set_now(&self, rfc3339: &str) {
        self.clock.set(instant(rfc3339));
    }

    /// A token for `sub` with `roles` (comma-separated) acting for `org`.
    pub fn token(&self, sub: &str, roles: &str, org: Option<&str>) -> String {
        let claims = Claims {
            sub: sub.into(),
            roles: roles.split(',').map(str::to_string).collect(),
            org: org.map(str::to_string),
            exp: Utc::now().timestamp() + 3600,
        };
        mint_token(SECRET, &claims).expect("token")
    }

    /// A programme officer's token.
    pub fn officer(&self) -> String {
        self.token("officer-1", "officer", None)
    }

    /// An auditor's token.
    pub fn auditor(&self) -> String {
        self.token("auditor-1", "auditor", None)
    }

    /// An applicant's token for `org`.
    pub fn applicant(&self, org: &str) -> String {
        self.token(&format!("applicant-{org}"), "applicant", Some(org))
    }

    /// Sends a request; `body` is sent as JSON when given.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        for (k, v) in headers {
            req = req.header(*k, HeaderValue::from_str(v).expect("header"));
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        crate::contract::check(&crate::contract::Exchange {
            method: method.as_str(),
            target: path,
            request_body: body,
            status,
            headers: &headers,
            raw_body: &bytes,
        });
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
        }
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send("POST", path, Some(token), Some(&body), &[]).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.send("GET", path, Some(token), None, &[]).await
    }

    /// `GET path` with an `Accept` header; the body as text (for CSV), after checking 200.
    pub async fn client_get_text(&self, path: &str, token: &str, accept: &str) -> String {
        let res = self
            .client
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("accept", accept)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 200);
        let ctype = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(ctype.starts_with(accept), "content-type {ctype}");
        res.text().await.expect("body")
    }

    /// The stored version of a stream (0 when empty).
    pub async fn version(&self, kind: &str, id: &str) -> u64 {
        self.state
            .store()
            .stream_version(kind, id)
            .await
            .expect("version")
            .unwrap_or(0)
    }
}

/// Sample organisation codes (synthetic, valid; domain.md §2.4).
#[allow(dead_code)] // shared by scenarios; not every one uses every code
pub mod orgs {
    pub const LEAD: &str = "91320583MA1KC00109";
    pub const ENT_A: &str = "91320583MA1KC00296";
    pub const ENT_B: &str = "91320583MA1KC00371";
    pub const ENT_C: &str = "91320500MA1GC0041G";
    pub const UNIV: &str = "123200004660000105";
    pub const INST: &str = "123205834660000293";
    pub const NRDI: &str = "52320583MJ00000345";
    pub const INVALID: &str = "91320583MA1KC0010A";
}

/// The draft the front end sends (issue 2), with `over` merged in.
pub fn challenge_draft(over: Value) -> Value {
    let mut body = serde_json::json!({
        "programme": "consortium_key_rd", "title": "高分辨率光刻胶国产替代",
        "demand_owner": orgs::LEAD, "industry_chain": "新型显示",
        "targets": [{"name": "分辨率", "metric": "nm", "target": "≤ 90"}],
        "budget_cap_fen": 300000000, "mode": {"kind": "single"},
        "opens_on": "2027-01-04", "closes_on": "2027-02-26", "completion_deadline": "2029-12-31"
    });
    if let (Some(map), Value::Object(extra)) = (body.as_object_mut(), over) {
        map.extend(extra);
    }
    body
}

/// Drafts and publishes a call; returns its id.
pub async fn published_challenge(app: &TestApp, over: Value) -> String {
    let officer = app.officer();
    let created = app
        .post("/v1/challenges", &officer, challenge_draft(over))
        .await;
    let id = created.expect(201)["id"].as_str().expect("id").to_string();
    app.post(
        &format!("/v1/challenges/{id}/publish"),
        &officer,
        serde_json::json!({}),
    )
    .await
    .expect(200);
    id
}

/// Metadata for commands a test issues straight to the command side (as a process manager would).
pub fn seed_metadata(app: &TestApp) -> std::collections::HashMap<String, String> {
    std::collections::HashMap::from([
        (
            "recorded_at".to_string(),
            app.state.clock().now().to_rfc3339(),
        ),
        ("actor_sub".to_string(), "officer-1".to_string()),
    ])
}

/// What the award's process manager does for one winner: the project stream holding the award.
pub async fn seed_project(
    app: &TestApp,
    id: &str,
    challenge_id: &str,
    lead: &str,
    member: Option<&str>,
    award_wan: i64,
    race_lane: bool,
) {
    let org = |c: &str| kernel::OrgCode::parse(c).expect("org code");
    let award = project::AwardProject {
        challenge_id: challenge_id.into(),
        bid_id: format!("bid-{id}"),
        lead: org(lead),
        members: member.iter().map(|m| org(m)).collect(),
        demand_owner: org(orgs::LEAD),
        award: kernel::Money::from_wan_yuan(award_wan),
        completion_deadline: "2029-12-31".parse().expect("date"),
        race_lane,
    };
    app.state
        .projects()
        .execute_with_metadata(
            id,
            project::ProjectCommand::CreateFromAward(award),
            seed_metadata(app),
        )
        .await
        .expect("project created");
}

/// A project (seeded as the award's process manager would) whose contract has one on-contract
/// tranche of `fen`, already paid: what the ledger then says was disbursed to it.
pub async fn seed_funded_project(app: &TestApp, id: &str, lead: &str, members: &[&str], fen: i64) {
    let org = |c: &str| kernel::OrgCode::parse(c).expect("org code");
    let award = project::ProjectCommand::CreateFromAward(project::AwardProject {
        challenge_id: format!("call-{id}"),
        bid_id: format!("bid-{id}"),
        lead: org(lead),
        members: members.iter().map(|m| org(m)).collect(),
        demand_owner: org(orgs::LEAD),
        award: kernel::Money::from_fen(fen),
        completion_deadline: "2029-12-31".parse().expect("date"),
        race_lane: false,
    });
    app.state
        .projects()
        .execute_with_metadata(id, award, seed_metadata(app))
        .await
        .expect("project seeded");
    fund_project(app, id, fen).await;
}

/// Signs project `id`'s contract with one on-contract tranche of its whole award (`fen`) and
/// pays it.
pub async fn fund_project(app: &TestApp, id: &str, fen: i64) {
    let today = app.state.clock().today();
    let commands = vec![
        project::ProjectCommand::SignContract(project::ContractTerms {
            task_book_ref: format!("任务书-{id}"),
            start: today,
            end: "2029-06-30".parse().expect("date"),
            milestones: vec![project::MilestonePlan {
                id: "m1".into(),
                due: "2028-06-30".parse().expect("date"),
                deliverables: "样品".into(),
                targets: vec![],
            }],
            tranches: vec![project::TranchePlan {
                id: "t1".into(),
                amount: kernel::Money::from_fen(fen),
                gate: project::Gate::OnContract,
            }],
        }),
        project::ProjectCommand::DisburseTranche {
            tranche: "t1".into(),
            paid_on: today,
            payment_ref: format!("国库支付-{id}"),
        },
    ];
    for command in commands {
        app.state
            .projects()
            .execute_with_metadata(id, command, seed_metadata(app))
            .await
            .expect("project funded");
    }
}

/// A bearer token for `sub` in `role`, signed with `secret`: for servers a test starts itself.
pub fn token_signed_with(secret: &str, sub: &str, role: &str) -> String {
    let claims = Claims {
        sub: sub.into(),
        roles: vec![role.into()],
        org: None,
        exp: Utc::now().timestamp() + 600,
    };
    mint_token(secret, &claims).expect("token")
}

/// A free TCP port on 127.0.0.1, for a server process a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("local address")
        .port()
}
