//! E-gates: a gate's transactions decided by the desk's rules, the chip's passive
//! authentication and the checkpoint's thresholds; kept once; listed for the commander.

use super::*;
use base64::Engine;
use emrtd::issue::TestCountry;

both!(
    a_gate_opens_only_for_a_genuine_chip_and_refers_every_doubt,
    a_gates_request_is_refused_for_its_shape_and_its_caller,
    the_commander_sees_the_gates_and_sets_their_thresholds,
    a_border_resident_passes_with_a_pass_and_matched_fingers,
);

/// A gate's token at Móng Cái, and the simulator's Vietnamese CSCA trusted.
async fn gate<S: Store>(t: &TestApp<S>) -> String {
    let csca = TestCountry::simulator("VN").unwrap().csca;
    let record = server::egate::trust::csca_record(&csca, "test", NOW).unwrap();
    t.app.store.put_cscas(&[record]).await.unwrap();
    // As a second passing would: the gates' trust reads the store again.
    t.app.passport_trust.refresh_now(&t.app.store).await.unwrap();
    let (_, token, _) = server::accounts::service::add_device(
        &t.app.store,
        &server::app::Acting::system(),
        &CheckpointCode::parse("MONG-CAI").unwrap(),
        "e-gate 1",
        time::Duration::days(30),
        NOW,
    )
    .await
    .unwrap();
    token.expose().to_string()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A transaction with the chip `country` issued for `chip_mrz`, the page reading `mrz`.
fn tx(id: &str, mrz: &str, chip_mrz: &str, country: &TestCountry) -> Value {
    let chip = country.issue(&chip_mrz.replace('\n', ""), b"\xFF\xD8\xFF\xE0face").unwrap();
    json!({
        "id": id, "gate": "G1", "direction": "exit",
        "document": {"mrz": mrz},
        "chip": {"com": b64(&chip.com), "dg1": b64(&chip.dg1), "dg2": b64(&chip.dg2),
                 "sod": b64(&chip.sod)},
        "chip_access": "pace",
        "face": {"score": 0.93, "liveness": 0.98},
        "fingerprints": null,
        "timings_ms": {"document": 2400, "chip": 3100, "face": 4200, "gate": 2500}
    })
}

fn uuid(n: u32) -> String {
    format!("7d1c0000-0000-4000-8000-{n:012}")
}

async fn a_gate_opens_only_for_a_genuine_chip_and_refers_every_doubt<S: Store>(t: TestApp<S>) {
    let gate = gate(&t).await;
    let vn = TestCountry::simulator("VN").unwrap();
    let post = |body: Value| {
        let gate = gate.clone();
        let t = &t;
        async move { t.call("POST", "/api/v1/egate/transactions", Some(&gate), Some(body)).await }
    };

    let genuine = tx(&uuid(1), &duc(), &duc(), &vn);
    let (status, v) = post(genuine.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["decision"], "open", "{v}");
    assert_eq!(v["reasons"], json!([]));
    assert_eq!(
        (v["chip"].as_str(), v["crossing_id"].as_str()),
        (Some("verified"), Some(&*uuid(1)))
    );
    // The same again is answered the same, and no second crossing is recorded.
    let (status, again) = post(genuine.clone()).await;
    assert_eq!((status, &again), (StatusCode::OK, &v));
    let officer = t.token("officer.mc").await;
    let (_, h) = t
        .call(
            "GET",
            "/api/v1/travellers/history?issuing_state=VNM&number=C1234567",
            Some(&officer),
            None,
        )
        .await;
    let crossings = h["crossings"].as_array().unwrap();
    assert_eq!(crossings.len(), 1, "{h}");
    assert_eq!(
        (crossings[0]["channel"].as_str(), crossings[0]["direction"].as_str()),
        (Some("egate"), Some("exit"))
    );
    // The same id with another body is refused, and changes nothing.
    let mut other = genuine.clone();
    other["gate"] = json!("G2");
    let (status, e) = post(other).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("id_conflict")));

    let refer = |v: &Value| {
        assert_eq!(v["decision"], "refer", "{v}");
        assert!(v["crossing_id"].is_null(), "{v}");
        codes(v)
    };
    // A data group changed after signing.
    let cuong = passport("DO", "VAN CUONG", "C5555555", (1988, 8, 8), (2033, 3, 3));
    let mut tampered = tx(&uuid(2), &cuong, &cuong, &vn);
    let chip = vn.issue(&cuong.replace('\n', ""), b"\xFF\xD8\xFF\xE0face").unwrap();
    let mut dg2 = chip.dg2.clone();
    let last = dg2.len() - 1;
    dg2[last] ^= 0x01;
    tampered["chip"]["dg2"] = json!(b64(&dg2));
    let (status, v) = post(tampered).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(refer(&v), ["dg_hash_mismatch"]);
    assert_eq!(v["chip"], "failed");
    // The chip another traveller's: its DG1 is not the page's MRZ.
    let other_mrz = passport("TRAN", "VAN BINH", "C7654321", (1990, 1, 1), (2032, 1, 1));
    let (_, v) = post(tx(&uuid(3), &other_mrz, &duc(), &vn)).await;
    assert_eq!(refer(&v), ["mrz_mismatch"]);
    // An issuer whose CSCA the platform does not hold.
    let cn = TestCountry::simulator("CN").unwrap();
    let (_, v) = post(tx(&uuid(4), &other_mrz, &other_mrz, &cn)).await;
    assert_eq!(refer(&v), ["csca_unknown"]);
    // Imported, it is taken at the next such chip: the store is asked again at once.
    let record = server::egate::trust::csca_record(&cn.csca, "test", NOW).unwrap();
    t.app.store.put_cscas(&[record]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    let huong = passport("VU", "THI HUONG", "C4444444", (1992, 2, 2), (2033, 2, 2));
    let (_, v) = post(tx(&uuid(12), &huong, &huong, &cn)).await;
    assert_eq!(v["decision"], "open", "{v}");
    // The desk's rules: an expired passport.
    let expired = passport("LE", "THI HOA", "C2222222", (1970, 5, 5), (2025, 1, 1));
    let (_, v) = post(tx(&uuid(5), &expired, &expired, &vn)).await;
    assert_eq!(refer(&v), ["document_expired"]);
    assert_eq!(v["chip"], "verified");
    // Scores under the thresholds.
    let mut weak = tx(&uuid(6), &other_mrz, &other_mrz, &vn);
    weak["face"] = json!({"score": 0.41, "liveness": 0.2});
    let (_, v) = post(weak).await;
    assert_eq!(refer(&v), ["face_mismatch", "liveness_failed"]);
    // No chip, a chip that would not open, no face.
    let mut unread = tx(&uuid(7), &other_mrz, &other_mrz, &vn);
    unread["chip"] = Value::Null;
    unread["chip_access"] = Value::Null;
    unread["face"] = Value::Null;
    let (_, v) = post(unread).await;
    assert_eq!(refer(&v), ["chip_not_read", "face_missing"]);
    assert_eq!(v["chip"], "unread");
    let mut failed = tx(&uuid(8), &other_mrz, &other_mrz, &vn);
    failed["chip_access"] = json!("failed");
    let (_, v) = post(failed).await;
    assert_eq!(refer(&v), ["chip_access_failed"]);
    // A chip whose security object is garbage is a referral, never an error.
    let mut garbage = tx(&uuid(9), &other_mrz, &other_mrz, &vn);
    garbage["chip"]["sod"] = json!(b64(b"\x77\x82\xFF\xFFnot a SOD"));
    let (status, v) = post(garbage).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(refer(&v), ["sod_unreadable"]);
    // A page whose MRZ cannot be read.
    let mut blurred = tx(&uuid(10), &other_mrz, &other_mrz, &vn);
    blurred["document"] = json!({"mrz": "P<VNM??? smudged"});
    let (status, v) = post(blurred).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(refer(&v)[0], "document_unreadable");
    // A wanted traveller: the desk's watchlist rule.
    let analyst = t.token("analyst").await;
    let wanted = json!({"name": "Trần Văn Bình", "birth_date": "1990-01-01", "nationality": "VNM",
        "documents": [], "action": "deny", "reason": "wanted", "valid_until": null});
    let (status, _) = t.call("POST", "/api/v1/watchlist", Some(&analyst), Some(wanted)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, v) = post(tx(&uuid(11), &other_mrz, &other_mrz, &vn)).await;
    assert_eq!(refer(&v), ["watchlist_hit"]);
    // Nothing referred became a crossing.
    let (_, h) = t
        .call(
            "GET",
            "/api/v1/travellers/history?issuing_state=VNM&number=C7654321",
            Some(&officer),
            None,
        )
        .await;
    assert_eq!(h["error"]["code"], "not_found", "{h}");
    // Every transaction is in the audit trail, by the gate.
    let audit = t.app.store.audit_records(0, 1_000).await.unwrap();
    let kept = audit.iter().filter(|r| r.action == "egate.transaction").count();
    assert_eq!(kept, 12);
    assert!(
        audit
            .iter()
            .filter(|r| r.action == "egate.transaction")
            .all(|r| r.actor.starts_with("device:"))
    );
}

