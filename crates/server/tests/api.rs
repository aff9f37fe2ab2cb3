//! The API contract, through the router, against SQLite and PostgreSQL. Each test gets its
//! own database and a clock it sets.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use domain::{CheckpointCode, Role, Username};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::accounts::credentials::{Password, hash_password};
use store::{NewUser, PgStore, SqliteStore, Store};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

const NOW: OffsetDateTime = datetime!(2026-11-25 03:00 UTC);
const PASSWORD: &str = "correct horse battery";

struct TestApp<S> {
    app: server::App<S>,
    router: Router,
    now: Arc<Mutex<OffsetDateTime>>,
    _guard: Option<tempfile::TempDir>,
}

async fn spawn<S: Store>(store: S, guard: Option<tempfile::TempDir>) -> TestApp<S> {
    store.seed_checkpoints(&store::reference_checkpoints().unwrap()).await.unwrap();
    let hash = hash_password(&Password::new(PASSWORD.into())).unwrap();
    for (name, role, cp) in [
        ("officer.mc", Role::Officer, Some("MONG-CAI")),
        ("commander.mc", Role::Commander, Some("MONG-CAI")),
        ("officer.hn", Role::Officer, Some("HUU-NGHI")),
        ("officer.hp", Role::Officer, Some("CANG-HAI-PHONG")),
        ("commander.hp", Role::Commander, Some("CANG-HAI-PHONG")),
        ("analyst", Role::Analyst, None),
        ("admin", Role::Admin, None),
    ] {
        let user = NewUser {
            username: Username::parse(name).unwrap(),
            role,
            checkpoint: cp.map(|c| CheckpointCode::parse(c).unwrap()),
            agency: None,
            password_hash: hash.clone(),
        };
        store.add_user(&user, NOW).await.unwrap();
    }
    let now = Arc::new(Mutex::new(NOW));
    let clock_now = now.clone();
    let clock: server::Clock = Arc::new(move || *clock_now.lock().unwrap());
    let app = server::build(store, &server::Options::default(), clock).await.unwrap();
    TestApp { router: server::router(app.clone()), app, now, _guard: guard }
}

async fn sqlite_app() -> TestApp<SqliteStore> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    spawn(store, Some(dir)).await
}

async fn pg_app() -> TestApp<PgStore> {
    static N: AtomicU32 = AtomicU32::new(0);
    let base = std::env::var("BIENPHONG_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string());
    let admin = PgStore::connect(&format!("{base}/test")).await.unwrap();
    let name = format!(
        "bp_api_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
    );
    // Databases of earlier runs that ended abruptly go first.
    let old = sqlx::query_scalar::<_, String>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'bp_api_%'",
    )
    .fetch_all(admin.pool())
    .await
    .unwrap();
    for db in old {
        if !db.starts_with(&format!("bp_api_{}_", std::process::id())) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
            )))
            .execute(admin.pool())
            .await;
        }
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(admin.pool())
        .await
        .unwrap();
    let store = PgStore::connect(&format!("{base}/{name}")).await.unwrap();
    store.migrate().await.unwrap();
    spawn(store, None).await
}

impl<S: Store> TestApp<S> {
    async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let res = self.router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, value)
    }

    async fn token(&self, username: &str) -> String {
        let (status, body) = self
            .call(
                "POST",
                "/api/v1/auth/token",
                None,
                Some(json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// A request with a body that is not JSON (a spreadsheet).
    async fn send_raw(
        &self,
        method: &str,
        uri: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// A GET whose answer is not JSON: its status, content type and bytes.
    async fn get_bytes(&self, uri: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
        let req = Request::builder()
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let kind = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, kind, res.into_body().collect().await.unwrap().to_bytes().to_vec())
    }

    /// Any request, answered in full: status, headers, bytes.
    async fn request(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        (status, headers, res.into_body().collect().await.unwrap().to_bytes().to_vec())
    }

    /// Signs in through the page and answers the session cookie (`name=value`).
    async fn page_session(&self, username: &str) -> String {
        let login = Request::builder()
            .method("POST")
            .uri("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "username={username}&password={}",
                PASSWORD.replace(' ', "+")
            )))
            .unwrap();
        let (_, headers, _) = self.request(login).await;
        headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
    }

    fn advance(&self, d: time::Duration) {
        *self.now.lock().unwrap() += d;
    }
}

macro_rules! both {
    ($($scenario:ident),+ $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(super::sqlite_app().await).await;
                }
            )+
        }
        mod on_postgres {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(super::pg_app().await).await;
                }
            )+
        }
    };
}

both!(
    tokens_are_given_for_good_credentials_only,
    a_check_decides_by_the_rules,
    crossings_are_recorded_once,
    history_is_nationwide_newest_first_and_audited,
    watchlist_hits_decide_alert_and_can_be_dismissed,
    a_check_explains_the_listings_it_held_back,
    roles_and_checkpoints_are_enforced,
    procedures_are_public_and_agencies_register,
    permits_are_issued_scanned_and_revoked,
    a_crew_gets_its_shore_passes_from_the_approved_dossier,
    a_dossier_goes_from_filing_to_decision,
    a_refusal_is_kept_but_is_not_a_crossing,
    a_border_pass_is_stamped_once_in_ten_days,
    history_finds_part_of_a_name_pages_and_exports,
    the_watchlist_is_searched_edited_and_exported,
    alerts_are_paged_and_decided_with_a_note,
    accounts_and_devices_are_managed_in_the_browser,
    the_audit_trail_is_searched_by_person_user_action_and_period,
    a_border_pass_is_read_at_the_desk_by_its_barcode,
);

/// A TD3 passport MRZ for tests, valid unless changed.
#[path = "api/desk.rs"]
mod desk;
use desk::{
    a_border_pass_is_read_at_the_desk_by_its_barcode, a_border_pass_is_stamped_once_in_ten_days,
    a_refusal_is_kept_but_is_not_a_crossing, history_finds_part_of_a_name_pages_and_exports,
};
#[path = "api/lists.rs"]
mod lists;
use lists::{
    alerts_are_paged_and_decided_with_a_note, the_watchlist_is_searched_edited_and_exported,
};
#[path = "api/admin.rs"]
mod admin;
use admin::{
    accounts_and_devices_are_managed_in_the_browser,
    the_audit_trail_is_searched_by_person_user_action_and_period,
};
#[path = "api/hostile.rs"]
mod hostile;
#[path = "api/matrix.rs"]
mod matrix;
#[path = "api/trust.rs"]
mod trust;

