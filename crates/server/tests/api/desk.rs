//! The desk as an officer uses it: refusals are kept but are not crossings, border passes are
//! stamped once in ten days, and every reason reads in the page's language.

use super::*;

/// The page's answer: its status and text.
pub(crate) async fn page<S: Store>(
    t: &TestApp<S>,
    method: &str,
    uri: &str,
    cookie: &str,
    form: &str,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri).header("cookie", cookie);
    if method == "POST" {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    let (status, _, body) = t.request(req.body(Body::from(form.to_string())).unwrap()).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The value of the first hidden input `name` on a page.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("{html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", url_escape(v))).collect::<Vec<_>>().join("&")
}

fn url_escape(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) async fn a_refusal_is_kept_but_is_not_a_crossing<S: Store>(t: TestApp<S>) {
    let officer = t.token("officer.mc").await;
    // Refused at the exit through the API: kept as a refusal.
    let mut refused = crossing("20000000-0000-4000-8000-000000000001", "exit", &duc());
    refused["outcome"] = json!("refused");
    let (status, v) = t.call("POST", "/api/v1/crossings", Some(&officer), Some(refused)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["outcome"], "refused");
    // ...so the next exit is not "exited before with no entry since".
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "exit", &duc())),
        )
        .await;
    assert_eq!((v["decision"].as_str(), codes(&v)), (Some("clear"), vec![]), "{v}");
    assert_eq!(v["recent_crossings"][0]["outcome"], "refused");

    // At the desk, an expired passport is denied: the record key records a refusal, even
    // when the form names no outcome (a key that submits the form without its button).
    let cookie = format!("{}; bp_lang=vi", t.page_session("officer.mc").await);
    let (_, desk) = page(&t, "GET", "/desk", &cookie, "").await;
    let csrf = hidden(&desk, "csrf");
    let expired = passport("PHAM", "MINH NAM", "B7654321", (1979, 5, 2), (2026, 11, 20));
    let (status, checked) = page(
        &t,
        "POST",
        "/desk/check",
        &cookie,
        &form_encode(&[("csrf", &csrf), ("direction", "exit"), ("mrz", &expired)]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert!(checked.contains("TỪ CHỐI"), "{checked}");
    assert!(checked.contains("Giấy tờ đã hết hạn ngày 20/11/2026"), "{checked}");
    assert!(!checked.contains("the document expired"), "{checked}");
    assert!(!checked.contains(r#"value="crossed""#), "a denied traveller cannot be let through");
    let id = hidden(&checked, "crossing_id");
    let (status, recorded) = page(
        &t,
        "POST",
        "/desk/record",
        &cookie,
        &form_encode(&[
            ("csrf", &csrf),
            ("direction", "exit"),
            ("mrz", &expired),
            ("crossing_id", &id),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{recorded}");
    assert!(recorded.contains("Từ chối xuất cảnh"), "{recorded}");
    let (_, v) = t
        .call(
            "GET",
            "/api/v1/travellers/history?issuing_state=VNM&number=B7654321",
            Some(&t.token("analyst").await),
            None,
        )
        .await;
    assert_eq!(v["crossings"][0]["outcome"], "refused", "{v}");
    assert_eq!(v["crossings"][0]["decision"], "deny");

    // An officer may refuse a traveller the rules clear: the refusal's own button.
    let mai = passport("TRAN", "THI MAI", "C7654321", (1990, 7, 1), (2030, 1, 1));
    let (_, checked) = page(
        &t,
        "POST",
        "/desk/check",
        &cookie,
        &form_encode(&[("csrf", &csrf), ("direction", "entry"), ("mrz", &mai)]),
    )
    .await;
    assert!(checked.contains(r#"value="crossed""#), "{checked}");
    let id = hidden(&checked, "crossing_id");
    let (_, recorded) = page(
        &t,
        "POST",
        "/desk/record",
        &cookie,
        &form_encode(&[
            ("csrf", &csrf),
            ("direction", "entry"),
            ("mrz", &mai),
            ("crossing_id", &id),
            ("outcome", "refused"),
        ]),
    )
    .await;
    assert!(recorded.contains("Từ chối nhập cảnh"), "{recorded}");
    // Its entry did not happen: entering again is not "entered before with no exit since".
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "entry", &mai)),
        )
        .await;
    assert_eq!(v["decision"], "clear", "{v}");
    let (status, v) = t
        .call(
            "POST",
            "/api/v1/crossings",
            Some(&officer),
            Some(json!({"id": "20000000-0000-4000-8000-000000000009", "checkpoint": "MONG-CAI",
                "direction": "entry", "document": {"mrz": mai}, "channel": "manual",
                "outcome": "turned away"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
}

fn border_pass(id: &str, stamped: bool) -> Value {
    json!({"id": id, "checkpoint": "MONG-CAI", "direction": "exit", "channel": "manual",
        "stamped": stamped,
        "document": {"type": "border_pass", "number": "QN123456", "issuing_state": "VNM",
            "surname": "Lương", "given_names": "Văn Tám", "nationality": "VNM",
            "birth_date": "1970-02-03", "expiry_date": "2029-12-31", "issuing_area": "Quảng Ninh"}})
}

pub(crate) async fn a_border_pass_is_stamped_once_in_ten_days<S: Store>(t: TestApp<S>) {
    let officer = t.token("officer.mc").await;
    let check = |body: Value| json!({"checkpoint": "MONG-CAI", "direction": body["direction"], "document": body["document"]});
    let ask = border_pass("30000000-0000-4000-8000-000000000001", true);
    let (_, v) =
        t.call("POST", "/api/v1/control/check", Some(&officer), Some(check(ask.clone()))).await;
    assert_eq!(v["stamp"], json!({"due": true, "last_stamped": null}), "{v}");
    let (status, v) = t.call("POST", "/api/v1/crossings", Some(&officer), Some(ask)).await;
    assert_eq!((status, v["stamped"].as_bool()), (StatusCode::CREATED, Some(true)), "{v}");

    // Back the next day, and nine days on: no stamp needed.
    for days in [1, 8] {
        t.advance(time::Duration::days(days));
        let officer = t.token("officer.mc").await;
        let mut again = border_pass(&format!("30000000-0000-4000-8000-00000000001{days}"), false);
        again["direction"] = json!("entry");
        let (_, v) = t
            .call("POST", "/api/v1/control/check", Some(&officer), Some(check(again.clone())))
            .await;
        assert_eq!(v["stamp"], json!({"due": false, "last_stamped": "2026-11-25"}), "{v}");
        let (status, _) = t.call("POST", "/api/v1/crossings", Some(&officer), Some(again)).await;
        assert_eq!(status, StatusCode::CREATED);
        t.advance(time::Duration::hours(1));
        let officer = t.token("officer.mc").await;
        let out = border_pass(&format!("30000000-0000-4000-8000-00000000002{days}"), false);
        t.call("POST", "/api/v1/crossings", Some(&officer), Some(out)).await;
    }
    // Ten days after the stamp, it is due again; the desk says so and ticks the box.
    t.advance(time::Duration::days(1));
    let officer = t.token("officer.mc").await;
    let mut tenth = border_pass("30000000-0000-4000-8000-000000000031", false);
    tenth["direction"] = json!("entry");
    let (_, v) = t.call("POST", "/api/v1/control/check", Some(&officer), Some(check(tenth))).await;
    assert_eq!(v["stamp"]["due"], true, "{v}");

    // A passport is never stamped, whatever is sent.
    let mut passport_stamped = crossing("30000000-0000-4000-8000-000000000041", "exit", &duc());
    passport_stamped["stamped"] = json!(true);
    let (_, v) = t.call("POST", "/api/v1/crossings", Some(&officer), Some(passport_stamped)).await;
    assert_eq!(v["stamped"], false, "{v}");
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/control/check",
            Some(&officer),
            Some(check_body("MONG-CAI", "entry", &duc())),
        )
        .await;
    assert!(v.get("stamp").is_none(), "{v}");

    // The pass's history shows which crossing carried the stamp.
    let cookie = format!("{}; bp_lang=vi", t.page_session("commander.mc").await);
    let (status, html) =
        page(&t, "GET", "/history?issuing_state=VNM&number=QN123456", &cookie, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("đã đóng dấu").count(), 1, "{html}");
}

pub(crate) async fn history_finds_part_of_a_name_pages_and_exports<S: Store>(t: TestApp<S>) {
    let officer = t.token("officer.mc").await;
    let letters = |i: usize| {
        let a = (b'A' + (i / 26) as u8) as char;
        let b = (b'A' + (i % 26) as u8) as char;
        format!("{a}{b}")
    };
    let items: Vec<Value> = (0..60)
        .map(|i| {
            let doc = passport(
                "NGUYEN",
                &format!("VAN {}", letters(i)),
                &format!("N{:07}", i),
                (1980, 1, 1),
                (2031, 1, 1),
            );
            crossing(&format!("40000000-0000-4000-8000-{:012}", i), "exit", &doc)
        })
        .chain([crossing("40000000-0000-4000-8000-000000000999", "exit", &duc())])
        .collect();
    let (status, _) =
        t.call("POST", "/api/v1/crossings/batch", Some(&officer), Some(Value::Array(items))).await;
    assert_eq!(status, StatusCode::OK);
    let analyst = t.token("analyst").await;

    // The start of a name finds them all, a page at a time, with the count of all.
    let (status, v) = t
        .call(
            "GET",
            "/api/v1/travellers/history?name=Nguy%E1%BB%85n%20V%C4%83n",
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["total"].as_u64(), v["matches"].as_array().unwrap().len()), (Some(61), 50));
    let (_, v) = t
        .call("GET", "/api/v1/travellers/history?name=NGUYEN%20VAN&offset=50", Some(&analyst), None)
        .await;
    assert_eq!((v["offset"].as_u64(), v["matches"].as_array().unwrap().len()), (Some(50), 11));
    // A number alone, without its issuing state.
    let (_, v) =
        t.call("GET", "/api/v1/travellers/history?number=N0000007", Some(&analyst), None).await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["matches"][0]["traveller"]["given_names"], "VAN AH");

    // The page says how many and links both ways.
    let cookie = format!("{}; bp_lang=vi", t.page_session("analyst").await);
    let (_, html) = page(&t, "GET", "/history?name=NGUYEN+VAN&offset=50", &cookie, "").await;
    assert!(html.contains("51–61 / 61"), "{html}");
    assert!(html.contains(r#"rel="prev""#) && !html.contains(r#"rel="next""#), "{html}");
    let (_, html) = page(&t, "GET", "/history?name=NGUYEN+VAN", &cookie, "").await;
    assert!(html.contains("1–50 / 61") && html.contains(r#"rel="next""#), "{html}");
    // A date typed as the pages show it is taken; a wrong one is refused in Vietnamese.
    let (_, html) =
        page(&t, "GET", "/history?name=NGUYEN+VAN+D&birth_date=12%2F03%2F1985", &cookie, "").await;
    assert!(html.contains("NGUYEN VAN DUC"), "{html}");
    let (_, html) =
        page(&t, "GET", "/history?name=NGUYEN&birth_date=31%2F02%2F1985", &cookie, "").await;
    assert!(html.contains("Ngày sinh: «1985-02-31» không phải một ngày"), "{html}");

    // The whole search as a file: a row per crossing, Vietnamese as written.
    let req = |format: &str| {
        Request::builder()
            .uri(format!("/history?name=NGUYEN+VAN&format={format}"))
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap()
    };
    let (status, headers, csv) = t.request(req("csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-disposition"].to_str().unwrap().contains(".csv"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 62, "{text}");
    assert!(text.starts_with("Họ tên,"), "{text}");
    assert!(text.contains("NGUYEN VAN DUC,Hộ chiếu,VNM,C1234567"), "{text}");
    let (status, headers, xlsx) = t.request(req("xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().contains("spreadsheetml"));
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.rows().count(), 62);
}

pub(crate) async fn a_border_pass_is_read_at_the_desk_by_its_barcode<S: Store>(t: TestApp<S>) {
    let (commander, seal, permit) = border_pass_issued(&t).await;

    let cookie = format!("{}; bp_lang=vi", t.page_session("officer.mc").await);
    let (_, desk) = page(&t, "GET", "/desk", &cookie, "").await;
    let csrf = hidden(&desk, "csrf");
    let (status, html) = page(
        &t,
        "POST",
        "/desk/check",
        &cookie,
        &form_encode(&[("csrf", &csrf), ("direction", "exit"), ("mrz", &seal)]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("THÔNG QUA"), "{html}");
    assert!(html.contains("Giấy thông hành VNM/QN7654321"), "{html}");
    assert!(html.contains("Cần đóng dấu hôm nay"), "{html}");
    let id = hidden(&html, "crossing_id");
    let (status, html) = page(
        &t,
        "POST",
        "/desk/record",
        &cookie,
        &form_encode(&[
            ("csrf", &csrf),
            ("direction", "exit"),
            ("mrz", &seal),
            ("crossing_id", &id),
            ("outcome", "crossed"),
            ("stamped", "1"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Đã đóng dấu giấy thông hành"), "{html}");
    // Revoked, the pass is not let through quietly.
    let (status, _) = t
        .call(
            "POST",
            &format!("/api/v1/permits/{permit}/revoke"),
            Some(&commander),
            Some(json!({"reason": "mất thẻ"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = page(
        &t,
        "POST",
        "/desk/check",
        &cookie,
        &form_encode(&[("csrf", &csrf), ("direction", "entry"), ("mrz", &seal)]),
    )
    .await;
    assert!(html.contains("đã bị thu hồi"), "{html}");
    assert!(html.contains(r#"data-decision="refer""#), "{html}");
    // Recorded, the crossing keeps the decision the check gave.
    let id = hidden(&html, "crossing_id");
    let (status, html) = page(
        &t,
        "POST",
        "/desk/record",
        &cookie,
        &form_encode(&[
            ("csrf", &csrf),
            ("direction", "entry"),
            ("mrz", &seal),
            ("crossing_id", &id),
            ("outcome", "crossed"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (_, v) = t
        .call(
            "GET",
            "/api/v1/travellers/history?number=QN7654321",
            Some(&t.token("analyst").await),
            None,
        )
        .await;
    let crossings = v["matches"][0]["crossings"].as_array().unwrap();
    let entry = crossings.iter().find(|c| c["direction"] == "entry").unwrap();
    assert_eq!(entry["decision"], "refer", "{v}");
}
