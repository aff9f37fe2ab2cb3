//! Every parser of the API fed extreme and malformed values — times and dates at the ends of
//! the calendar, lengths far past any field's, NUL and other controls, scripts and marks of
//! every kind, values of the wrong JSON type — then every stored record read back through
//! every reader: whatever was taken, each reader answers it, and the server starts again on it.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use super::*;

/// Values that have broken parsers somewhere, and the shapes around them.
fn hostile() -> impl Strategy<Value = Value> {
    let fixed = prop::sample::select(vec![
        json!(""),
        json!(" "),
        json!("\u{0}"),
        json!("a\u{0}b"),
        json!("\u{1}\u{7f}\u{9b}"),
        json!("\n\r\t"),
        json!("\u{202e}gnp.exe"),
        json!("\u{feff}\u{200b}"),
        json!("e\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}"),
        json!("𝕹𝖌𝖚𝖞𝖊𝖓 🇻🇳 👨‍👩‍👧"),
        json!("Нгуен Ван Дык"),
        json!("阮文德"),
        json!("0000-01-01T00:00:00+23:59"),
        json!("9999-12-31T23:59:59Z"),
        json!("-9999-01-01"),
        json!("9999-12-31"),
        json!("0000-00-00"),
        json!("2026-02-30"),
        json!("2026-11-25T03:00:00-23:59"),
        json!("2026-10-01T00:00:00Z"),
        json!("2026-11-26T03:00:00Z"),
        json!("1900-01-01T00:00:00Z"),
        json!("2199-12-31T23:59:59Z"),
        json!("2026-11-25T03:00:00.999999999+07:00"),
        json!("1e309"),
        json!(-1),
        json!(99_999_999_999_i64),
        json!(-9_223_372_036_854_775_808_i64),
        json!(1.5),
        json!(f64::MAX),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
        json!(["a", {"b": null}]),
        json!("%00%0a%0d"),
        json!("'; DROP TABLE crossings; --"),
        json!("<script>alert(1)</script>"),
        json!("../../etc/passwd"),
    ]);
    let long = (1usize..=4, prop::sample::select(vec!["A", "Đ", "𝕹", "\u{0}", " ", "ă\u{301}"]))
        .prop_map(|(k, unit)| json!(unit.repeat(10usize.pow(k as u32 + 1))));
    let any_text = any::<String>().prop_map(|s| json!(s));
    let dates = "[-+]?[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[-+][0-9]{2}:[0-9]{2}))?"
        .prop_map(|s| json!(s));
    prop_oneof![4 => fixed, 2 => long, 2 => any_text, 2 => dates]
}

/// A request that is right but for the one field the value goes into.
struct Target {
    method: &'static str,
    path: &'static str,
    who: &'static str,
    body: fn(u32) -> Value,
    /// Where the hostile value goes: a JSON pointer into the body, or `?name` for a query.
    at: &'static str,
}

fn targets() -> Vec<Target> {
    fn crossing_body(n: u32) -> Value {
        let mut c = json!({"id": format!("50000000-0000-4000-8000-{n:012}"), "checkpoint": "MONG-CAI",
            "direction": "entry", "channel": "egate",
            "document": {"type": "passport", "number": format!("H{n:07}"), "issuing_state": "VNM",
                         "surname": "HOANG", "given_names": "VAN NAM", "nationality": "VNM",
                         "birth_date": "1979-09-02", "sex": "M", "expiry_date": "2030-01-01"}});
        c["at"] = json!("2026-11-25T02:59:00Z");
        c
    }
    fn watch_body(_: u32) -> Value {
        json!({"name": "Hoàng Văn Nam", "aliases": ["Hoang Nam"], "birth_date": "1979", "nationality": "VNM",
               "sex": "M", "documents": [{"issuing_state": "VNM", "number": "H0000001"}],
               "action": "notify", "reason": "to watch", "valid_until": "2027-12-31"})
    }
    fn dossier_body(n: u32) -> Value {
        let mut d =
            entry_dossier(vec![seafarer("IVANOV", "Master", 0), seafarer("PETROV", "Cook", 1)]);
        d["id"] = json!(format!("51000000-0000-4000-8000-{n:012}"));
        d["etd"] = json!("2026-11-28T18:00:00+07:00");
        d["berth"] = json!("B4");
        d["declaration"] = json!({"voyage": "V12"});
        d
    }
    fn permit_body(_: u32) -> Value {
        embarkation("HOANG")
    }
    fn none(_: u32) -> Value {
        Value::Null
    }
    let t = |method, path, who, body, at| Target { method, path, who, body, at };
    vec![
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/at"),
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/id"),
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/decision"),
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/document/surname"),
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/document/given_names"),
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/document/number"),
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/document/birth_date"),
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/document/expiry_date"),
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/document/issuing_area"),
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/document/nationality"),
        t("POST", "/api/v1/crossings", "officer.mc", crossing_body, "/document/mrz"),
        t("POST", "/api/v1/crossings/batch", "officer.mc", |n| json!([crossing_body(n)]), "/0/at"),
        t("POST", "/api/v1/control/check", "officer.mc", crossing_body, "/document/surname"),
        t("POST", "/api/v1/watchlist", "analyst", watch_body, "/name"),
        t("POST", "/api/v1/watchlist", "analyst", watch_body, "/aliases/0"),
        t("POST", "/api/v1/watchlist", "analyst", watch_body, "/birth_date"),
        t("POST", "/api/v1/watchlist", "analyst", watch_body, "/reason"),
        t("POST", "/api/v1/watchlist", "analyst", watch_body, "/valid_until"),
        t("POST", "/api/v1/watchlist", "analyst", watch_body, "/documents/0/number"),
        t("POST", "/api/v1/dossiers", "agent.vosco", dossier_body, "/eta"),
        t("POST", "/api/v1/dossiers", "agent.vosco", dossier_body, "/etd"),
        t("POST", "/api/v1/dossiers", "agent.vosco", dossier_body, "/berth"),
        t("POST", "/api/v1/dossiers", "agent.vosco", dossier_body, "/vessel/name"),
        t("POST", "/api/v1/dossiers", "agent.vosco", dossier_body, "/crew/1/family_name"),
        t("POST", "/api/v1/dossiers", "agent.vosco", dossier_body, "/crew/1/birth_date"),
        t("POST", "/api/v1/dossiers", "agent.vosco", dossier_body, "/declaration/voyage"),
        t("POST", "/api/v1/permits", "commander.hp", permit_body, "/valid_until"),
        t("POST", "/api/v1/permits", "commander.hp", permit_body, "/holder/family_name"),
        t("POST", "/api/v1/permits", "commander.hp", permit_body, "/holder/birth_date"),
        t("GET", "/api/v1/stats/dossiers", "analyst", none, "?to"),
        t("GET", "/api/v1/stats/dossiers", "analyst", none, "?from"),
        t("GET", "/api/v1/travellers/history", "analyst", none, "?name"),
        t("GET", "/api/v1/alerts", "analyst", none, "?limit"),
    ]
}