fn passport(
    surname: &str,
    given: &str,
    number: &str,
    birth: (u16, u8, u8),
    expiry: (u16, u8, u8),
) -> String {
    mrz::build(&mrz::Fields {
        format: mrz::Format::Td3,
        document_code: "P".into(),
        issuing_state: "VNM".into(),
        surname: surname.into(),
        given_names: given.into(),
        document_number: number.into(),
        nationality: "VNM".into(),
        birth_date: mrz::Date::new(birth.0, birth.1, birth.2),
        sex: mrz::Sex::Male,
        expiry_date: mrz::Date::new(expiry.0, expiry.1, expiry.2),
        optional_data: String::new(),
        optional_data_2: String::new(),
    })
    .unwrap()
}

/// The permits' keys opened, and a border pass issued at Móng Cái by its commander: the
/// commander's token, the pass's seal (base64) and its id.
async fn border_pass_issued<S: Store>(t: &TestApp<S>) -> (String, String, String) {
    let pass =
        Arc::new(seal::locked::Passphrase::new("test passphrase, long enough".into()).unwrap());
    server::permits::keys::init(&t.app.store, &pass, NOW).await.unwrap();
    assert!(t.app.open_keys(&pass).await.unwrap());
    let commander = t.token("commander.mc").await;
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/permits",
            Some(&commander),
            Some(json!({"type": "border_pass", "checkpoint": "MONG-CAI",
                "holder": {"family_name": "Lý", "given_names": "Thị Hoa", "nationality": "VNM",
                    "birth_date": "1972-08-09", "document_number": "QN7654321"},
                "valid_from": "2026-11-25", "valid_until": "2027-05-24"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let seal = body["seal_base64"].as_str().unwrap().to_string();
    (commander, seal, body["id"].as_str().unwrap().to_string())
}

fn duc() -> String {
    passport("NGUYEN", "VAN DUC", "C1234567", (1985, 3, 12), (2031, 1, 1))
}

fn check_body(checkpoint: &str, direction: &str, mrz: &str) -> Value {
    json!({"checkpoint": checkpoint, "direction": direction, "document": {"mrz": mrz}})
}

fn crossing(id: &str, direction: &str, mrz: &str) -> Value {
    json!({"id": id, "checkpoint": "MONG-CAI", "direction": direction, "document": {"mrz": mrz}, "channel": "manual"})
}

fn codes(v: &Value) -> Vec<String> {
    v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

async fn tokens_are_given_for_good_credentials_only<S: Store>(t: TestApp<S>) {
    let token = t.token("officer.mc").await;
    let (status, me) = t.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["actor"]["username"], "officer.mc");
    assert_eq!(me["actor"]["checkpoint"], "MONG-CAI");

    let bad = json!({"username": "officer.mc", "password": "wrong password!"});
    let (status, body) = t.call("POST", "/api/v1/auth/token", None, Some(bad.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "bad_credentials");
    for _ in 0..4 {
        t.call("POST", "/api/v1/auth/token", None, Some(bad.clone())).await;
    }
    let good = json!({"username": "officer.mc", "password": PASSWORD});
    let (status, body) = t.call("POST", "/api/v1/auth/token", None, Some(good)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "too_many_attempts");

    let (status, body) = t.call("GET", "/api/v1/me", None, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (status, _) = t.call("GET", "/api/v1/me", Some("forged"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) =
        t.call("POST", "/api/v1/auth/token", None, Some(json!({"user": "x"}))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_json"))
    );
    // Tokens expire.
    t.advance(time::Duration::hours(13));
    let (status, _) = t.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_check_decides_by_the_rules<S: Store>(t: TestApp<S>) {
    let officer = t.token("officer.mc").await;
    let (status, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "exit", &duc())),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["decision"], "clear");
    assert_eq!(v["traveller"]["surname"], "NGUYEN");
    assert_eq!(v["traveller"]["birth_date"], "1985-03-12");
    assert_eq!(v["recent_crossings"], json!([]));

    let expired = passport("NGUYEN", "VAN DUC", "C1234567", (1985, 3, 12), (2026, 11, 24));
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "exit", &expired)),
        )
        .await;
    assert_eq!(
        (v["decision"].as_str(), codes(&v)),
        (Some("deny"), vec!["document_expired".to_string()])
    );

    // One check digit wrong: the document is read, and referred.
    let mut lines: Vec<String> = duc().lines().map(str::to_string).collect();
    let mut line2: Vec<char> = lines[1].chars().collect();
    line2[19] = if line2[19] == '1' { '2' } else { '1' };
    lines[1] = line2.into_iter().collect();
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "exit", &lines.join("\n"))),
        )
        .await;
    assert_eq!(v["decision"], "refer", "{v}");
    assert!(codes(&v).iter().any(|c| c.ends_with("check_digit")), "{v}");

    let (status, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "exit", "HELLO")),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unreadable_document")),
        "{v}"
    );

    // Fields typed by hand; a border pass of another province.
    let pass = json!({"checkpoint": "MONG-CAI", "direction": "entry", "document": {
        "type": "border_pass", "number": "BP123456", "issuing_state": "VNM", "surname": "Lò",
        "given_names": "Văn Pá", "birth_date": "1970-01-01", "sex": "M", "expiry_date": "2027-01-01",
        "issuing_area": "Lào Cai"}});
    let (status, v) = t.call("POST", "/api/v1/control/check", Some(&officer), Some(pass)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["decision"].as_str(), codes(&v)),
        (Some("deny"), vec!["border_pass_wrong_area".to_string()])
    );
    let bad = json!({"checkpoint": "MONG-CAI", "direction": "entry", "document": {"type": "passport", "number": "X1"}});
    let (status, v) = t.call("POST", "/api/v1/control/check", Some(&officer), Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"].as_str().unwrap().contains("issuing_state"), "{v}");
    let (status, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "sideways", &duc())),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
}