async fn a_gates_request_is_refused_for_its_shape_and_its_caller<S: Store>(t: TestApp<S>) {
    let gate = gate(&t).await;
    let vn = TestCountry::simulator("VN").unwrap();
    let good = tx(&uuid(20), &duc(), &duc(), &vn);
    let officer = t.token("officer.mc").await;
    let (status, _) =
        t.call("POST", "/api/v1/egate/transactions", Some(&officer), Some(good.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only a gate posts its transactions");
    let (status, _) = t.call("POST", "/api/v1/egate/transactions", None, Some(good.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    type Change = Box<dyn Fn(&mut Value)>;
    let bad: Vec<(&str, Change, &str)> = vec![
        (
            "no id",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("id");
            }),
            "invalid_json",
        ),
        ("id not a uuid", Box::new(|v| v["id"] = json!("42")), "invalid_id"),
        ("unknown field", Box::new(|v| v["photo"] = json!("...")), "invalid_json"),
        ("gate with a space", Box::new(|v| v["gate"] = json!("gate one")), "invalid_field"),
        ("direction", Box::new(|v| v["direction"] = json!("sideways")), "invalid_field"),
        ("no document", Box::new(|v| v["document"] = json!({})), "invalid_document"),
        ("both documents", Box::new(|v| v["document"]["barcode"] = json!("x")), "invalid_document"),
        ("chip not base64", Box::new(|v| v["chip"]["dg1"] = json!("***")), "invalid_chip"),
        ("chip file unknown", Box::new(|v| v["chip"]["dg17"] = json!("AA==")), "invalid_json"),
        ("chip_access", Box::new(|v| v["chip_access"] = json!("magic")), "invalid_field"),
        ("score above 1", Box::new(|v| v["face"]["score"] = json!(1.5)), "invalid_field"),
        ("score as text", Box::new(|v| v["face"]["score"] = json!("0.9")), "invalid_json"),
        ("no liveness", Box::new(|v| v["face"] = json!({"score": 0.9})), "invalid_json"),
        (
            "finger 11",
            Box::new(|v| v["fingerprints"] = json!([{"finger": 11, "score": 0.9}])),
            "invalid_field",
        ),
        (
            "finger twice",
            Box::new(|v| {
                v["fingerprints"] =
                    json!([{"finger": 1, "score": 0.9}, {"finger": 1, "score": 0.8}])
            }),
            "invalid_fingerprints",
        ),
        (
            "timing too long",
            Box::new(|v| v["timings_ms"]["face"] = json!(700_000)),
            "invalid_timings",
        ),
        (
            "timing named oddly",
            Box::new(|v| v["timings_ms"]["Face Match"] = json!(1)),
            "invalid_timings",
        ),
        (
            "NUL in the MRZ",
            Box::new(|v| v["document"]["mrz"] = json!("P<VNM\u{0}")),
            "invalid_json",
        ),
    ];
    for (what, change, code) in bad {
        let mut body = good.clone();
        change(&mut body);
        let (status, v) =
            t.call("POST", "/api/v1/egate/transactions", Some(&gate), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {v}");
        assert_eq!(v["error"]["code"], code, "{what}: {v}");
    }
    // A chip file too large is refused before it is decoded.
    let mut body = good.clone();
    body["chip"]["dg2"] = json!("A".repeat(400 * 1024));
    let (status, v) = t.call("POST", "/api/v1/egate/transactions", Some(&gate), Some(body)).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_chip"))
    );
    // None of them was kept: the good one is still new.
    let (status, v) = t.call("POST", "/api/v1/egate/transactions", Some(&gate), Some(good)).await;
    assert_eq!((status, v["decision"].as_str()), (StatusCode::OK, Some("open")), "{v}");
}

async fn the_commander_sees_the_gates_and_sets_their_thresholds<S: Store>(t: TestApp<S>) {
    let gate = gate(&t).await;
    let vn = TestCountry::simulator("VN").unwrap();
    for (i, gate_name) in ["G1", "G1", "G2"].iter().enumerate() {
        let mrz = passport("PHAM", "VAN AN", &format!("C100000{i}"), (1980, 1, 1), (2033, 1, 1));
        let mut body = tx(&uuid(30 + i as u32), &mrz, &mrz, &vn);
        body["gate"] = json!(gate_name);
        if i == 2 {
            body["face"]["score"] = json!(0.5);
        }
        let (status, _) =
            t.call("POST", "/api/v1/egate/transactions", Some(&gate), Some(body)).await;
        assert_eq!(status, StatusCode::OK);
        t.advance(time::Duration::minutes(1));
    }
    let commander = t.token("commander.mc").await;
    let (status, v) =
        t.call("GET", "/api/v1/egate/transactions?gate=G1", Some(&commander), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 2);
    let first = &v["transactions"][1];
    assert_eq!(first["id"], uuid(30));
    assert_eq!(first["document"]["holder"], "PHAM VAN AN");
    assert_eq!(first["timings_ms"]["face"], 4200);
    assert_eq!(first["gate_ms"], 12_200);
    assert_eq!(first["face"]["score"], 0.93);
    let (_, v) = t
        .call(
            "GET",
            "/api/v1/egate/transactions?from=2026-11-25T03:01:00Z&to=2026-11-25T03:02:00Z",
            Some(&commander),
            None,
        )
        .await;
    assert_eq!(v["total"], 1, "{v}");
    let (_, v) =
        t.call("GET", "/api/v1/egate/transactions?decision=refer", Some(&commander), None).await;
    assert_eq!(v["transactions"][0]["reasons"][0]["code"], "face_mismatch");
    // Another checkpoint's commander sees none of it; an officer, nothing at all.
    let hp = t.token("commander.hp").await;
    let (status, _) =
        t.call("GET", "/api/v1/egate/transactions?checkpoint=MONG-CAI", Some(&hp), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, v) = t.call("GET", "/api/v1/egate/transactions", Some(&hp), None).await;
    assert_eq!(v["total"], 0);
    let officer = t.token("officer.mc").await;
    let (status, _) = t.call("GET", "/api/v1/egate/transactions", Some(&officer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        t.call("GET", "/api/v1/egate/transactions?from=yesterday", Some(&commander), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The look is audited.
    let audit = t.app.store.audit_records(0, 1_000).await.unwrap();
    assert!(audit.iter().any(|r| r.action == "egate.read" && r.actor == "user:commander.mc"));

    let (_, board) = t.call("GET", "/api/v1/egate/gates", Some(&commander), None).await;
    let gates = board["gates"].as_array().unwrap();
    assert_eq!(gates.len(), 2, "{board}");
    assert_eq!((gates[0]["gate"].as_str(), gates[0]["opened"].as_u64()), (Some("G1"), Some(2)));
    assert_eq!(gates[1]["referred"], 1);
    assert_eq!(gates[0]["mean_seconds"], 12.2);
    assert_eq!(gates[0]["quiet"], false);
    t.advance(time::Duration::minutes(11));
    let (_, board) = t.call("GET", "/api/v1/egate/gates", Some(&commander), None).await;
    assert_eq!(board["gates"][0]["quiet"], true, "no transaction for ten minutes");

    // The thresholds: the platform's until the commander sets the checkpoint's own.
    let (_, v) = t.call("GET", "/api/v1/egate/thresholds", Some(&commander), None).await;
    assert_eq!(v, json!({"face": 0.8, "liveness": 0.85, "fingerprint": 0.8}));
    let strict = json!({"face": 0.95, "liveness": 0.9, "fingerprint": 0.9});
    let (status, _) =
        t.call("PUT", "/api/v1/egate/thresholds", Some(&officer), Some(strict.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t
        .call(
            "PUT",
            "/api/v1/egate/thresholds",
            Some(&commander),
            Some(json!({"face": 2, "liveness": 0.9, "fingerprint": 0.9})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        t.call("PUT", "/api/v1/egate/thresholds", Some(&commander), Some(strict.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let analyst = t.token("analyst").await;
    let (_, v) =
        t.call("GET", "/api/v1/egate/thresholds?checkpoint=MONG-CAI", Some(&analyst), None).await;
    assert_eq!(v, strict);
    // A face at 0.93 no longer opens the gate.
    let mrz = passport("VO", "THI LAN", "C3000001", (1979, 2, 2), (2034, 1, 1));
    let (_, v) = t
        .call(
            "POST",
            "/api/v1/egate/transactions",
            Some(&gate),
            Some(tx(&uuid(40), &mrz, &mrz, &vn)),
        )
        .await;
    assert_eq!(codes(&v), ["face_mismatch"]);
}

async fn a_border_resident_passes_with_a_pass_and_matched_fingers<S: Store>(t: TestApp<S>) {
    let (commander, seal, permit) = border_pass_issued(&t).await;
    let gate = gate(&t).await;
    let resident = |id: u32, fingers: Value| {
        json!({"id": uuid(id), "gate": "G9", "direction": "exit", "document": {"barcode": seal},
            "chip": null, "chip_access": null, "face": {"score": 0.9, "liveness": 0.95},
            "fingerprints": fingers, "timings_ms": {"document": 900, "fingerprints": 2100}})
    };
    let post = |body: Value| {
        let gate = gate.clone();
        let t = &t;
        async move { t.call("POST", "/api/v1/egate/transactions", Some(&gate), Some(body)).await }
    };
    // No fingers matched, or one under the threshold: an officer's lane.
    let (_, v) = post(resident(50, Value::Null)).await;
    assert_eq!(codes(&v), ["fingerprints_missing"]);
    let (_, v) =
        post(resident(51, json!([{"finger": 2, "score": 0.95}, {"finger": 7, "score": 0.3}])))
            .await;
    assert_eq!(codes(&v), ["fingerprint_mismatch"]);
    // The pass checked as at the desk, no chip asked for, the fingers matched: the gate opens.
    let (status, v) =
        post(resident(52, json!([{"finger": 2, "score": 0.95}, {"finger": 7, "score": 0.91}])))
            .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["decision"].as_str(), v["chip"].as_str()),
        (Some("open"), Some("not_required")),
        "{v}"
    );
    // A barcode that is no genuine pass is read as nothing: referred.
    let mut forged = resident(53, json!([{"finger": 2, "score": 0.95}]));
    forged["document"] = json!({"barcode": "3APfE979Ue046E28Ofm4NFq4NFpWEgEK0yepPN0"});
    let (status, v) = post(forged).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(codes(&v)[0], "document_unreadable");
    // Revoked, the pass does not open the gate.
    let (status, _) = t
        .call(
            "POST",
            &format!("/api/v1/permits/{permit}/revoke"),
            Some(&commander),
            Some(json!({"reason": "mất thẻ"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut back = resident(54, json!([{"finger": 2, "score": 0.95}]));
    back["direction"] = json!("entry");
    let (_, v) = post(back).await;
    assert!(codes(&v).contains(&"permit_revoked".to_string()), "{v}");
}