/// Puts `value` at `pointer`, making the object it goes in where needed.
fn put(body: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let slot = if parent.is_empty() { Some(&mut *body) } else { body.pointer_mut(parent) };
    match slot {
        Some(Value::Object(m)) => {
            // An MRZ stands alone in a document.
            if key == "mrz" {
                m.clear();
            }
            m.insert(key.to_string(), value);
        }
        Some(Value::Array(a)) => {
            let i: usize = key.parse().unwrap();
            a[i] = value;
        }
        _ => panic!("no place {pointer}"),
    }
}

fn query_text(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out = String::new();
    for b in s.bytes().take(4_000) {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One hostile request: never a 500, never a dropped answer, an error always in its shape.
async fn one<S: Store>(
    t: &TestApp<S>,
    tokens: &std::collections::HashMap<&str, String>,
    target: &Target,
    value: Value,
    n: u32,
    stored: &Mutex<Vec<(String, String)>>,
) -> Result<(), TestCaseError> {
    let (uri, body) = match target.at.strip_prefix('?') {
        Some(name) => (format!("{}?{name}={}", target.path, query_text(&value)), None),
        None => {
            let mut body = (target.body)(n);
            put(&mut body, target.at, value.clone());
            (target.path.to_string(), Some(body))
        }
    };
    let (status, v) = t.call(target.method, &uri, Some(&tokens[target.who]), body.clone()).await;
    // What was stored, to read it back afterwards.
    if status == StatusCode::CREATED && target.path == "/api/v1/crossings" {
        let doc = &body.as_ref().unwrap()["document"];
        if let (Some(state), Some(number)) = (doc["issuing_state"].as_str(), doc["number"].as_str())
        {
            stored.lock().unwrap().push((state.to_string(), number.to_string()));
        }
    }
    prop_assert!(
        !status.is_server_error(),
        "{} {uri} {} = {value}: {status} {v}",
        target.method,
        target.at
    );
    if status.is_client_error() {
        prop_assert!(
            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
            "{status}: {v}"
        );
    }
    if let Some(items) = v["results"].as_array() {
        for r in items {
            prop_assert!(r["status"].as_u64().is_some_and(|s| s < 500), "{r}");
        }
    }
    Ok(())
}

async fn hostile_values_are_refused_and_what_is_stored_reads_back<S: Store>(t: TestApp<S>) {
    let (status, _) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0100109106", "agent.vosco")))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let pass =
        Arc::new(seal::locked::Passphrase::new("test passphrase, long enough".into()).unwrap());
    server::permits::keys::init(&t.app.store, &pass, NOW).await.unwrap();
    assert!(t.app.open_keys(&pass).await.unwrap());
    let mut tokens = std::collections::HashMap::new();
    for who in ["officer.mc", "analyst", "agent.vosco", "commander.hp"] {
        tokens.insert(who, t.token(who).await);
    }
    let targets = targets();
    let cases: u32 =
        std::env::var("BIENPHONG_HOSTILE_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(400);
    let mut runner =
        TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy = (0..targets.len(), hostile(), 0u32..1_000_000);
    // The runner is synchronous; each case is driven on this test's runtime.
    let handle = tokio::runtime::Handle::current();
    let stored = Mutex::new(Vec::new());
    let result = tokio::task::block_in_place(|| {
        runner.run(&strategy, |(i, value, n)| {
            handle.block_on(one(&t, &tokens, &targets[i], value, n, &stored))
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let stored = stored.into_inner().unwrap();
    read_everything_back(&t, &tokens, &stored).await;
}

/// Every reader over every stored record: histories, the watchlist, alerts, dossiers, permits,
/// the pages that show them, a fresh start of the server, the audit trail.
async fn read_everything_back<S: Store>(
    t: &TestApp<S>,
    tokens: &std::collections::HashMap<&str, String>,
    stored: &[(String, String)],
) {
    let analyst = &tokens["analyst"];
    let ok = |what: String, status: StatusCode, v: &Value| {
        assert!(status.is_success(), "{what}: {status} {v}");
    };
    let entries = t.app.store.watch_entries(None, 10_000).await.unwrap();
    for e in &entries {
        let (status, v) =
            t.call("GET", &format!("/api/v1/watchlist/{}", e.id), Some(analyst), None).await;
        ok(format!("watchlist {}", e.id), status, &v);
    }
    for page in [
        "/api/v1/alerts?limit=1000",
        "/api/v1/dossiers?limit=1000",
        "/api/v1/permits",
        "/api/v1/stats/dossiers",
    ] {
        let (status, v) = t.call("GET", page, Some(analyst), None).await;
        ok(page.to_string(), status, &v);
        if let Some(list) = v["dossiers"].as_array() {
            for d in list {
                let id = d["id"].as_str().unwrap();
                let (status, v) =
                    t.call("GET", &format!("/api/v1/dossiers/{id}"), Some(analyst), None).await;
                ok(format!("dossier {id}"), status, &v);
            }
        }
    }
    // What was stored lies where the edge lets it: within the window around the clock.
    let fmt = time::format_description::well_known::Rfc3339;
    for (state, number) in stored {
        let uri = format!("/api/v1/travellers/history?issuing_state={state}&number={number}");
        let (status, v) = t.call("GET", &uri, Some(analyst), None).await;
        ok(uri, status, &v);
        for c in v["crossings"].as_array().unwrap() {
            let at = OffsetDateTime::parse(c["at"].as_str().unwrap(), &fmt).unwrap();
            assert!(
                at >= NOW - domain::bounds::CROSSING_PAST
                    && at <= NOW + domain::bounds::CROSSING_FUTURE,
                "{c}"
            );
        }
    }
    let (status, v) = t
        .call("GET", "/api/v1/travellers/history?name=HOANG%20VAN%20NAM", Some(analyst), None)
        .await;
    ok("history by name".into(), status, &v);
    // The pages that show them, signed in as the analyst.
    let login = Request::builder()
        .method("POST")
        .uri("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("username=analyst&password={}", PASSWORD.replace(' ', "+"))))
        .unwrap();
    let (_, headers, _) = t.request(login).await;
    let cookie = headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    for page in [
        "/history?name=HOANG+VAN+NAM",
        "/watchlist",
        "/alerts?status=all",
        "/dossiers",
        "/permits",
        "/stats",
        "/board",
    ] {
        let req =
            Request::builder().uri(page).header("cookie", &cookie).body(Body::empty()).unwrap();
        let (status, _, body) = t.request(req).await;
        assert!(status.is_success(), "{page}: {status} {}", String::from_utf8_lossy(&body));
    }
    // A fresh start reads the whole watchlist into its index.
    let clock: server::Clock = Arc::new(|| NOW);
    server::build(t.app.store.clone(), &server::Options::default(), clock).await.unwrap();
    assert!(store::verify_audit(&t.app.store).await.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_values_on_sqlite() {
    hostile_values_are_refused_and_what_is_stored_reads_back(sqlite_app().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_values_on_postgres() {
    hostile_values_are_refused_and_what_is_stored_reads_back(pg_app().await).await;
}

/// What the API answers stays within the years it takes: the statistics' default month before
/// a `to` in January 1900, or a `to` on the last day of 2199, are cut at those years' edges.
#[tokio::test]
async fn the_statistics_range_stays_within_the_years() {
    let t = sqlite_app().await;
    let analyst = t.token("analyst").await;
    for (query, from, to) in [
        ("to=1900-01-01", "1900-01-01T00:00:00+07:00", "1900-01-02T00:00:00+07:00"),
        (
            "from=2199-12-01&to=2199-12-31",
            "2199-12-01T00:00:00+07:00",
            "2199-12-31T23:59:59.999+07:00",
        ),
    ] {
        let (status, v) =
            t.call("GET", &format!("/api/v1/stats/dossiers?{query}"), Some(&analyst), None).await;
        assert_eq!(status, StatusCode::OK, "{query}: {v}");
        assert_eq!((v["from"].as_str(), v["to"].as_str()), (Some(from), Some(to)), "{query}: {v}");
    }
}