async fn crossings_are_recorded_once<S: Store>(t: TestApp<S>) {
    let officer = t.token("officer.mc").await;
    let id = "0b7e3f0e-5a53-4c53-9a8e-2f3d6c1b9a01";
    let body = crossing(id, "exit", &duc());
    let (status, first) =
        t.call("POST", "/api/v1/crossings", Some(&officer), Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!((first["id"].as_str(), first["decision"].as_str()), (Some(id), Some("clear")));
    assert_eq!(first["channel"], "manual");
    let (status, again) = t.call("POST", "/api/v1/crossings", Some(&officer), Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, first);
    let other = crossing(id, "entry", &duc());
    let (status, v) = t.call("POST", "/api/v1/crossings", Some(&officer), Some(other)).await;
    assert_eq!((status, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("id_conflict")));
    let (status, v) = t
        .call(
            "POST",
            "/api/v1/crossings",
            Some(&officer),
            Some(crossing("not-a-uuid", "exit", &duc())),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_id"))
    );

    // A second exit with no entry between is referred.
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "exit", &duc())),
        )
        .await;
    assert_eq!(
        (v["decision"].as_str(), codes(&v)),
        (Some("refer"), vec!["exit_without_entry".to_string()])
    );
    assert_eq!(v["recent_crossings"][0]["id"], id);

    // A batch answers per item.
    let mai = passport("TRAN", "THI MAI", "C7654321", (1990, 7, 1), (2030, 1, 1));
    let items = json!([
        crossing("1b7e3f0e-5a53-4c53-9a8e-2f3d6c1b9a02", "entry", &mai),
        crossing(id, "exit", &duc()),
        crossing(id, "entry", &duc()),
        {"id": "2b7e3f0e-5a53-4c53-9a8e-2f3d6c1b9a03"},
        json!({"id": "3b7e3f0e-5a53-4c53-9a8e-2f3d6c1b9a04", "checkpoint": "HUU-NGHI", "direction": "entry", "document": {"mrz": mai}, "channel": "egate"}),
        json!({"id": "4b7e3f0e-5a53-4c53-9a8e-2f3d6c1b9a05", "checkpoint": "MONG-CAI", "direction": "exit", "document": {"mrz": mai}, "channel": "egate", "decision": "clear", "at": "2026-11-25T10:00:00+07:00"}),
    ]);
    let (status, v) = t.call("POST", "/api/v1/crossings/batch", Some(&officer), Some(items)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let statuses: Vec<u64> =
        v["results"].as_array().unwrap().iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [201, 200, 409, 400, 403, 201]);
    assert_eq!(v["results"][5]["record"]["at"], "2026-11-25T03:00:00Z");
    let too_many: Vec<Value> = (0..1001).map(|_| json!({})).collect();
    let (status, v) = t
        .call("POST", "/api/v1/crossings/batch", Some(&officer), Some(Value::Array(too_many)))
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("batch_too_large"))
    );
}

