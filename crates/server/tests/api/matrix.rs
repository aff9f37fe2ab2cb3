//! Who may do what, as a table: every route of the API, called by every kind of caller, on
//! both databases. A caller the table allows is never refused for want of a right (401 or
//! 403); any other is refused (401 without a token, else 403, or 404 where the record is not
//! theirs to see); nobody ever gets a 500.

use super::*;

both!(every_route_answers_every_caller_by_the_table);

const WHO: &[&str] = &[
    "anonymous",
    "agent.vosco",
    "officer.mc",
    "commander.mc",
    "officer.hp",
    "commander.hp",
    "analyst",
    "admin",
    "device.mc",
];

const PUBLIC: &[&str] = WHO;
const SIGNED_IN: &[&str] = &[
    "agent.vosco",
    "officer.mc",
    "commander.mc",
    "officer.hp",
    "commander.hp",
    "analyst",
    "admin",
    "device.mc",
];
const AT_MONG_CAI: &[&str] = &["officer.mc", "commander.mc", "device.mc"];
const HISTORY: &[&str] = &["officer.mc", "commander.mc", "officer.hp", "commander.hp", "analyst"];
const WATCHLIST: &[&str] = &["analyst", "admin"];
const ALERTS: &[&str] = &["commander.mc", "commander.hp", "analyst"];
const ALERT_AT_MONG_CAI: &[&str] = &["commander.mc", "analyst"];
const AGENCY: &[&str] = &["agent.vosco", "admin"];
const AGENT: &[&str] = &["agent.vosco"];
const DOSSIERS: &[&str] = &[
    "agent.vosco",
    "officer.mc",
    "commander.mc",
    "officer.hp",
    "commander.hp",
    "analyst",
    "admin",
];
const DOSSIER_AT_HAI_PHONG: &[&str] =
    &["agent.vosco", "officer.hp", "commander.hp", "analyst", "admin"];
const REVIEW_AT_HAI_PHONG: &[&str] = &["officer.hp", "commander.hp"];
const BORDER_GUARD: &[&str] =
    &["officer.mc", "commander.mc", "officer.hp", "commander.hp", "analyst", "admin"];
const COMMANDER_HP: &[&str] = &["commander.hp"];
const VERIFY: &[&str] =
    &["officer.mc", "commander.mc", "officer.hp", "commander.hp", "analyst", "admin", "device.mc"];
const PERMIT_AT_HAI_PHONG: &[&str] = &["officer.hp", "commander.hp", "analyst", "admin"];
const ADMIN: &[&str] = &["admin"];
const NODES: &[&str] = &["analyst", "admin"];
const GATE_MC: &[&str] = &["device.mc"];
const GATE_BOARD: &[&str] = &["commander.mc", "commander.hp", "analyst"];
const GATE_BOARD_MC: &[&str] = &["commander.mc", "analyst"];
const GATE_SETTINGS: &[&str] = &["commander.mc", "commander.hp"];

struct Route {
    method: &'static str,
    path: &'static str,
    body: Option<Value>,
    allowed: &'static [&'static str],
}

fn r(
    method: &'static str,
    path: &'static str,
    body: Option<Value>,
    allowed: &'static [&'static str],
) -> Route {
    Route { method, path, body, allowed }
}

