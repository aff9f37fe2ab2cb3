//! The lists people work through: the watchlist searched, changed and removed from; alerts
//! paged, decided with a note, and both downloaded.

use super::desk::{form_encode, hidden, page};
use super::*;

pub(crate) async fn the_watchlist_is_searched_edited_and_exported<S: Store>(t: TestApp<S>) {
    let analyst = t.token("analyst").await;
    let mut ids = Vec::new();
    for (name, action) in [
        ("Nguyễn Văn Đức", "deny"),
        ("Nguyễn Văn Đông", "refer"),
        ("Trần Thị Mai", "notify"),
        ("=cmd|' /C calc'!A0", "refer"),
    ] {
        let (status, v) = t
            .call(
                "POST",
                "/api/v1/watchlist",
                Some(&analyst),
                Some(json!({"name": name, "action": action, "reason": "truy nã", "documents": [],
                    "aliases": []})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let cookie = format!("{}; bp_lang=vi", t.page_session("analyst").await);
    // Without accents, part of the name; with an action; by id.
    let (_, html) = page(&t, "GET", "/watchlist?q=nguyen+van", &cookie, "").await;
    assert!(html.contains("Nguyễn Văn Đức") && html.contains("Nguyễn Văn Đông"), "{html}");
    assert!(!html.contains("Trần Thị Mai"), "{html}");
    assert!(html.contains("1–2 / 2"), "{html}");
    let (_, html) = page(&t, "GET", "/watchlist?q=nguyen&action=deny", &cookie, "").await;
    assert!(html.contains("Nguyễn Văn Đức") && !html.contains("Nguyễn Văn Đông"), "{html}");
    let (_, html) = page(&t, "GET", &format!("/watchlist?q={}", ids[2]), &cookie, "").await;
    assert!(html.contains("Trần Thị Mai"), "{html}");
    let (_, html) = page(&t, "GET", "/watchlist", &cookie, "").await;
    assert!(html.contains("1–4 / 4"), "{html}");

    // Changed on its own page: the reason, and a date typed as the pages show it.
    let (status, html) = page(&t, "GET", &format!("/watchlist/{}", ids[0]), &cookie, "").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let csrf = hidden(&html, "csrf");
    let form = form_encode(&[
        ("csrf", &csrf),
        ("name", "Nguyễn Văn Đức"),
        ("birth_date", "12/03/1985"),
        ("action", "refer"),
        ("reason", "truy nã về tội buôn lậu"),
        ("valid_until", "31/12/2030"),
    ]);
    let (status, _) = page(&t, "POST", &format!("/watchlist/{}", ids[0]), &cookie, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, v) =
        t.call("GET", &format!("/api/v1/watchlist/{}", ids[0]), Some(&analyst), None).await;
    assert_eq!(
        (v["action"].as_str(), v["reason"].as_str(), v["birth_date"].as_str()),
        (Some("refer"), Some("truy nã về tội buôn lậu"), Some("1985-03-12")),
        "{v}"
    );
    // A bad date is refused in Vietnamese and keeps what was typed.
    let bad = form_encode(&[
        ("csrf", &csrf),
        ("name", "Nguyễn Văn Đức"),
        ("birth_date", "40/13/1985"),
        ("action", "refer"),
        ("reason", "giữ nguyên"),
    ]);
    let (status, html) = page(&t, "POST", &format!("/watchlist/{}", ids[0]), &cookie, &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Ngày sinh:") && html.contains("giữ nguyên"), "{html}");
    assert!(!html.contains("is not"), "{html}");

    // Removed after the question the page asks.
    let (_, html) = page(&t, "GET", &format!("/watchlist/{}", ids[1]), &cookie, "").await;
    assert!(html.contains("data-confirm="), "{html}");
    let (status, html) = page(
        &t,
        "POST",
        &format!("/watchlist/{}/remove", ids[1]),
        &cookie,
        &form_encode(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã gỡ khỏi danh sách") && html.contains("1–3 / 3"), "{html}");
    assert_eq!(t.app.watchlist().find("nguyen van dong", None).len(), 0);

    // The list as files: a formula stays text.
    let (status, headers, csv) = t
        .request(
            Request::builder()
                .uri("/watchlist?format=csv")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.contains("'=cmd"), "{text}");
    assert!(text.contains("Nguyễn Văn Đức,,12/03/1985"), "{text}");
}

pub(crate) async fn alerts_are_paged_and_decided_with_a_note<S: Store>(t: TestApp<S>) {
    let analyst = t.token("analyst").await;
    let officer = t.token("officer.mc").await;
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/watchlist",
            Some(&analyst),
            Some(json!({"name": "Nguyễn Văn Đức", "birth_date": "1985-03-12", "action": "refer",
                "reason": "theo dõi", "documents": [], "aliases": []})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/crossings",
            Some(&officer),
            Some(crossing("50000000-0000-4000-8000-000000000001", "exit", &duc())),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let commander = t.token("commander.mc").await;
    let (_, v) = t.call("GET", "/api/v1/alerts?status=open", Some(&commander), None).await;
    assert_eq!(v["total"], 1, "{v}");
    let id = v["alerts"][0]["id"].as_i64().unwrap();

    let cookie = format!("{}; bp_lang=vi", t.page_session("commander.mc").await);
    let (_, html) = page(&t, "GET", "/alerts", &cookie, "").await;
    assert!(html.contains("1–1 / 1") && html.contains("Móng Cái"), "{html}");
    assert!(html.contains("/history?issuing_state=VNM&#38;number=C1234567"), "{html}");
    assert!(html.contains("data-confirm=") && html.contains(r#"name="note""#), "{html}");
    let csrf = hidden(&html, "csrf");
    let note = "Khác ngày cấp CCCD, đã đối chiếu";
    let (status, _) = page(
        &t,
        "POST",
        &format!("/alerts/{id}/dismiss"),
        &cookie,
        &form_encode(&[("csrf", &csrf), ("note", note)]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&t, "GET", "/alerts?status=dismissed", &cookie, "").await;
    assert!(html.contains(note) && html.contains("commander.mc"), "{html}");
    let (_, v) = t.call("GET", "/api/v1/alerts?status=dismissed", Some(&commander), None).await;
    assert_eq!(v["alerts"][0]["note"], note);
    let (status, headers, xlsx) = t
        .request(
            Request::builder()
                .uri("/alerts?status=all&format=xlsx")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-disposition"].to_str().unwrap().contains("canh-bao.xlsx"));
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<String> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("|"))
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[1].contains(note), "{rows:?}");
}