async fn history_is_nationwide_newest_first_and_audited<S: Store>(t: TestApp<S>) {
    let mc = t.token("officer.mc").await;

    let ids = [
        "10000000-0000-4000-8000-000000000001",
        "10000000-0000-4000-8000-000000000002",
        "10000000-0000-4000-8000-000000000003",
    ];
    t.call("POST", "/api/v1/crossings", Some(&mc), Some(crossing(ids[0], "exit", &duc()))).await;
    t.advance(time::Duration::days(2));
    let hn = t.token("officer.hn").await;
    let mut back = crossing(ids[1], "entry", &duc());
    back["checkpoint"] = json!("HUU-NGHI");
    let (status, _) = t.call("POST", "/api/v1/crossings", Some(&hn), Some(back)).await;
    assert_eq!(status, StatusCode::CREATED);
    t.advance(time::Duration::days(1));
    let mc = t.token("officer.mc").await;
    let (status, _) = t
        .call("POST", "/api/v1/crossings", Some(&mc), Some(crossing(ids[2], "exit", &duc())))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let analyst = t.token("analyst").await;
    let (status, v) = t
        .call(
            "GET",
            "/api/v1/travellers/history?issuing_state=VNM&number=C1234567",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let got: Vec<&str> =
        v["crossings"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(got, [ids[2], ids[1], ids[0]]);
    assert_eq!(v["crossings"][1]["checkpoint"], "HUU-NGHI");
    assert_eq!(v["traveller"]["given_names"], "VAN DUC");
    let (status, v) = t.call("GET", "/api/v1/travellers/history?name=Nguy%E1%BB%85n%20V%C4%83n%20%C4%90%E1%BB%A9c&birth_date=1985-03-12", Some(&analyst), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["matches"][0]["crossings"].as_array().unwrap().len(), 3);
    let (status, _) = t
        .call(
            "GET",
            "/api/v1/travellers/history?issuing_state=VNM&number=NOBODY1",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.call("GET", "/api/v1/travellers/history", Some(&analyst), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let audit = t.app.store.audit_records(0, 1000).await.unwrap();
    assert!(
        audit.iter().any(|r| r.action == "history.read"
            && r.actor == "user:analyst"
            && r.subject == "traveller:VNM/C1234567"),
        "{audit:?}"
    );
    assert_eq!(store::verify_audit(&t.app.store).await.unwrap(), Ok(audit.len() as u64));
}

/// A listing whose whole name matches but is common, with no date of birth, is not a hit; a
/// caller who asks (`explain`) is given it with the reason, and the read is audited.
async fn a_check_explains_the_listings_it_held_back<S: Store>(t: TestApp<S>) {
    let analyst = t.token("analyst").await;
    let officer = t.token("officer.mc").await;
    let entry = |birth_date: Value| {
        json!({"name": "Nguyễn Văn Đức", "aliases": [], "birth_date": birth_date,
            "nationality": "VNM", "sex": "M", "documents": [], "action": "deny",
            "reason": "wanted", "valid_until": null})
    };
    for year in 1960..1972 {
        let (status, v) = t
            .call(
                "POST",
                "/api/v1/watchlist",
                Some(&analyst),
                Some(entry(json!(format!("{year}-01-01")))),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let (_, v) =
        t.call("POST", "/api/v1/watchlist", Some(&analyst), Some(entry(Value::Null))).await;
    let undated = v["id"].as_str().unwrap().to_string();

    let (status, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "exit", &duc())),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["decision"].as_str(), v["watchlist_hits"].clone()),
        (Some("clear"), json!([])),
        "{v}"
    );
    assert!(v.get("held_back").is_none(), "{v}");

    let mut asked = check_body("MONG-CAI", "exit", &duc());
    asked["explain"] = json!(true);
    let (status, v) = t.call("POST", "/api/v1/control/check", Some(&officer), Some(asked)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["decision"], "clear", "held back is not a hit: {v}");
    let held = v["held_back"].as_array().unwrap_or_else(|| panic!("{v}"));
    assert_eq!(held.len(), 1, "{v}");
    assert_eq!(held[0]["entry_id"], undated.as_str());
    assert!(held[0]["reasons"][0].as_str().unwrap().starts_with("held back: a common name"), "{v}");
    assert!(
        held[0]["reasons_vi"][0].as_str().unwrap().starts_with("không báo: tên phổ biến"),
        "{v}"
    );
    let mut wrong = check_body("MONG-CAI", "exit", &duc());
    wrong["explain"] = json!("yes");
    let (status, _) = t.call("POST", "/api/v1/control/check", Some(&officer), Some(wrong)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let audit = t.app.store.audit_records(0, 1000).await.unwrap();
    let reads = |audit: &[store::AuditRecord]| {
        audit
            .iter()
            .filter(|r| {
                r.action == "watchlist.read"
                    && r.actor == "user:officer.mc"
                    && r.subject == format!("watch:{undated}")
            })
            .count()
    };
    assert_eq!(reads(&audit), 1, "{audit:?}");

    // At the desk: a button asks for them; the listing is shown, in the page's language, only
    // then, and the showing is audited like the API's.
    let cookie = format!("{}; bp_lang=vi", t.page_session("officer.mc").await);
    let (_, desk) = desk::page(&t, "GET", "/desk", &cookie, "").await;
    let csrf = desk::hidden(&desk, "csrf");
    let mrz = duc();
    let form = |explain: bool| {
        let mut pairs = vec![("csrf", csrf.as_str()), ("direction", "exit"), ("mrz", mrz.as_str())];
        if explain {
            pairs.push(("explain", "1"));
        }
        desk::form_encode(&pairs)
    };
    let (status, checked) = desk::page(&t, "POST", "/desk/check", &cookie, &form(false)).await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert!(checked.contains(r#"name="explain" value="1""#), "{checked}");
    assert!(!checked.contains(&undated), "{checked}");
    let (status, shown) = desk::page(&t, "POST", "/desk/check", &cookie, &form(true)).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert!(shown.contains("Không báo: trùng cả tên"), "{shown}");
    assert!(shown.contains(&undated), "{shown}");
    assert!(shown.contains("không báo: tên phổ biến"), "{shown}");
    assert!(!shown.contains("held back: a common name"), "{shown}");
    let audit = t.app.store.audit_records(0, 1000).await.unwrap();
    assert_eq!(reads(&audit), 2, "{audit:?}");
}

async fn watchlist_hits_decide_alert_and_can_be_dismissed<S: Store>(t: TestApp<S>) {
    let analyst = t.token("analyst").await;
    let officer = t.token("officer.mc").await;
    let commander = t.token("commander.mc").await;
    let entry = json!({"name": "Nguyễn Văn Đức", "aliases": ["Đức Béo"], "birth_date": "1985-03-12",
        "nationality": "VNM", "sex": "M", "documents": [], "action": "deny", "reason": "wanted", "valid_until": null});
    let (status, v) =
        t.call("POST", "/api/v1/watchlist", Some(&officer), Some(entry.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, v) =
        t.call("POST", "/api/v1/watchlist", Some(&analyst), Some(entry.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let entry_id = v["id"].as_str().unwrap().to_string();

    let (_, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "exit", &duc())),
        )
        .await;
    assert_eq!(v["decision"], "deny", "{v}");
    assert_eq!(v["watchlist_hits"][0]["entry_id"], entry_id.as_str());
    assert_eq!(v["watchlist_hits"][0]["action"], "deny");
    // The check alone raises nothing.
    let (_, v) = t.call("GET", "/api/v1/alerts?status=open", Some(&commander), None).await;
    assert_eq!(v["alerts"], json!([]));

    let (status, _) = t
        .call(
            "POST",
            "/api/v1/crossings",
            Some(&officer),
            Some(crossing("20000000-0000-4000-8000-000000000001", "exit", &duc())),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, v) = t.call("GET", "/api/v1/alerts?status=open", Some(&commander), None).await;
    assert_eq!(status, StatusCode::OK);
    let alerts = v["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{v}");
    assert_eq!(alerts[0]["entry_id"], entry_id.as_str());
    let alert_id = alerts[0]["id"].as_i64().unwrap();
    let (status, _) = t.call("GET", "/api/v1/alerts?status=open", Some(&officer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, v) = t.call("GET", "/api/v1/alerts", Some(&analyst), None).await;
    assert_eq!(v["alerts"].as_array().unwrap().len(), 1);

    let (status, v) =
        t.call("POST", &format!("/api/v1/alerts/{alert_id}/dismiss"), Some(&commander), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "dismissed");
    let (status, _) =
        t.call("POST", &format!("/api/v1/alerts/{alert_id}/confirm"), Some(&commander), None).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Dismissed for this traveller: shown, no longer deciding, no new alert.
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "entry", &duc())),
        )
        .await;
    assert_eq!(v["decision"], "clear", "{v}");
    assert_eq!(v["watchlist_hits"][0]["dismissed"], true);
    t.call(
        "POST",
        "/api/v1/crossings",
        Some(&officer),
        Some(crossing("20000000-0000-4000-8000-000000000002", "entry", &duc())),
    )
    .await;
    let (_, v) = t.call("GET", "/api/v1/alerts?status=open", Some(&commander), None).await;
    assert_eq!(v["alerts"], json!([]));

    // Changing the entry takes effect at once; removing it too.
    let mut refer = entry.clone();
    refer["name"] = json!("Trần Thị Mai");
    let (status, _) =
        t.call("PUT", &format!("/api/v1/watchlist/{entry_id}"), Some(&analyst), Some(refer)).await;
    assert_eq!(status, StatusCode::OK);
    let mai = passport("TRAN", "THI MAI", "C7654321", (1985, 3, 12), (2030, 1, 1));
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "exit", &mai)),
        )
        .await;
    assert_eq!(v["decision"], "deny", "{v}");
    let (status, _) =
        t.call("DELETE", &format!("/api/v1/watchlist/{entry_id}"), Some(&analyst), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "exit", &mai)),
        )
        .await;
    assert_eq!(v["decision"], "clear", "{v}");
    let (status, v) = t
        .call(
            "POST",
            "/api/v1/watchlist",
            Some(&analyst),
            Some(json!({"name": "X Y", "action": "shoot"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
}

async fn roles_and_checkpoints_are_enforced<S: Store>(t: TestApp<S>) {
    let analyst = t.token("analyst").await;
    let admin = t.token("admin").await;
    let hn = t.token("officer.hn").await;
    for token in [&analyst, &admin, &hn] {
        let (status, v) = t
            .call(
                "POST",
                "/api/v1/control/check",
                Some(token),
                Some(check_body("MONG-CAI", "exit", &duc())),
            )
            .await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{v}"
        );
    }
    let (status, _) = t
        .call("GET", "/api/v1/travellers/history?issuing_state=VNM&number=C1", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = t.call("GET", "/api/v1/nothing-here", Some(&admin), None).await;
    assert_eq!((status, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, v) = t.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        v["paths"]["/control/check"].is_object() || v["paths"]["/api/v1/control/check"].is_object(),
        "{v}"
    );
    let (status, _) = t.call("GET", "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

fn registration(tax_code: &str, username: &str) -> Value {
    json!({
        "tax_code": tax_code, "name": "Đại lý tàu biển Vosco", "address": "Hải Phòng",
        "email": "ops@vosco.vn", "phone": "+84 225 3731 090",
        "username": username, "password": PASSWORD,
    })
}

async fn procedures_are_public_and_agencies_register<S: Store>(t: TestApp<S>) {
    let (status, body) = t.call("GET", "/api/v1/procedures", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let list = body["procedures"].as_array().unwrap();
    for code in ["vessel_entry", "vessel_exit", "vessel_transit", "vessel_port_shift"] {
        let p = list.iter().find(|p| p["code"] == code).unwrap();
        assert_eq!(p["deadline_minutes"], 120, "{code}");
        assert!(p["name_vi"].as_str().unwrap().starts_with("Thủ tục"));
    }
    let (_, spec) = t.call("GET", "/api/v1/openapi.json", None, None).await;
    for path in
        ["/procedures", "/agencies", "/dossiers", "/dossiers/{id}/decision", "/stats/dossiers"]
    {
        assert!(spec["paths"][path].is_object(), "{path} is not described");
    }

    // A wrong check digit is refused and nothing is stored.
    let (status, body) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0100109107", "agent.vosco")))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("check digit"));
    let (status, body) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0100109106", "agent.vosco")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let agency = body["id"].as_i64().unwrap();
    assert_eq!(body["tax_code"], "0100109106");
    let (status, _) =
        t.call("POST", "/api/v1/agencies", None, Some(registration("0100109106", "agent.x"))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Active at once: the account gets a token and adds its staff.
    let token = t.token("agent.vosco").await;
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/agencies/{agency}/users"),
            Some(&token),
            Some(json!({"username": "agent.vosco2", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let staff = t.token("agent.vosco2").await;
    let (status, body) =
        t.call("GET", &format!("/api/v1/agencies/{agency}"), Some(&staff), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let names: Vec<&str> =
        body["staff"].as_array().unwrap().iter().map(|s| s["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["agent.vosco", "agent.vosco2"]);
    assert!(body["staff"][0].get("password_hash").is_none());
    // Another agency's account is not this one's to touch.
    let (status, body) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0301442379-001", "agent.fpt")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let other = t.token("agent.fpt").await;
    let (status, _) =
        t.call("GET", &format!("/api/v1/agencies/{agency}"), Some(&other), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        t.call("POST", &format!("/api/v1/agencies/{agency}/close"), Some(&other), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        t.call("POST", &format!("/api/v1/agencies/{agency}/close"), Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.call("GET", "/api/v1/dossiers", Some(&staff), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a closed agency's staff are signed out");
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "agent.vosco", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // One address registers ten agencies an hour at most (three so far, the refused check
    // digit not counted); the eleventh waits, and stores nothing.
    for i in 4..=10 {
        let (status, _) = t
            .call(
                "POST",
                "/api/v1/agencies",
                None,
                Some(registration("0100109106", &format!("agent.n{i}"))),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "registration {i}");
    }
    let (status, body) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0101248141", "agent.late")))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "too_many_registrations");
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "agent.late", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

fn seafarer(family: &str, rank: &str, shore_leave: u8) -> Value {
    json!({
        "family_name": family, "given_names": "PETR", "rank": rank, "nationality": "RUS",
        "birth_date": "1970-03-01", "sex": "M", "document_type": "seafarer_book",
        "document_number": format!("RUS{}", family.len() * 1_000_003), "document_issuing_state": "RUS",
        "document_expiry": "2030-01-01", "shore_leave": shore_leave,
    })
}

fn entry_dossier(crew: Vec<Value>) -> Value {
    json!({
        "procedure": "vessel_entry", "checkpoint": "CANG-HAI-PHONG",
        "vessel": {"imo": "9074729", "name": "Vosco Star", "call_sign": "3WKZ", "flag": "VNM",
                   "gross_tonnage": 22000},
        "eta": "2026-11-25T12:00:00+07:00", "last_port": "SGSIN",
        "crew": crew, "passengers": [],
    })
}

async fn a_dossier_goes_from_filing_to_decision<S: Store>(t: TestApp<S>) {
    let (status, _) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0100109106", "agent.vosco")))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0301442379", "agent.fpt")))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let agent = t.token("agent.vosco").await;
    let other = t.token("agent.fpt").await;
    let officer = t.token("officer.hp").await;
    let commander = t.token("commander.hp").await;
    let analyst = t.token("analyst").await;

    // Every problem of both lists comes back at once, and nothing is filed.
    let mut bad =
        entry_dossier(vec![seafarer("PETROV", "Cook", 0), seafarer("Ivanov", "Master", 2)]);
    bad["passengers"] = json!([{"family_name": "DOE"}]);
    let (status, body) = t.call("POST", "/api/v1/dossiers", Some(&agent), Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let problems = body["error"]["problems"].as_array().unwrap();
    let at = |list: &str, row: u64, column: &str| {
        problems.iter().any(|p| p["list"] == list && p["row"] == row && p["column"] == column)
    };
    assert!(at("crew", 1, "rank"), "{problems:?}");
    assert!(at("crew", 2, "family_name"));
    assert!(at("crew", 2, "shore_leave"));
    assert!(at("passengers", 1, "birth_date"));
    // A bad vessel and port call do not hide the lists' problems: one refusal tells them all.
    let mut bad = entry_dossier(vec![seafarer("Ivanov", "Master", 0)]);
    bad["vessel"]["imo"] = json!("9074728");
    bad["vessel"]["flag"] = json!("Atlantis");
    bad["eta"] = json!("tomorrow");
    bad["next_port"] = json!("X");
    let (status, body) = t.call("POST", "/api/v1/dossiers", Some(&agent), Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_dossier");
    let problems = body["error"]["problems"].as_array().unwrap();
    let fields: Vec<&str> = problems.iter().filter_map(|p| p["field"].as_str()).collect();
    assert_eq!(fields, ["vessel.imo", "vessel.flag", "eta", "next_port"], "{problems:?}");
    assert!(problems.iter().all(|p| p["code"].is_string() && p["message"].is_string()));
    assert!(
        problems.iter().any(|p| p["list"] == "crew" && p["column"] == "family_name"),
        "{problems:?}"
    );
    let (_, list) = t.call("GET", "/api/v1/dossiers", Some(&agent), None).await;
    assert_eq!(list["dossiers"].as_array().unwrap().len(), 0);
    // Only port checkpoints take vessel dossiers.
    let mut land = entry_dossier(vec![seafarer("IVANOV", "Thuyền trưởng", 0)]);
    land["checkpoint"] = json!("MONG-CAI");
    let (status, _) = t.call("POST", "/api/v1/dossiers", Some(&agent), Some(land)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) =
        t.call("POST", "/api/v1/dossiers", Some(&officer), Some(entry_dossier(vec![]))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let id = "7b0e6d8e-2f4c-4c43-9d1e-6f0f3b1f2a10";
    let mut good =
        entry_dossier(vec![seafarer("IVANOV", "Thuyền trưởng", 0), seafarer("SANTOS", "Cook", 1)]);
    good["id"] = json!(id);
    let (status, body) = t.call("POST", "/api/v1/dossiers", Some(&agent), Some(good.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "submitted");
    assert_eq!(body["due_at"], "2026-11-25T05:00:00Z");
    // A retry files nothing twice.
    let (status, again) =
        t.call("POST", "/api/v1/dossiers", Some(&agent), Some(good.clone())).await;
    assert_eq!((status, &again["id"]), (StatusCode::OK, &json!(id)));
    let (status, _) = t.call("POST", "/api/v1/dossiers", Some(&other), Some(good)).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let path = format!("/api/v1/dossiers/{id}");
    let (status, _) = t.call("GET", &path, Some(&other), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another agency's dossier is not found");
    let (status, _) = t.call("GET", &path, Some(&t.token("officer.mc").await), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, queue) =
        t.call("GET", "/api/v1/dossiers?status=submitted,in_review", Some(&officer), None).await;
    let queue = queue["dossiers"].as_array().unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["vessel_name"], "VOSCO STAR");
    // The border guard sees the watchlist's hits beside each person; the agency never does.
    let wanted = json!({"name": "Santos Petr", "aliases": [], "birth_date": "1970-03-01",
        "nationality": "RUS", "sex": "M", "documents": [], "action": "refer", "reason": "smuggling",
        "valid_until": null});
    let (status, v) = t.call("POST", "/api/v1/watchlist", Some(&analyst), Some(wanted)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, d) = t.call("GET", &path, Some(&officer), None).await;
    assert_eq!(d["flags"]["shore_leave_requested"], 1);
    assert_eq!(d["flags"]["watchlist_hits"], 1, "{d}");
    assert_eq!(d["crew"][1]["family_name"], "SANTOS");
    assert_eq!(d["crew"][1]["watchlist_hits"][0]["action"], "refer");
    assert_eq!(d["crew"][0]["watchlist_hits"].as_array().map(Vec::len), Some(0));
    let (_, mine) = t.call("GET", &path, Some(&agent), None).await;
    assert!(
        mine["crew"][1].get("watchlist_hits").is_none()
            && mine["flags"].get("watchlist_hits").is_none()
    );

    // The officer may not decide, only ask for a supplement, with a reason.
    let decide = |decision: &str, note: Option<&str>| json!({"decision": decision, "note": note});
    let dpath = format!("{path}/decision");
    let (status, _) = t.call("POST", &dpath, Some(&officer), Some(decide("approve", None))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        t.call("POST", &dpath, Some(&officer), Some(decide("request_supplement", None))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    t.advance(time::Duration::minutes(30));
    let (status, d) = t
        .call(
            "POST",
            &dpath,
            Some(&officer),
            Some(decide("request_supplement", Some("passport numbers"))),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!((d["status"].as_str(), d["due_at"].is_null()), (Some("supplement_requested"), true));

    // The agency amends by spreadsheet: errors are listed by row and column, nothing changes.
    let csv = "Họ,Tên,Chức danh,Quốc tịch,Ngày sinh,Giới tính,Số giấy tờ,Quốc gia cấp,Ngày hết hạn,Đi bờ\n\
               IVANOV,PETR,Thuyền trưởng,RUS,01/03/1970,M,RUS7000001,RUS,01/01/2030,0\n\
               SANTOS,JOSE,Cook,Philippines,15/12/1988,M,P1234567A,PHL,31/05/2029,1\n\
               REYES,ANA,Steward,PHL,30/02/1990,F,P7654321B,PHL,31/05/2029,0\n";
    let upload = format!("{path}/crew");
    let (status, body) =
        t.send_raw("PUT", &upload, &agent, "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"][0]["row"], 4);
    assert_eq!(body["error"]["problems"][0]["column"], "Ngày sinh");
    let (_, d) = t.call("GET", &path, Some(&agent), None).await;
    assert_eq!(d["crew"].as_array().unwrap().len(), 2);
    let fixed = csv.replace("30/02/1990", "28/02/1990");
    let (status, d) =
        t.send_raw("PUT", &upload, &other, "text/csv", fixed.clone().into_bytes()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{d}");
    let (status, d) = t.send_raw("PUT", &upload, &agent, "text/csv", fixed.into_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["crew"].as_array().unwrap().len(), 3);
    assert_eq!(d["crew"][2]["birth_date"], "1990-02-28");
    // The same list as a workbook, sniffed by its signature; a bad cell names its column letter.
    let lines = fixed_rows(csv);
    let grid: Vec<Vec<&str>> = lines.iter().map(|r| r.split(',').collect()).collect();
    let mut bad_grid = grid.clone();
    bad_grid[2][5] = "X";
    let (status, body) = t
        .send_raw("PUT", &upload, &agent, "application/octet-stream", fal::write_xlsx(&bad_grid))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"][0]["column"], "F (Giới tính)");
    assert_eq!(body["error"]["problems"][0]["row"], 3);
    let (status, d) = t
        .send_raw("PUT", &upload, &agent, "application/octet-stream", fal::write_xlsx(&grid))
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["crew"].as_array().unwrap().len(), 3);

    // Back after five hours with the agency: ninety minutes of the two hours are left.
    t.advance(time::Duration::hours(5));
    let (status, d) = t.call("POST", &format!("{path}/submit"), Some(&agent), None).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["due_at"], "2026-11-25T10:00:00Z");
    let (status, _) = t.call("POST", &dpath, Some(&commander), Some(decide("reject", None))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a rejection needs its reason");
    t.advance(time::Duration::minutes(20));
    let (status, d) = t.call("POST", &dpath, Some(&commander), Some(decide("approve", None))).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!((d["status"].as_str(), d["on_time"].as_bool()), (Some("approved"), Some(true)));
    let (status, _) = t.call("POST", &format!("{path}/cancel"), Some(&agent), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "decided: too late to cancel");

    // The agency sees the result and the whole history.
    let (_, d) = t.call("GET", &path, Some(&agent), None).await;
    let steps: Vec<&str> =
        d["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        steps,
        ["submit", "request_supplement", "replace_crew", "replace_crew", "submit", "approve"]
    );

    let (status, stats) =
        t.call("GET", "/api/v1/stats/dossiers?period=day", Some(&analyst), None).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let row = &stats["rows"][0];
    assert_eq!((row["received"].as_u64(), row["resolved"].as_u64()), (Some(1), Some(1)));
    assert_eq!(row["on_time_share"], 1.0);
    assert_eq!(row["median_handling_minutes"], 50.0);
    assert_eq!(row["period"], "2026-11-25");
    let (status, _) = t.call("GET", "/api/v1/stats/dossiers", Some(&agent), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A CSV list's lines with the impossible date mended.
fn fixed_rows(csv: &str) -> Vec<String> {
    csv.replace("30/02/1990", "28/02/1990").lines().map(str::to_string).collect()
}

fn embarkation(holder_family: &str) -> Value {
    json!({
        "type": "embarkation", "checkpoint": "CANG-HAI-PHONG",
        "holder": {"family_name": holder_family, "given_names": "Văn An", "nationality": "VNM",
                   "birth_date": "1985-04-30", "document_number": "C1234567"},
        "valid_from": "2026-11-25", "valid_until": "2027-02-24",
    })
}

async fn permits_are_issued_scanned_and_revoked<S: Store>(t: TestApp<S>) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let commander = t.token("commander.hp").await;
    let officer = t.token("officer.hp").await;
    let far = t.token("officer.mc").await;
    // Before the keys are open, nothing is signed, and it says why.
    let (status, body) =
        t.call("POST", "/api/v1/permits", Some(&commander), Some(embarkation("Nguyễn"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "keys_not_open");
    let pass =
        Arc::new(seal::locked::Passphrase::new("test passphrase, long enough".into()).unwrap());
    server::permits::keys::init(&t.app.store, &pass, NOW).await.unwrap();
    assert!(t.app.open_keys(&pass).await.unwrap());

    let (status, body) =
        t.call("POST", "/api/v1/permits", Some(&commander), Some(embarkation("Nguyễn"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let seal_b64 = body["seal_base64"].as_str().unwrap().to_string();
    let bytes = b64.decode(&seal_b64).unwrap();
    let decoded = seal::decode(&bytes).unwrap();
    let data = seal::profile::PermitData::from_seal(&decoded).unwrap().unwrap();
    assert_eq!(data.name_mrz, "NGUYEN<<VAN<AN");
    assert_eq!(data.name, "Nguyễn Văn An");
    assert_eq!(data.checkpoint, "CANG-HAI-PHONG");

    // Who may issue, and what.
    let (status, _) =
        t.call("POST", "/api/v1/permits", Some(&officer), Some(embarkation("LE"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut shore = embarkation("SANTOS");
    shore["type"] = json!("shore_pass");
    shore["valid_until"] = json!("2026-11-28");
    let (status, body) =
        t.call("POST", "/api/v1/permits", Some(&commander), Some(shore.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a shore pass names its vessel: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("vessel_imo"));
    shore["vessel_imo"] = json!("9074729");
    shore["valid_until"] = json!("2027-01-05");
    let (status, body) = t.call("POST", "/api/v1/permits", Some(&commander), Some(shore)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a shore pass runs a month at most: {body}");
    let mut border = embarkation("LE");
    border["type"] = json!("border_pass");
    let (status, _) = t.call("POST", "/api/v1/permits", Some(&commander), Some(border)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a port does not issue border passes");

    // Read at its checkpoint, audited; not at another.
    let (status, body) =
        t.call("GET", &format!("/api/v1/permits/{id}"), Some(&officer), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["holder"]["document_number"], "C1234567");
    let (status, _) = t.call("GET", &format!("/api/v1/permits/{id}"), Some(&far), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for symbology in ["qr", "datamatrix"] {
        let uri = format!("/api/v1/permits/{id}/barcode.png?symbology={symbology}");
        let (status, kind, png) = t.get_bytes(&uri, &officer).await;
        assert_eq!((status, kind.as_str()), (StatusCode::OK, "image/png"));
        assert_eq!(seal::barcode::read_image(&png).unwrap(), bytes, "{symbology}");
    }
    let (status, _, _) =
        t.get_bytes(&format!("/api/v1/permits/{id}/barcode.png?symbology=aztec"), &officer).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The barcode carries the holder's data: each drawing of it is a read, audited.
    let audit = t.app.store.audit_records(0, 10_000).await.unwrap();
    let drawn = audit
        .iter()
        .filter(|r| r.action == "permit.barcode" && r.subject == format!("permit:{id}"))
        .count();
    assert_eq!(drawn, 2);

    // Scanned at the gangway: ashore, then aboard; elsewhere it is refused.
    let t = &t;
    let scan = |token: String, seal: String| async move {
        t.call("POST", "/api/v1/permits/verify", Some(&token), Some(json!({"seal_base64": seal})))
            .await
    };
    let (status, v) = scan(officer.clone(), seal_b64.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["valid"].clone(), v["movement"].clone()), (json!(true), json!("ashore")), "{v}");
    assert_eq!(v["permit"]["serial"], body["serial"]);
    assert_eq!(v["repeated"], false);
    // The same card scanned again at once: a double scan, answered and not recorded twice.
    let (_, v) = scan(officer.clone(), seal_b64.clone()).await;
    assert_eq!((v["movement"].clone(), v["repeated"].clone()), (json!("ashore"), json!(true)));
    // The other way chosen on purpose is a movement of its own, however soon.
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/permits/verify",
            Some(&officer),
            Some(json!({"seal_base64": seal_b64, "direction": "aboard"})),
        )
        .await;
    assert_eq!((v["movement"].clone(), v["repeated"].clone()), (json!("aboard"), json!(false)));
    // A minute later, the opposite of the last: the holder going ashore again.
    t.advance(time::Duration::seconds(61));
    let (_, v) = scan(officer.clone(), seal_b64.clone()).await;
    assert_eq!((v["movement"].clone(), v["repeated"].clone()), (json!("ashore"), json!(false)));
    let (_, v) = scan(far.clone(), seal_b64.clone()).await;
    assert_eq!(
        (v["valid"].clone(), v["reason"].clone()),
        (json!(false), json!("wrong_checkpoint"))
    );
    assert_eq!(v["movement"], Value::Null);
    let mut forged = bytes.clone();
    forged[decoded.header_len + 4] ^= 0x20;
    let (_, v) = scan(officer.clone(), b64.encode(&forged)).await;
    assert_eq!(v["reason"], "bad_signature", "{v}");
    // A forged seal names nobody to compare the person with.
    assert_eq!(v["permit"], Value::Null, "{v}");
    let (_, v) = scan(officer.clone(), "%%%".into()).await;
    assert_eq!(v["reason"], "unreadable");
    // A permit whose days are over (a card issued again for its record) is refused as expired;
    // one that has not begun, as not yet valid.
    for (from, until, reason) in
        [("2026-01-01", "2026-03-01", "expired"), ("2026-12-01", "2027-01-01", "not_yet_valid")]
    {
        let mut old = embarkation("VO");
        old["valid_from"] = json!(from);
        old["valid_until"] = json!(until);
        let (status, body) = t.call("POST", "/api/v1/permits", Some(&commander), Some(old)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (_, v) = scan(officer.clone(), body["seal_base64"].as_str().unwrap().into()).await;
        assert_eq!((v["valid"].clone(), v["reason"].clone()), (json!(false), json!(reason)), "{v}");
        assert_eq!(v["movement"], Value::Null);
    }
    let (_, body) = t.call("GET", &format!("/api/v1/permits/{id}"), Some(&officer), None).await;
    // Ashore, aboard on purpose, ashore again: the double scan recorded nothing.
    assert_eq!(body["movements"].as_array().unwrap().len(), 3);

    // Revoked by the commander: the list is signed anew and the next scan says so.
    let (status, _) =
        t.call("POST", &format!("/api/v1/permits/{id}/revoke"), Some(&officer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/permits/{id}/revoke"),
            Some(&commander),
            Some(json!({"reason": "lost"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revoked"]["reason"], "lost");
    let (_, v) = scan(officer.clone(), seal_b64.clone()).await;
    assert_eq!((v["valid"].clone(), v["reason"].clone()), (json!(false), json!("revoked")));
    let (status, _) =
        t.call("POST", &format!("/api/v1/permits/{id}/revoke"), Some(&commander), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // An offline verifier with the exported store agrees.
    let dir = tempfile::tempdir().unwrap();
    server::permits::keys::export(&t.app.store, dir.path()).await.unwrap();
    let offline = seal::TrustStore::load(dir.path()).unwrap();
    let v = seal::profile::verify_permit(&offline, &bytes, NOW);
    assert_eq!(v.verdict.reason, Some(seal::Reason::Revoked));

    // A rotated signer: new permits carry the successor's reference; old ones still verify.
    let (_, second) =
        t.call("POST", "/api/v1/permits", Some(&commander), Some(embarkation("TRAN"))).await;
    let hp = domain::CheckpointCode::parse("CANG-HAI-PHONG").unwrap();
    let reference = server::permits::keys::rotate(&t.app.store, &pass, &hp, NOW).await.unwrap();
    assert!(t.app.open_keys(&pass).await.unwrap());
    let (_, third) =
        t.call("POST", "/api/v1/permits", Some(&commander), Some(embarkation("PHAM"))).await;
    assert_eq!(third["signer"], reference);
    assert_ne!(second["signer"], third["signer"]);
    let (_, v) = scan(officer.clone(), second["seal_base64"].as_str().unwrap().into()).await;
    assert_eq!(v["valid"], true, "{v}");
}

async fn a_crew_gets_its_shore_passes_from_the_approved_dossier<S: Store>(t: TestApp<S>) {
    let (status, _) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0100109106", "agent.vosco")))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let agent = t.token("agent.vosco").await;
    let commander = t.token("commander.hp").await;
    let pass =
        Arc::new(seal::locked::Passphrase::new("test passphrase, long enough".into()).unwrap());
    server::permits::keys::init(&t.app.store, &pass, NOW).await.unwrap();
    assert!(t.app.open_keys(&pass).await.unwrap());
    let mut local = seafarer("NGUYEN", "Bosun", 1);
    local["nationality"] = json!("VNM");
    let mut crew =
        vec![seafarer("IVANOV", "Thuyền trưởng", 0), local, seafarer("PETROV", "Cook", 1)];
    crew.extend((0..27).map(|i| {
        let mut p = seafarer("SIDOROV", "Able seaman", 1);
        p["document_number"] = json!(format!("RUS{:07}", 500 + i));
        p
    }));
    let mut dossier = entry_dossier(crew);
    dossier["etd"] = json!("2026-11-28T18:00:00+07:00");
    let (status, body) = t.call("POST", "/api/v1/dossiers", Some(&agent), Some(dossier)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let passes = format!("/api/v1/dossiers/{id}/permits");
    let (status, _) = t.call("POST", &passes, Some(&commander), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "not before the dossier is approved");
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/dossiers/{id}/decision"),
            Some(&commander),
            Some(json!({"decision": "approve"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = t.call("POST", &passes, Some(&agent), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the agency does not issue permits");
    let (status, body) = t.call("POST", &passes, Some(&commander), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let issued = body["permits"].as_array().unwrap();
    // The foreign crew who asked: 28 of 30 (the master did not ask; a Vietnamese needs none).
    assert_eq!(issued.len(), 28);
    assert!(issued.iter().all(|p| p["type"] == "shore_pass"
        && p["valid_until"] == "2026-11-28"
        && p["vessel_imo"] == "9074729"
        && p["dossier_id"] == id.as_str()));
    // Once each: asking again issues nothing new.
    let (status, body) = t.call("POST", &passes, Some(&commander), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["permits"].as_array().unwrap().len(), 0);
    // Nobody waits now: still, only the commander may ask.
    for who in ["officer.hp", "analyst", "officer.mc", "commander.mc"] {
        let token = t.token(who).await;
        let (status, body) = t.call("POST", &passes, Some(&token), None).await;
        assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{who}: {body}");
        assert_ne!(status, StatusCode::OK, "{who}");
    }
    let (status, _) = t.call("POST", &passes, Some(&agent), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, list) =
        t.call("GET", &format!("/api/v1/permits?dossier={id}"), Some(&commander), None).await;
    assert_eq!(list["permits"].as_array().unwrap().len(), 28);
    // The crew's cards: one printable document, a page each.
    let (status, kind, pdf) =
        t.get_bytes(&format!("/api/v1/dossiers/{id}/permits/cards.pdf"), &commander).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf);
    let pages = |t: &str| {
        let t = t.replace("/Type /", "/Type/");
        t.match_indices("/Type/Page").filter(|(i, _)| !t[i + 10..].starts_with('s')).count()
    };
    assert_eq!(pages(&text), 28);
    let one = list["permits"][0]["id"].as_str().unwrap();
    let (status, kind, card) =
        t.get_bytes(&format!("/api/v1/permits/{one}/card.pdf"), &commander).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    assert_eq!(pages(&String::from_utf8_lossy(&card)), 1);
}

#[path = "api/egate.rs"]
mod egate;