async fn every_route_answers_every_caller_by_the_table<S: Store>(t: TestApp<S>) {
    // The records the routes act on: an agency with an approved dossier at Hải Phòng, a permit
    // issued there, a watchlist entry and an alert at Móng Cái, a gate at Móng Cái.
    let (status, v) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0100109106", "agent.vosco")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let agency = v["id"].as_i64().unwrap().to_string();
    let pass =
        Arc::new(seal::locked::Passphrase::new("test passphrase, long enough".into()).unwrap());
    server::permits::keys::init(&t.app.store, &pass, NOW).await.unwrap();
    assert!(t.app.open_keys(&pass).await.unwrap());
    let mut tokens = std::collections::HashMap::new();
    for who in WHO.iter().filter(|w| !matches!(**w, "anonymous" | "device.mc")) {
        tokens.insert(*who, t.token(who).await);
    }
    let (_, gate, _) = server::accounts::service::add_device(
        &t.app.store,
        &server::app::Acting::system(),
        &CheckpointCode::parse("MONG-CAI").unwrap(),
        "gate",
        time::Duration::days(30),
        NOW,
    )
    .await
    .unwrap();
    tokens.insert("device.mc", gate.expose().to_string());
    let mut d =
        entry_dossier(vec![seafarer("IVANOV", "Thuyền trưởng", 0), seafarer("PETROV", "Cook", 1)]);
    d["etd"] = json!("2026-11-28T18:00:00+07:00");
    let (status, v) =
        t.call("POST", "/api/v1/dossiers", Some(&tokens["agent.vosco"]), Some(d)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let dossier = v["id"].as_str().unwrap().to_string();
    let decision = format!("/api/v1/dossiers/{dossier}/decision");
    let (status, v) = t
        .call(
            "POST",
            &decision,
            Some(&tokens["commander.hp"]),
            Some(json!({"decision": "approve"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = t
        .call("POST", "/api/v1/permits", Some(&tokens["commander.hp"]), Some(embarkation("LE")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let permit = v["id"].as_str().unwrap().to_string();
    let seal = v["seal_base64"].as_str().unwrap().to_string();
    let entry = json!({"name": "Nguyễn Văn Đức", "birth_date": "1985-03-12", "action": "refer", "reason": "to check"});
    let (status, v) =
        t.call("POST", "/api/v1/watchlist", Some(&tokens["analyst"]), Some(entry.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let watch = v["id"].as_str().unwrap().to_string();
    let (status, v) = t
        .call(
            "POST",
            "/api/v1/crossings",
            Some(&tokens["officer.mc"]),
            Some(crossing("40000000-0000-4000-8000-000000000001", "exit", &duc())),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, v) = t.call("GET", "/api/v1/alerts", Some(&tokens["analyst"]), None).await;
    let alert = v["alerts"][0]["id"].as_i64().unwrap().to_string();

    let check = check_body("MONG-CAI", "entry", &duc());
    let mut n = 0u32;
    let mut next_crossing = move || {
        n += 1;
        crossing(&format!("41000000-0000-4000-8000-{n:012}"), "entry", &duc())
    };
    // Destructive routes last, so that what the others act on is still there.
    let table = vec![
        r("GET", "/api/v1/me", None, SIGNED_IN),
        r("GET", "/api/v1/checkpoints", None, PUBLIC),
        r("GET", "/api/v1/openapi.json", None, PUBLIC),
        r("GET", "/api/v1/procedures", None, PUBLIC),
        r("POST", "/api/v1/agencies", Some(registration("0301442379", "agent.fpt")), PUBLIC),
        r(
            "POST",
            "/api/v1/auth/token",
            Some(json!({"username": "analyst", "password": PASSWORD})),
            PUBLIC,
        ),
        r("POST", "/api/v1/control/check", Some(check.clone()), AT_MONG_CAI),
        r("POST", "/api/v1/crossings", None, AT_MONG_CAI),
        r("GET", "/api/v1/travellers/history?issuing_state=VNM&number=C1234567", None, HISTORY),
        r("GET", "/api/v1/travellers/history?name=NGUYEN%20VAN%20DUC", None, HISTORY),
        r("POST", "/api/v1/watchlist", Some(entry.clone()), WATCHLIST),
        r("GET", "/api/v1/watchlist/{watch}", None, WATCHLIST),
        r("PUT", "/api/v1/watchlist/{watch}", Some(entry.clone()), WATCHLIST),
        r("GET", "/api/v1/alerts", None, ALERTS),
        r("GET", "/api/v1/agencies/{agency}", None, AGENCY),
        r("GET", "/api/v1/dossiers", None, DOSSIERS),
        r("GET", "/api/v1/dossiers/{dossier}", None, DOSSIER_AT_HAI_PHONG),
        r(
            "POST",
            "/api/v1/dossiers",
            Some(entry_dossier(vec![seafarer("IVANOV", "Master", 0)])),
            AGENT,
        ),
        r(
            "POST",
            "/api/v1/dossiers/{dossier}/decision",
            Some(json!({"decision": "review"})),
            REVIEW_AT_HAI_PHONG,
        ),
        r("POST", "/api/v1/dossiers/{dossier}/submit", None, AGENT),
        r("PUT", "/api/v1/dossiers/{dossier}/crew", None, AGENT),
        r("PUT", "/api/v1/dossiers/{dossier}/passengers", None, AGENT),
        r("GET", "/api/v1/stats/dossiers", None, BORDER_GUARD),
        r("GET", "/api/v1/permits", None, BORDER_GUARD),
        r("POST", "/api/v1/permits", Some(embarkation("TRAN")), COMMANDER_HP),
        r("GET", "/api/v1/permits/{permit}", None, PERMIT_AT_HAI_PHONG),
        r("GET", "/api/v1/permits/{permit}/barcode.png", None, PERMIT_AT_HAI_PHONG),
        r("GET", "/api/v1/permits/{permit}/card.pdf", None, PERMIT_AT_HAI_PHONG),
        r(
            "POST",
            "/api/v1/permits/verify",
            Some(json!({"seal_base64": seal, "direction": "ashore"})),
            VERIFY,
        ),
        r("GET", "/api/v1/dossiers/{dossier}/permits/cards.pdf", None, PERMIT_AT_HAI_PHONG),
        r("POST", "/api/v1/dossiers/{dossier}/permits", None, COMMANDER_HP),
        r("GET", "/api/v1/devices", None, ADMIN),
        r("GET", "/api/v1/nodes", None, NODES),
        r(
            "POST",
            "/api/v1/egate/transactions",
            Some(json!({"id": "5b0c0000-0000-4000-8000-000000000001", "gate": "G1",
                "direction": "entry", "document": {"mrz": duc()}, "chip": null,
                "chip_access": null, "face": {"score": 0.9, "liveness": 0.9}})),
            GATE_MC,
        ),
        r("GET", "/api/v1/egate/transactions", None, GATE_BOARD),
        r("GET", "/api/v1/egate/gates", None, GATE_BOARD),
        r("GET", "/api/v1/egate/thresholds?checkpoint=MONG-CAI", None, GATE_BOARD_MC),
        r(
            "PUT",
            "/api/v1/egate/thresholds",
            Some(json!({"face": 0.8, "liveness": 0.85, "fingerprint": 0.8})),
            GATE_SETTINGS,
        ),
        r(
            "POST",
            "/api/v1/devices",
            Some(json!({"checkpoint": "LAO-CAI", "name": "gate 9"})),
            ADMIN,
        ),
        r("POST", "/api/v1/devices/9999/revoke", None, ADMIN),
        r("POST", "/api/v1/users/nobody.here/disable", None, ADMIN),
        r(
            "POST",
            "/api/v1/agencies/{agency}/users",
            Some(json!({"username": "agent.two", "password": PASSWORD})),
            AGENT,
        ),
        r("POST", "/api/v1/alerts/{alert}/confirm", None, ALERT_AT_MONG_CAI),
        r("POST", "/api/v1/alerts/{alert}/dismiss", None, ALERT_AT_MONG_CAI),
        r("POST", "/api/v1/permits/{permit}/revoke", Some(json!({"reason": "lost"})), COMMANDER_HP),
        r("DELETE", "/api/v1/watchlist/{watch}", None, WATCHLIST),
        r("POST", "/api/v1/dossiers/{dossier}/cancel", None, AGENT),
        r("POST", "/api/v1/agencies/{agency}/close", None, AGENCY),
    ];
    the_table_is_the_description(&t, &table).await;
    let mut failures = Vec::new();
    // A batch answers each item: a caller without the right gets 403 for every one.
    for who in SIGNED_IN {
        let (status, v) = t
            .call(
                "POST",
                "/api/v1/crossings/batch",
                Some(&tokens[who]),
                Some(json!([next_crossing()])),
            )
            .await;
        let item = v["results"][0]["status"].as_u64().unwrap_or(0);
        let ok = status == StatusCode::OK
            && if AT_MONG_CAI.contains(who) { item == 201 } else { item == 403 };
        if !ok {
            failures.push(format!("POST /api/v1/crossings/batch as {who}: {status} {v}"));
        }
    }
    let (status, _) = t.call("POST", "/api/v1/crossings/batch", None, Some(json!([]))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for route in table {
        let path = route
            .path
            .replace("{watch}", &watch)
            .replace("{agency}", &agency)
            .replace("{dossier}", &dossier)
            .replace("{permit}", &permit)
            .replace("{alert}", &alert);
        // Those refused first, those allowed last: an allowed call may change what is there.
        let mut order: Vec<&str> =
            WHO.iter().copied().filter(|w| !route.allowed.contains(w)).collect();
        order.extend(WHO.iter().copied().filter(|w| route.allowed.contains(w)));
        for who in order {
            let body = match (&route.body, route.path) {
                (_, "/api/v1/crossings") => Some(next_crossing()),
                (b, _) => b.clone(),
            };
            let (status, v) =
                t.call(route.method, &path, tokens.get(who).map(String::as_str), body).await;
            let allowed = route.allowed.contains(&who);
            let ok = if status.is_server_error() {
                false
            } else if allowed {
                !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
            } else if who == "anonymous" {
                status == StatusCode::UNAUTHORIZED
            } else {
                matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
            };
            if !ok {
                failures.push(format!("{} {path} as {who}: {status} {v}", route.method));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} calls answered against the table:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The table names every route the API describes, and the description every route of the
/// table: a route added without its description, or without its row here, fails.
async fn the_table_is_the_description<S: Store>(t: &TestApp<S>, table: &[Route]) {
    let (status, doc) = t.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let mut described = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            described.insert(format!("{} {path}", method.to_uppercase()));
            // Said in words and filed under its capability, for the reader of /api/docs.
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path}");
            assert!(op["tags"][0].is_string(), "{method} {path} has no tag");
        }
    }
    let template = |path: &str| -> String {
        let path = path.trim_start_matches("/api/v1");
        let path = path.split('?').next().unwrap();
        path.split('/')
            .enumerate()
            .map(|(i, part)| match (i, part) {
                (_, "{watch}" | "{agency}" | "{dossier}" | "{permit}" | "{alert}" | "9999") => {
                    "{id}"
                }
                (2, "nobody.here") => "{username}",
                _ => part,
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut tabled: std::collections::BTreeSet<String> =
        table.iter().map(|r| format!("{} {}", r.method, template(r.path))).collect();
    // Tried on its own above the table: each item of a batch answers for itself.
    tabled.insert("POST /crossings/batch".into());
    let undescribed: Vec<_> = tabled.difference(&described).collect();
    let untabled: Vec<_> = described.difference(&tabled).collect();
    assert!(
        undescribed.is_empty() && untabled.is_empty(),
        "routes in the table but not described: {undescribed:?}; described but not in the \
         table: {untabled:?}"
    );
    // Every operation described is routed: none falls through to the API's own 404.
    for op in &described {
        let (method, path) = op.split_once(' ').unwrap();
        let path = format!("/api/v1{}", path.replace("{id}", "1").replace("{username}", "x.y.z"));
        let (_, v) = t.call(method, &path, None, None).await;
        assert_ne!(v["error"]["message"], "no such endpoint", "{op} is described, not routed");
    }
    // Every reference in the description leads somewhere.
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} is referred to, not described"
        );
    }
}
