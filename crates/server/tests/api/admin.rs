//! The administrator's pages: accounts and devices managed in the browser, and the audit trail
//! searched by administrators and analysts only.

use super::desk::{form_encode, hidden, page};
use super::*;

pub(crate) async fn accounts_and_devices_are_managed_in_the_browser<S: Store>(t: TestApp<S>) {
    let cookie = format!("{}; bp_lang=vi", t.page_session("admin").await);
    let (status, html) = page(&t, "GET", "/admin/accounts", &cookie, "").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("officer.mc") && html.contains("Móng Cái"), "{html}");
    let csrf = hidden(&html, "csrf");

    // Refused in Vietnamese, the form kept: a short password, an officer with no checkpoint.
    let add = |user: &str, role: &str, cp: &str, pw: &str| {
        form_encode(&[
            ("csrf", &csrf),
            ("username", user),
            ("role", role),
            ("checkpoint", cp),
            ("password", pw),
        ])
    };
    let (status, html) = page(
        &t,
        "POST",
        "/admin/accounts",
        &cookie,
        &add("officer.lc", "officer", "LAO-CAI", "short"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Mật khẩu: Mật khẩu phải có ít nhất 10 ký tự"), "{html}");
    assert!(html.contains(r#"value="officer.lc""#), "{html}");
    let (status, html) =
        page(&t, "POST", "/admin/accounts", &cookie, &add("officer.lc", "officer", "", PASSWORD))
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Cửa khẩu:"), "{html}");
    let (status, html) = page(
        &t,
        "POST",
        "/admin/accounts",
        &cookie,
        &add("officer.lc", "officer", "LAO-CAI", PASSWORD),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Đã tạo tài khoản: officer.lc"), "{html}");
    t.token("officer.lc").await;

    // Moved to another checkpoint; a new password; disabled.
    let act = |verb: &str, extra: (&str, &str)| {
        (format!("/admin/accounts/officer.lc/{verb}"), form_encode(&[("csrf", &csrf), extra]))
    };
    let (uri, body) = act("checkpoint", ("checkpoint", "HUU-NGHI"));
    let (status, _) = page(&t, "POST", &uri, &cookie, &body).await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = t.call("GET", "/api/v1/me", Some(&t.token("officer.lc").await), None).await;
    assert_eq!(me["actor"]["checkpoint"], "HUU-NGHI", "{me}");
    let (uri, body) = act("password", ("password", "a new passphrase 2026"));
    let (status, _) = page(&t, "POST", &uri, &cookie, &body).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "officer.lc", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "officer.lc", "password": "a new passphrase 2026"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = page(&t, "GET", "/admin/accounts", &cookie, "").await;
    assert!(html.contains("data-confirm="), "{html}");
    let (uri, body) = act("disable", ("", ""));
    let (status, html) = page(&t, "POST", &uri, &cookie, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã khóa tài khoản: officer.lc"), "{html}");
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "officer.lc", "password": "a new passphrase 2026"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A device: its token shown once works at its checkpoint, until it is revoked.
    let (_, html) = page(&t, "GET", "/admin/devices", &cookie, "").await;
    let csrf = hidden(&html, "csrf");
    let (status, html) = page(
        &t,
        "POST",
        "/admin/devices/add",
        &cookie,
        &form_encode(&[
            ("csrf", &csrf),
            ("checkpoint", "MONG-CAI"),
            ("name", "Cổng 7"),
            ("days", "30"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let at = html.find(r#"<code class="token">"#).unwrap() + 20;
    let token = html[at..at + html[at..].find('<').unwrap()].to_string();
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/crossings",
            Some(&token),
            Some(crossing("60000000-0000-4000-8000-000000000001", "exit", &duc())),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let devices = t.app.store.devices().await.unwrap();
    let id = devices.iter().find(|d| d.name == "Cổng 7").unwrap().id;
    let (status, html) = page(
        &t,
        "POST",
        &format!("/admin/devices/{id}/revoke"),
        &cookie,
        &form_encode(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã thu hồi thiết bị"), "{html}");
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/crossings",
            Some(&token),
            Some(crossing("60000000-0000-4000-8000-000000000002", "entry", &duc())),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, html) = page(
        &t,
        "POST",
        "/admin/devices/add",
        &cookie,
        &form_encode(&[
            ("csrf", &csrf),
            ("checkpoint", "MONG-CAI"),
            ("name", ""),
            ("days", "9999"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");

    // Nobody else manages accounts.
    for user in ["analyst", "commander.mc", "officer.mc"] {
        let c = t.page_session(user).await;
        let (status, _) = page(&t, "GET", "/admin/accounts", &c, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        let (status, _) = page(&t, "GET", "/admin/devices", &c, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
    }
}

pub(crate) async fn the_audit_trail_is_searched_by_person_user_action_and_period<S: Store>(
    t: TestApp<S>,
) {
    let officer = t.token("officer.mc").await;
    t.call(
        "POST",
        "/api/v1/crossings",
        Some(&officer),
        Some(crossing("70000000-0000-4000-8000-000000000001", "exit", &duc())),
    )
    .await;
    let analyst = t.token("analyst").await;
    t.call(
        "GET",
        "/api/v1/travellers/history?issuing_state=VNM&number=C1234567",
        Some(&analyst),
        None,
    )
    .await;
    let cookie = format!("{}; bp_lang=vi", t.page_session("analyst").await);
    let (status, html) =
        page(&t, "GET", "/audit?person=C1234567&action=history.read", &cookie, "").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("1–1 / 1") && html.contains("user:analyst"), "{html}");
    let (_, html) = page(&t, "GET", "/audit?user=officer.mc", &cookie, "").await;
    assert!(html.contains("crossing.record") && !html.contains("history.read</code>"), "{html}");
    // A period by the pages' dates; a wrong one refused in Vietnamese.
    let (_, html) =
        page(&t, "GET", "/audit?user=officer.mc&from=26%2F11%2F2026", &cookie, "").await;
    assert!(html.contains("0 / 0"), "{html}");
    let (status, html) = page(&t, "GET", "/audit?from=32%2F11%2F2026", &cookie, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Từ ngày:"), "{html}");
    // `%` typed is a percent sign, not a wildcard.
    let (_, html) = page(&t, "GET", "/audit?person=%25", &cookie, "").await;
    assert!(html.contains("0 / 0"), "{html}");
    // The look is itself in the trail, and the search downloads.
    let (_, _, csv) = t
        .request(
            Request::builder()
                .uri("/audit?action=audit.read&format=csv")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.lines().count() >= 4, "{text}");
    let c = t.page_session("officer.mc").await;
    let (status, _) = page(&t, "GET", "/audit", &c, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
