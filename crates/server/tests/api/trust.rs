//! What a probe of the running server found, each kept closed by a test: extreme times and
//! dates, a batch with one bad item, errors that were not JSON, long and NUL-holding text, open
//! redirects, client decisions, alerts at every checkpoint, login from another site, devices
//! and accounts that could not be cut off.

use super::*;

both!(
    extreme_times_are_refused_and_every_reader_still_answers,
    a_batch_answers_per_item_always,
    every_api_error_is_json,
    long_and_nul_text_is_refused_at_the_edge,
    redirects_stay_on_this_server,
    a_client_decision_never_weakens_the_platforms,
    alerts_reach_every_checkpoint_where_the_traveller_turns_up,
    sign_in_from_another_site_is_refused,
    devices_and_accounts_can_be_cut_off,
    a_dossier_id_filed_again_with_another_body_is_a_conflict,
);

fn id(n: u32) -> String {
    format!("30000000-0000-4000-8000-{n:012}")
}

fn at(n: u32, at: &str) -> Value {
    let mut c = crossing(&id(n), "exit", &duc());
    c["at"] = json!(at);
    c
}

async fn extreme_times_are_refused_and_every_reader_still_answers<S: Store>(t: TestApp<S>) {
    let officer = t.token("officer.mc").await;
    let analyst = t.token("analyst").await;
    for (n, when, code) in [
        (1, "0000-01-01T00:00:00+23:59", "invalid_field"),
        (2, "9999-12-31T23:59:59Z", "invalid_field"),
        (3, "-0001-01-01T00:00:00Z", "invalid_field"),
        (4, "2026-10-20T03:00:00Z", "at_out_of_range"),
        (5, "2026-11-25T03:11:00Z", "at_out_of_range"),
    ] {
        let (status, v) =
            t.call("POST", "/api/v1/crossings", Some(&officer), Some(at(n, when))).await;
        assert!(status.is_client_error(), "{when}: {status} {v}");
        assert_eq!(v["error"]["code"], code, "{when}: {v}");
    }
    // A device's clock a few minutes fast, and a post sending what it recorded last week.
    for (n, when) in [(6, "2026-11-25T10:05:00+07:00"), (7, "2026-11-18T03:00:00Z")] {
        let (status, v) =
            t.call("POST", "/api/v1/crossings", Some(&officer), Some(at(n, when))).await;
        assert_eq!(status, StatusCode::CREATED, "{when}: {v}");
    }
    // Every reader of the traveller answers.
    let (status, v) = t
        .call(
            "GET",
            "/api/v1/travellers/history?issuing_state=VNM&number=C1234567",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["crossings"][0]["at"], "2026-11-25T03:05:00Z");
    let (status, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "entry", &duc())),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Dates: four-digit years in range, nothing the calendar cannot turn.
    for q in
        ["to=9999-12-31", "to=-9999-01-01", "from=0000-01-01", "to=2026-02-30", "to=%2B2026-01-01"]
    {
        let (status, v) =
            t.call("GET", &format!("/api/v1/stats/dossiers?{q}"), Some(&analyst), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {v}");
        assert_eq!(v["error"]["code"], "invalid_field", "{q}");
    }
    let (status, _) = t
        .call(
            "GET",
            "/api/v1/travellers/history?name=NGUYEN&birth_date=9999-12-31",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn a_batch_answers_per_item_always<S: Store>(t: TestApp<S>) {
    let officer = t.token("officer.mc").await;
    let good = |n: u32| {
        crossing(
            &id(100 + n),
            "exit",
            &passport("TRAN", "VAN AN", &format!("B{n:07}"), (1980, 1, 1), (2031, 1, 1)),
        )
    };
    let batch =
        json!([good(1), at(200, "9999-12-31T23:59:59Z"), good(2), {"id": "nope"}, "not an object"]);
    let (status, v) =
        t.call("POST", "/api/v1/crossings/batch", Some(&officer), Some(batch.clone())).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let statuses: Vec<i64> =
        v["results"].as_array().unwrap().iter().map(|r| r["status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [201, 400, 201, 400, 400], "{v}");
    // The device retries the same batch: the good ones are already there, the bad one is the
    // same error, and nothing hangs on it.
    let (status, v) = t.call("POST", "/api/v1/crossings/batch", Some(&officer), Some(batch)).await;
    assert_eq!(status, StatusCode::OK);
    let statuses: Vec<i64> =
        v["results"].as_array().unwrap().iter().map(|r| r["status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [200, 400, 200, 400, 400], "{v}");
    // Each stored crossing has its audit record, written with it.
    let audit = t.app.store.audit_records(0, 1000).await.unwrap();
    let recorded: Vec<&store::AuditRecord> =
        audit.iter().filter(|r| r.action == "crossing.record").collect();
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].detail.contains(&id(101)) && recorded[0].detail.contains(&id(102)));
}

async fn every_api_error_is_json<S: Store>(t: TestApp<S>) {
    let commander = t.token("commander.mc").await;
    let get = |uri: &str| {
        Request::builder()
            .uri(uri)
            .header("authorization", format!("Bearer {commander}"))
            .body(Body::empty())
            .unwrap()
    };
    let json_error = |status: StatusCode, headers: &axum::http::HeaderMap, body: &[u8]| -> String {
        assert_eq!(headers["content-type"], "application/json", "{status}");
        let v: Value = serde_json::from_slice(body)
            .unwrap_or_else(|_| panic!("{status}: {}", String::from_utf8_lossy(body)));
        assert!(v["error"]["message"].is_string(), "{v}");
        v["error"]["code"].as_str().unwrap().to_string()
    };
    for (uri, want) in [
        ("/api/v1/alerts?limit=-1", StatusCode::BAD_REQUEST),
        ("/api/v1/alerts?limit=99999999999", StatusCode::BAD_REQUEST),
        ("/api/v1/agencies/1.5", StatusCode::BAD_REQUEST),
        ("/api/v1/watchlist/%FF%FE", StatusCode::BAD_REQUEST),
        ("/api/v1/nothing/here", StatusCode::NOT_FOUND),
    ] {
        let (status, headers, body) = t.request(get(uri)).await;
        assert_eq!(status, want, "{uri}: {}", String::from_utf8_lossy(&body));
        json_error(status, &headers, &body);
    }
    let post = |uri: &str| {
        Request::builder()
            .method("POST")
            .uri(uri)
            .header("authorization", format!("Bearer {commander}"))
            .body(Body::empty())
            .unwrap()
    };
    let (status, headers, body) = t.request(post("/api/v1/alerts/abc/dismiss")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    json_error(status, &headers, &body);
    // 405 keeps its Allow header.
    let (status, headers, body) = t
        .request(
            Request::builder()
                .method("DELETE")
                .uri("/api/v1/crossings")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(json_error(status, &headers, &body), "method_not_allowed");
    assert!(headers.contains_key("allow"));
    // A body over the limit.
    let big = Request::builder()
        .method("POST")
        .uri("/api/v1/crossings")
        .header("authorization", format!("Bearer {commander}"))
        .header("content-type", "application/json")
        .body(Body::from(vec![b' '; 3 << 20]))
        .unwrap();
    let (status, headers, body) = t.request(big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json_error(status, &headers, &body), "payload_too_large");
    // A URI and headers past what the server reads.
    let long = format!("/api/v1/alerts?status={}", "a".repeat(10_000));
    let (status, headers, body) = t.request(get(&long)).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    json_error(status, &headers, &body);
    let mut many = Request::builder().uri("/api/v1/me");
    for i in 0..100 {
        many = many.header(format!("x-filler-{i}"), "x");
    }
    let (status, headers, body) = t.request(many.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    json_error(status, &headers, &body);
    // A page's form that does not parse reads as a page, not bare text.
    let form = Request::builder()
        .method("POST")
        .uri("/login")
        .header("content-type", "text/plain")
        .body(Body::from("x"))
        .unwrap();
    let (status, headers, body) = t.request(form).await;
    assert!(status.is_client_error());
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"), "{status}");
    assert!(String::from_utf8_lossy(&body).contains("<h1>"));
}

/// A page's action that fails reads as a page in the user's language, never as the API's JSON:
/// a form whose CSRF token is stale, a right the user lacks, a dossier that is not there.
#[tokio::test]
async fn a_failed_page_action_reads_as_a_page() {
    let t = sqlite_app().await;
    let officer = t.page_session("officer.mc").await;
    let agent_less = t.page_session("officer.hp").await;
    let form = |uri: &str, cookie: &str, body: &str, lang: &str| {
        Request::builder()
            .method("POST")
            .uri(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("{cookie}; bp_lang={lang}"))
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let get = |uri: &str, cookie: &str| {
        Request::builder().uri(uri).header("cookie", cookie).body(Body::empty()).unwrap()
    };
    let cases = [
        (form("/desk/check", &officer, "csrf=stale&direction=exit&mrz=x", "vi"), 403, "hết hạn"),
        (form("/desk/check", &officer, "csrf=stale&direction=exit&mrz=x", "en"), 403, "expired"),
        (form("/logout", &officer, "csrf=stale", "vi"), 403, "hết hạn"),
        (get("/dossiers/7b0e6d8e-2f4c-4c43-9d1e-6f0f3b1f2a10", &agent_less), 404, "Không tìm thấy"),
        (get("/permits/nope", &agent_less), 404, "Không tìm thấy"),
    ];
    for (req, status, words) in cases {
        let uri = req.uri().to_string();
        let (got, headers, body) = t.request(req).await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(got.as_u16(), status, "{uri}: {body}");
        let kind = headers["content-type"].to_str().unwrap();
        assert!(kind.starts_with("text/html"), "{uri}: {kind} {body}");
        assert!(body.contains(words), "{uri}: {body}");
        assert!(!body.contains("{\"error\""), "{uri}: {body}");
    }
}

/// A handler that panics answers the opaque JSON 500 through the server's own outer layers,
/// and the connection is answered, not dropped.
#[tokio::test]
async fn a_panic_answers_the_opaque_json_500() {
    let router: Router = server::http::guard::harden(Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            let v: Vec<&'static str> = Vec::new();
            v[3]
        }),
    ));
    let res =
        router.oneshot(Request::builder().uri("/boom").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        v,
        json!({"error": {"code": "internal", "message": "something went wrong on our side"}})
    );
}

async fn long_and_nul_text_is_refused_at_the_edge<S: Store>(t: TestApp<S>) {
    let analyst = t.token("analyst").await;
    let entry = |name: Value| json!({"name": name, "action": "deny", "reason": "test"});
    for (what, name) in [
        ("250 KB", json!("Nguyễn ".repeat(36_000))),
        ("201 characters", json!("A".repeat(201))),
        ("a NUL", json!("Nguyễn\u{0}Văn")),
        ("a line break", json!("Nguyễn\nVăn")),
    ] {
        let (status, v) =
            t.call("POST", "/api/v1/watchlist", Some(&analyst), Some(entry(name))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {v}");
    }
    let mut many = entry(json!("Nguyễn Văn Đức"));
    many["aliases"] = json!(vec!["Alias"; 21]);
    let (status, _) = t.call("POST", "/api/v1/watchlist", Some(&analyst), Some(many)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, v) = t
        .call("POST", "/api/v1/watchlist", Some(&analyst), Some(entry(json!("A".repeat(200)))))
        .await;
    assert_eq!(status, StatusCode::CREATED, "200 characters are a name: {v}");
    // A megabyte of password is not hashed, only refused.
    let (status, v) = t
        .call(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "analyst", "password": "p".repeat(1 << 20)})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    // A dossier's declaration keys and every other string: no NUL anywhere in a body.
    let (status, v) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0100109106", "agent.vosco")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let agent = t.token("agent.vosco").await;
    let mut d = entry_dossier(vec![seafarer("IVANOV", "Master", 0)]);
    d["declaration"] = json!({"voyage\u{0}": "V1"});
    let (status, v) = t.call("POST", "/api/v1/dossiers", Some(&agent), Some(d)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let mut d = entry_dossier(vec![seafarer("IVANOV", "Master", 0)]);
    d["declaration"] = json!({"voyage": "V1", "note": "a\\u0000b is text, not a NUL"});
    let (status, v) = t.call("POST", "/api/v1/dossiers", Some(&agent), Some(d)).await;
    assert_eq!(status, StatusCode::CREATED, "an escaped backslash is no NUL: {v}");
    // The page forms too: a NUL in a plain form is refused before any handler.
    let form = Request::builder()
        .method("POST")
        .uri("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("username=analyst%00&password=x"))
        .unwrap();
    let (status, headers, _) = t.request(form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
}

async fn redirects_stay_on_this_server<S: Store>(t: TestApp<S>) {
    for (next, to) in [
        ("/%09/evil.example", "/"),
        ("/%0a/evil.example", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example/", "/"),
        ("/history?name=NGUYEN", "/history?name=NGUYEN"),
    ] {
        let req =
            Request::builder().uri(format!("/lang/en?next={next}")).body(Body::empty()).unwrap();
        let (status, headers, _) = t.request(req).await;
        assert!(status.is_redirection(), "{next}: {status}");
        assert_eq!(headers["location"], to, "{next}");
    }
    // Through sign-in.
    let form = Request::builder()
        .method("POST")
        .uri("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username=analyst&password={}&next=%2F%09%2Fevil.example",
            PASSWORD.replace(' ', "+")
        )))
        .unwrap();
    let (status, headers, _) = t.request(form).await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(headers["location"], "/history");
}

async fn a_client_decision_never_weakens_the_platforms<S: Store>(t: TestApp<S>) {
    let officer = t.token("officer.mc").await;
    let analyst = t.token("analyst").await;
    let commander = t.token("commander.mc").await;
    let entry = json!({"name": "Nguyễn Văn Đức", "birth_date": "1985-03-12", "nationality": "VNM",
        "action": "deny", "reason": "wanted for smuggling"});
    let (status, _) = t.call("POST", "/api/v1/watchlist", Some(&analyst), Some(entry)).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut c = crossing(&id(300), "exit", &duc());
    c["decision"] = json!("clear");
    let (status, v) = t.call("POST", "/api/v1/crossings", Some(&officer), Some(c)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["decision"].as_str(), v["client_decision"].as_str()),
        (Some("deny"), Some("clear")),
        "{v}"
    );
    let (_, v) = t.call("GET", "/api/v1/alerts?status=open", Some(&commander), None).await;
    assert_eq!(
        v["alerts"].as_array().unwrap().len(),
        1,
        "the platform alerts whatever the client decided: {v}"
    );
    // In a batch (a post's backlog), the crossing is stored at once with the gate's decision,
    // and screened in the background: then it takes the platform's, and the alert is raised.
    let mut c = crossing(&id(302), "entry", &duc());
    c["decision"] = json!("clear");
    let (status, v) =
        t.call("POST", "/api/v1/crossings/batch", Some(&officer), Some(json!([c]))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let stored = &v["results"][0]["record"];
    assert_eq!(
        (stored["decision"].as_str(), stored["screened"].as_bool()),
        (Some("clear"), Some(false)),
        "{v}"
    );
    assert_eq!(server::control::screening::run(&t.app).await.unwrap(), 1);
    assert_eq!(server::control::screening::run(&t.app).await.unwrap(), 0, "each is screened once");
    let (_, v) = t
        .call(
            "GET",
            "/api/v1/travellers/history?issuing_state=VNM&number=C1234567",
            Some(&analyst),
            None,
        )
        .await;
    let screened = v["crossings"].as_array().unwrap().iter().find(|c| c["id"] == id(302)).unwrap();
    assert_eq!(
        (
            screened["decision"].as_str(),
            screened["client_decision"].as_str(),
            screened["screened"].as_bool()
        ),
        (Some("deny"), Some("clear"), Some(true)),
        "{screened}"
    );
    // Stricter than the platform's stays as sent.
    let mut c = crossing(
        &id(301),
        "exit",
        &passport("LE", "THI HOA", "C7654321", (1990, 1, 1), (2031, 1, 1)),
    );
    c["decision"] = json!("refer");
    let (status, v) = t.call("POST", "/api/v1/crossings", Some(&officer), Some(c)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["decision"], "refer");
}

async fn alerts_reach_every_checkpoint_where_the_traveller_turns_up<S: Store>(t: TestApp<S>) {
    let analyst = t.token("analyst").await;
    let entry = json!({"name": "Nguyễn Văn Đức", "birth_date": "1985-03-12", "action": "notify", "reason": "to watch"});
    let (status, _) = t.call("POST", "/api/v1/watchlist", Some(&analyst), Some(entry)).await;
    assert_eq!(status, StatusCode::CREATED);
    let mc = t.token("officer.mc").await;
    let hn = t.token("officer.hn").await;
    let (status, _) = t
        .call("POST", "/api/v1/crossings", Some(&mc), Some(crossing(&id(400), "exit", &duc())))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut there = crossing(&id(401), "entry", &duc());
    there["checkpoint"] = json!("HUU-NGHI");
    let (status, v) = t.call("POST", "/api/v1/crossings", Some(&hn), Some(there)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, v) = t.call("GET", "/api/v1/alerts?status=open", Some(&analyst), None).await;
    let mut at: Vec<&str> =
        v["alerts"].as_array().unwrap().iter().map(|a| a["checkpoint"].as_str().unwrap()).collect();
    at.sort_unstable();
    assert_eq!(at, ["HUU-NGHI", "MONG-CAI"], "{v}");
}

async fn sign_in_from_another_site_is_refused<S: Store>(t: TestApp<S>) {
    let login = |origin: Option<&str>| {
        let mut r = Request::builder()
            .method("POST")
            .uri("/login")
            .header("host", "127.0.0.1:8080")
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.body(Body::from(format!("username=analyst&password={}", PASSWORD.replace(' ', "+"))))
            .unwrap()
    };
    let (status, headers, _) = t.request(login(Some("http://evil.example"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!headers.contains_key("set-cookie"), "no session for a foreign site's form");
    let (status, headers, _) = t.request(login(Some("http://127.0.0.1:8080"))).await;
    assert!(status.is_redirection(), "{status}");
    assert!(headers.contains_key("set-cookie"));
    let register = Request::builder()
        .method("POST")
        .uri("/register")
        .header("host", "127.0.0.1:8080")
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("tax_code=0100109106"))
        .unwrap();
    let (status, _, _) = t.request(register).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn devices_and_accounts_can_be_cut_off<S: Store>(t: TestApp<S>) {
    let admin = t.token("admin").await;
    let officer = t.token("officer.mc").await;
    let device = json!({"checkpoint": "MONG-CAI", "name": "Cổng 3", "days": 30});
    let (status, _) = t.call("POST", "/api/v1/devices", Some(&officer), Some(device.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = t.call("POST", "/api/v1/devices", Some(&admin), Some(device)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["expires_at"], "2026-12-25T03:00:00Z");
    let gate = v["token"].as_str().unwrap().to_string();
    let gate_id = v["id"].as_i64().unwrap();
    let check = check_body("MONG-CAI", "exit", &duc());
    let (status, _) =
        t.call("POST", "/api/v1/control/check", Some(&gate), Some(check.clone())).await;
    assert_eq!(status, StatusCode::OK);
    // The token ends by itself.
    t.advance(time::Duration::days(31));
    let (status, _) =
        t.call("POST", "/api/v1/control/check", Some(&gate), Some(check.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    t.advance(time::Duration::days(-31));
    let (status, _) =
        t.call("POST", &format!("/api/v1/devices/{gate_id}/revoke"), Some(&officer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        t.call("POST", &format!("/api/v1/devices/{gate_id}/revoke"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        t.call("POST", "/api/v1/control/check", Some(&gate), Some(check.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked device's token stops at once");
    let (status, _) =
        t.call("POST", &format!("/api/v1/devices/{gate_id}/revoke"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, v) = t.call("GET", "/api/v1/devices", Some(&admin), None).await;
    assert!(v["devices"][0]["revoked_at"].is_string(), "{v}");

    let (status, _) =
        t.call("POST", "/api/v1/users/officer.mc/disable", Some(&officer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t.call("POST", "/api/v1/users/officer.mc/disable", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.call("GET", "/api/v1/me", Some(&officer), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a disabled account's tokens stop at once");
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "officer.mc", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let audit = t.app.store.audit_records(0, 1000).await.unwrap();
    for action in ["device.add", "device.revoke", "user.disable"] {
        assert!(audit.iter().any(|r| r.action == action && r.actor == "user:admin"), "{action}");
    }
}

async fn a_dossier_id_filed_again_with_another_body_is_a_conflict<S: Store>(t: TestApp<S>) {
    let (status, _) = t
        .call("POST", "/api/v1/agencies", None, Some(registration("0100109106", "agent.vosco")))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let agent = t.token("agent.vosco").await;
    let mut d = entry_dossier(vec![seafarer("IVANOV", "Master", 0)]);
    d["id"] = json!(id(500));
    let (status, v) = t.call("POST", "/api/v1/dossiers", Some(&agent), Some(d.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, _) = t.call("POST", "/api/v1/dossiers", Some(&agent), Some(d.clone())).await;
    assert_eq!(status, StatusCode::OK, "a retry of the same filing");
    d["berth"] = json!("Berth 4");
    let (status, v) = t.call("POST", "/api/v1/dossiers", Some(&agent), Some(d)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "id_conflict");
}
