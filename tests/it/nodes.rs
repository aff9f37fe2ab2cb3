//! Headquarters on PostgreSQL and a checkpoint node on SQLite, as real processes of the
//! built binary, with the link between them cut, restored, killed and made to flap by a TCP
//! proxy the test controls.

use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;
use crate::proxy::Proxy;

const PASSWORD: &str = "correct horse battery";

fn add_user(url: &str, name: &str, role: &str, checkpoint: Option<&str>) {
    let mut args = vec![
        "user",
        "add",
        "--username",
        name,
        "--role",
        role,
        "--password-stdin",
        "--database-url",
        url,
    ];
    if let Some(c) = checkpoint {
        args.extend_from_slice(&["--checkpoint", c]);
    }
    let (ok, _, err) = run(&args, PASSWORD);
    assert!(ok, "{err}");
}

fn sign_in(addr: &str, name: &str) -> (u16, String) {
    let body = json!({"username": name, "password": PASSWORD}).to_string();
    let (status, out) = http(addr, "POST", "/api/v1/auth/token", None, Some(&body));
    if status != 200 {
        return (status, out);
    }
    let v: Value = serde_json::from_str(&out).unwrap();
    (status, v["token"].as_str().unwrap().to_string())
}

fn health(addr: &str) -> Value {
    let (status, out) = http(addr, "GET", "/healthz", None, None);
    assert_eq!(status, 200, "{out}");
    serde_json::from_str(&out).unwrap()
}

/// Waits for `what` to hold, at most `bound`; fails naming it.
fn within(bound: Duration, what: &str, mut ok: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < bound, "not within {bound:?}: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
    started.elapsed()
}

fn crossing(i: usize, tag: &str) -> Value {
    json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "checkpoint": "MONG-CAI",
        "direction": if i.is_multiple_of(2) { "entry" } else { "exit" },
        "channel": "egate",
        "decision": "clear",
        "document": {"type": "passport", "number": format!("{tag}{i:07}"), "issuing_state": "VNM",
                     "surname": "NGUYEN", "given_names": "VAN KIEM", "birth_date": "1980-01-01"},
    })
}

/// Posts crossings to the node in batches; returns their ids (each acknowledged as stored).
fn record_at_node(addr: &str, token: &str, n: usize, tag: &str) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    let all: Vec<Value> = (0..n).map(|i| crossing(i, tag)).collect();
    for chunk in all.chunks(1_000) {
        let body = Value::Array(chunk.to_vec()).to_string();
        let (status, out) = http(addr, "POST", "/api/v1/crossings/batch", Some(token), Some(&body));
        assert_eq!(status, 200, "{out}");
        let v: Value = serde_json::from_str(&out).unwrap();
        for (item, r) in chunk.iter().zip(v["results"].as_array().unwrap()) {
            assert_eq!(r["status"], 201, "{r}");
            ids.push(item["id"].as_str().unwrap().to_string());
        }
    }
    ids
}

/// The crossings headquarters holds of these ids, and how many rows they make.
fn held_at_hq(url: &str, ids: &[String]) -> (usize, usize) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT id FROM crossings WHERE checkpoint = 'MONG-CAI'")
                .fetch_all(&pool)
                .await
                .unwrap();
        let held: HashSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let found = ids.iter().filter(|id| held.contains(id.as_str())).count();
        (found, rows.len())
    })
}

fn gzip(v: &Value) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(v.to_string().as_bytes()).unwrap();
    gz.finish().unwrap()
}

/// A raw sync message to headquarters with a node's credential: (status, body as text).
fn sync_call(addr: &str, path: &str, credential: &str, body: &[u8]) -> (u16, String) {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /api/v1/sync/{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {credential}\r\n\
         Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text)
}

#[test]
fn a_node_works_through_cuts_kills_and_a_flapping_link_and_loses_nothing() {
    let url = pg_database("bp_nodes");
    let (ok, _, err) = run(&["migrate", "--database-url", &url], "");
    assert!(ok, "{err}");
    add_user(&url, "admin", "admin", None);
    add_user(&url, "officer.mc", "officer", Some("MONG-CAI"));
    let (ok, device, err) = run(
        &["device", "add", "--checkpoint", "MONG-CAI", "--name", "gate 1", "--database-url", &url],
        "",
    );
    assert!(ok, "{err}");
    let device = device.trim().to_string();

    let mut hq = Server::start(&["--database-url", &url]);
    let proxy = Proxy::start(&hq.addr);
    let (ok, out, err) =
        run(&["node", "add", "--checkpoint", "MONG-CAI", "--database-url", &url], "");
    assert!(ok, "{err}");
    let secret = out.lines().last().unwrap().trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (ok, out, err) =
        run(&["node", "enrol", "--hq", &proxy.url(), "--secret", &secret, "--data-dir", d], "");
    assert!(ok, "{err}");
    assert!(out.contains("MONG-CAI"), "{out}");
    // The secret is spent.
    let (ok, _, err) =
        run(&["node", "enrol", "--hq", &proxy.url(), "--secret", &secret, "--data-dir", d], "");
    assert!(!ok && err.contains("403"), "{err}");

    let mut node = Server::start(&["--role", "checkpoint", "--data-dir", d]);
    within(Duration::from_secs(15), "the node connects", || {
        health(&node.addr)["connected"] == true
    });
    let h = health(&node.addr);
    assert_eq!(h["role"], "checkpoint");
    assert_eq!(h["checkpoint"], "MONG-CAI");
    assert!(h["watchlist_as_of"].is_string(), "{h}");

    // The officer of the post signs in at the node with the password set at headquarters.
    let (status, officer) = sign_in(&node.addr, "officer.mc");
    assert_eq!(status, 200, "{officer}");
    // What only headquarters does is refused here, plainly.
    let (status, out) =
        http(&node.addr, "POST", "/api/v1/watchlist", Some(&officer), Some(r#"{"name": "X"}"#));
    assert_eq!(status, 409, "{out}");
    assert!(out.contains("headquarters_only"), "{out}");

    // 1. Cut off: 10,000 crossings recorded at the node; an entry added at headquarters.
    proxy.cut();
    within(Duration::from_secs(20), "the node sees the cut", || {
        health(&node.addr)["connected"] == false
    });
    let mut ids = record_at_node(&node.addr, &device, 10_000, "C");
    let (_, admin) = sign_in(&hq.addr, "admin");
    let entry = json!({"name": "TRAN THI WANTED", "aliases": [], "birth_date": "1975-05-05",
        "nationality": "VNM", "sex": "F", "documents": [{"issuing_state": "VNM", "number": "W7654321"}],
        "action": "deny", "reason": "test", "valid_until": null});
    let (status, out) =
        http(&hq.addr, "POST", "/api/v1/watchlist", Some(&admin), Some(&entry.to_string()));
    assert_eq!(status, 201, "{out}");
    // The node screens each crossing before it goes up; in a debug build that alone takes about
    // 20 s for 10,000 here, and the rest of the suite runs beside it. The bound only stops a hang.
    within(Duration::from_secs(120), "the backlog holds the 10,000", || {
        health(&node.addr)["backlog"].as_i64().unwrap() >= 10_000
    });
    let check = json!({"checkpoint": "MONG-CAI", "direction": "entry", "document": {
        "type": "passport", "number": "W7654321", "issuing_state": "VNM", "surname": "TRAN",
        "given_names": "THI WANTED", "nationality": "VNM", "birth_date": "1975-05-05", "sex": "F",
        "expiry_date": "2031-01-01"}})
    .to_string();
    let (status, out) =
        http(&node.addr, "POST", "/api/v1/control/check", Some(&officer), Some(&check));
    assert_eq!(status, 200, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["history"]["scope"], "this_post", "{v}");
    assert!(v["history"]["note"].as_str().unwrap().contains("headquarters unreachable since"));

    // Restored: every crossing exactly once at headquarters, and the new entry hits at the node.
    proxy.restore();
    let drained = within(Duration::from_secs(90), "headquarters holds the 10,000", || {
        held_at_hq(&url, &ids).0 == ids.len()
    });
    eprintln!("10,000 crossings drained in {drained:?}");
    assert_eq!(held_at_hq(&url, &ids), (ids.len(), ids.len()));
    within(Duration::from_secs(20), "a check at the node hits the new entry", || {
        let (_, out) =
            http(&node.addr, "POST", "/api/v1/control/check", Some(&officer), Some(&check));
        let v: Value = serde_json::from_str(&out).unwrap();
        v["decision"] == "deny" && v["history"]["scope"] == "nationwide"
    });

    // 2. The node killed in the middle of sending, and headquarters in the middle of
    // receiving: nothing acknowledged is lost, nothing is stored twice.
    proxy.cut();
    within(Duration::from_secs(20), "the node sees the cut", || {
        health(&node.addr)["connected"] == false
    });
    ids.extend(record_at_node(&node.addr, &device, 5_000, "K"));
    within(Duration::from_secs(60), "the backlog holds the 5,000", || {
        health(&node.addr)["backlog"].as_i64().unwrap() >= 5_000
    });
    // Slowed, so that the kill falls in the middle of the drain.
    proxy.flaky(0, 40);
    proxy.restore();
    within(Duration::from_secs(30), "some arrive", || held_at_hq(&url, &ids).0 > 10_000);
    node.child.kill().unwrap();
    node.child.wait().unwrap();
    let (found, rows) = held_at_hq(&url, &ids);
    assert!(found < ids.len(), "the kill came too late to be in the middle ({found})");
    assert_eq!(found, rows);
    hq.child.kill().unwrap();
    hq.child.wait().unwrap();
    node = Server::start(&["--role", "checkpoint", "--data-dir", d]);
    hq = Server::start(&["--database-url", &url]);
    proxy.set_upstream(&hq.addr);
    proxy.flaky(0, 0);
    within(Duration::from_secs(90), "headquarters holds the 15,000", || {
        held_at_hq(&url, &ids).0 == ids.len()
    });
    assert_eq!(held_at_hq(&url, &ids), (ids.len(), ids.len()));

    // 3. A link that drops 30 % of what passes and flaps: still all, still once.
    proxy.flaky(300, 5);
    ids.extend(record_at_node(&node.addr, &device, 3_000, "F"));
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(700));
        proxy.cut();
        std::thread::sleep(Duration::from_millis(300));
        proxy.restore();
    }
    proxy.flaky(0, 0);
    within(Duration::from_secs(120), "headquarters holds the 18,000", || {
        held_at_hq(&url, &ids).0 == ids.len()
    });
    assert_eq!(held_at_hq(&url, &ids), (ids.len(), ids.len()));
    within(Duration::from_secs(20), "the backlog drains", || {
        health(&node.addr)["backlog"].as_i64().unwrap() == 0
    });

    // 4. An account disabled at headquarters cannot sign in at the node after the next sync.
    let (ok, _, err) =
        run(&["user", "disable", "--username", "officer.mc", "--database-url", &url], "");
    assert!(ok, "{err}");
    within(Duration::from_secs(20), "the disabled account is refused at the node", || {
        sign_in(&node.addr, "officer.mc").0 == 401
    });

    // 5. The node's credential acts only for its own checkpoint.
    let held: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("node.json")).unwrap())
            .unwrap();
    let credential = held["credential"].as_str().unwrap();
    let mut other = crossing(1, "H");
    other["checkpoint"] = json!("HUU-NGHI");
    let up = json!({"protocol": 1, "version": "test", "sent_at": "2026-01-01T00:00:00Z",
        "backlog": 1, "crossings": [{"id": other["id"], "document": {"type": "passport",
        "number": "H0000001", "issuing_state": "VNM", "surname": "A", "given_names": "B",
        "nationality": null, "birth_date": null, "sex": null, "expiry_date": null,
        "issuing_area": null}, "checkpoint": "HUU-NGHI", "direction": "entry", "channel": "egate",
        "at": "2026-01-01T00:00:00Z", "decision": "clear", "client_decision": null,
        "outcome": "crossed", "stamped": false, "actor": "device:1"}], "audit": []});
    let (status, out) = sync_call(&hq.addr, "up", credential, &gzip(&up));
    assert_eq!(status, 403, "{out}");
    assert!(out.contains("other_checkpoint"), "{out}");
    // The node's audit trail, as headquarters keeps it, verifies under the key headquarters
    // derived for it; headquarters' own still verifies too.
    let (ok, out, err) =
        run(&["audit", "verify", "--node", "MONG-CAI", "--database-url", &url], "");
    assert!(ok, "{err}");
    assert!(out.starts_with("audit trail of the node of MONG-CAI intact:"), "{out}");
    let n: u64 = out.split_whitespace().nth(8).unwrap().parse().unwrap();
    assert!(n > 10, "{out}");
    let (ok, out, err) = run(&["audit", "verify", "--database-url", &url], "");
    assert!(ok && out.starts_with("audit trail intact:"), "{out}{err}");
    // Kept append-only; rewritten by someone who could lift that, the link no longer holds.
    let psql = |sql: &str| {
        std::process::Command::new("psql").args([url.as_str(), "-qc", sql]).output().unwrap()
    };
    assert!(!psql("UPDATE node_audit SET subject = 'x' WHERE seq = 2").status.success());
    assert!(psql("ALTER TABLE node_audit DISABLE TRIGGER node_audit_no_change").status.success());
    assert!(psql("UPDATE node_audit SET subject = 'x' WHERE seq = 2").status.success());
    let (ok, _, err) = run(&["audit", "verify", "--node", "MONG-CAI", "--database-url", &url], "");
    assert!(!ok && err.contains("record 2"), "{err}");
    // A revoked node is refused at once.
    let (ok, _, err) =
        run(&["node", "revoke", "--checkpoint", "MONG-CAI", "--database-url", &url], "");
    assert!(ok, "{err}");
    let (status, _) = sync_call(&hq.addr, "down", credential, &gzip(&json!({})));
    assert_eq!(status, 401);

    // The network as headquarters sees it.
    let (status, out) = http(&hq.addr, "GET", "/api/v1/nodes", Some(&admin), None);
    assert_eq!(status, 200, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["nodes"][0]["checkpoint"], "MONG-CAI");
    assert_eq!(v["nodes"][0]["state"], "revoked");
    drop(node);
    drop(hq);
    drop_pg_database(&url);
}

#[test]
fn a_permit_revoked_at_headquarters_is_refused_at_the_node_after_the_next_sync() {
    const PASSPHRASE: &str = "node test passphrase, long enough";
    let hq_dir = tempfile::tempdir().unwrap();
    let h = hq_dir.path().to_str().unwrap();
    let out = bienphong()
        .args(["keys", "init", "--data-dir", h])
        .env("BIENPHONG_KEY_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (name, role) in [("commander.mc", "commander"), ("officer.mc", "officer")] {
        let (ok, _, err) = run(
            &[
                "user",
                "add",
                "--username",
                name,
                "--role",
                role,
                "--checkpoint",
                "MONG-CAI",
                "--password-stdin",
                "--data-dir",
                h,
            ],
            PASSWORD,
        );
        assert!(ok, "{err}");
    }
    let hq = Server::start_with(&["--data-dir", h], &[("BIENPHONG_KEY_PASSPHRASE", PASSPHRASE)]);
    let (ok, out, err) = run(&["node", "add", "--checkpoint", "MONG-CAI", "--data-dir", h], "");
    assert!(ok, "{err}");
    let secret = out.lines().last().unwrap().trim().to_string();
    let node_dir = tempfile::tempdir().unwrap();
    let d = node_dir.path().to_str().unwrap();
    let url = format!("http://{}", hq.addr);
    let (ok, _, err) =
        run(&["node", "enrol", "--hq", &url, "--secret", &secret, "--data-dir", d], "");
    assert!(ok, "{err}");
    let node = Server::start(&["--role", "checkpoint", "--data-dir", d]);

    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date();
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    let (_, commander) = sign_in(&hq.addr, "commander.mc");
    let pass = json!({"type": "border_pass", "checkpoint": "MONG-CAI",
        "holder": {"family_name": "Lý", "given_names": "Thị Hoa", "nationality": "VNM",
            "birth_date": "1972-08-09", "document_number": "QN7654321"},
        "valid_from": day(today), "valid_until": day(today + time::Duration::days(90))});
    let (status, out) =
        http(&hq.addr, "POST", "/api/v1/permits", Some(&commander), Some(&pass.to_string()));
    assert_eq!(status, 201, "{out}");
    let issued: Value = serde_json::from_str(&out).unwrap();
    let verify = json!({"seal_base64": issued["seal_base64"]}).to_string();

    // The node verifies it with the certificates it brought down, offline from its store.
    let (status, officer) = sign_in(&node.addr, "officer.mc");
    assert_eq!(status, 200, "{officer}");
    let scan = || {
        let (status, out) =
            http(&node.addr, "POST", "/api/v1/permits/verify", Some(&officer), Some(&verify));
        assert_eq!(status, 200, "{out}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    within(Duration::from_secs(20), "the node verifies the pass", || scan()["valid"] == true);
    // Issuing is headquarters' work.
    let (status, _) =
        http(&node.addr, "POST", "/api/v1/permits", Some(&officer), Some(&pass.to_string()));
    assert_eq!(status, 409);

    let revoke = format!("/api/v1/permits/{}/revoke", issued["id"].as_str().unwrap());
    let (status, out) =
        http(&hq.addr, "POST", &revoke, Some(&commander), Some(r#"{"reason": "lost"}"#));
    assert_eq!(status, 200, "{out}");
    let took = within(Duration::from_secs(20), "the node refuses the revoked pass", || {
        let v = scan();
        v["valid"] == false && v["reason"] == "revoked"
    });
    eprintln!("a revocation reached the node in {took:?}");
}

/// Enrols a node for `checkpoint` with headquarters at `hq_url` (database `url`), and starts it.
fn enrolled_node(url: &str, hq_url: &str, checkpoint: &str) -> (tempfile::TempDir, Server) {
    let (ok, out, err) =
        run(&["node", "add", "--checkpoint", checkpoint, "--database-url", url], "");
    assert!(ok, "{err}");
    let secret = out.lines().last().unwrap().trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (ok, _, err) =
        run(&["node", "enrol", "--hq", hq_url, "--secret", &secret, "--data-dir", d], "");
    assert!(ok, "{err}");
    let node = Server::start(&["--role", "checkpoint", "--data-dir", d]);
    within(Duration::from_secs(15), "the node connects", || {
        health(&node.addr)["connected"] == true
    });
    (dir, node)
}

fn alerts_of(addr: &str, token: &str, status: &str) -> Vec<Value> {
    let (code, out) =
        http(addr, "GET", &format!("/api/v1/alerts?status={status}"), Some(token), None);
    assert_eq!(code, 200, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    v["alerts"].as_array().unwrap().clone()
}

fn of_document<'a>(alerts: &'a [Value], document: &str) -> Option<&'a Value> {
    alerts.iter().find(|a| a["traveller_document"].as_str().is_some_and(|d| d.ends_with(document)))
}

/// Headquarters on PostgreSQL and two nodes: a land post whose officers' handling of alerts
/// reaches headquarters and which holds headquarters' dismissals, and a port whose gangway
/// scans of permits reach headquarters as movements.
#[test]
fn two_nodes_send_up_alerts_and_movements_and_hold_dismissals_and_permits() {
    const PASSPHRASE: &str = "node test passphrase, long enough";
    let url = pg_database("bp_two_nodes");
    let (ok, _, err) = run(&["migrate", "--database-url", &url], "");
    assert!(ok, "{err}");
    let out = bienphong()
        .args(["keys", "init", "--database-url", &url])
        .env("BIENPHONG_KEY_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add_user(&url, "admin", "admin", None);
    add_user(&url, "analyst", "analyst", None);
    add_user(&url, "commander.mc", "commander", Some("MONG-CAI"));
    add_user(&url, "commander.hp", "commander", Some("CANG-HAI-PHONG"));
    add_user(&url, "officer.hp", "officer", Some("CANG-HAI-PHONG"));
    let (ok, device, err) = run(
        &["device", "add", "--checkpoint", "MONG-CAI", "--name", "gate 1", "--database-url", &url],
        "",
    );
    assert!(ok, "{err}");
    let device = device.trim().to_string();
    let hq =
        Server::start_with(&["--database-url", &url], &[("BIENPHONG_KEY_PASSPHRASE", PASSPHRASE)]);
    let hq_url = format!("http://{}", hq.addr);
    let (mc_dir, land) = enrolled_node(&url, &hq_url, "MONG-CAI");
    let (_hp_dir, port) = enrolled_node(&url, &hq_url, "CANG-HAI-PHONG");

    // A Country Signing CA imported at headquarters comes down to the node with the trust.
    let pki = crate::tls::TestPki::new();
    let (ok, out, err) =
        run(&["csca", "import", pki.ca().to_str().unwrap(), "--database-url", &url], "");
    assert!(ok && out.contains("imported 1 new"), "{out}{err}");
    let node_dir = mc_dir.path().to_str().unwrap().to_string();
    within(Duration::from_secs(20), "the node holds headquarters' CSCA", || {
        let (ok, out, err) = run(&["csca", "list", "--data-dir", &node_dir], "");
        assert!(ok, "{err}");
        out.contains("Border Guard Test CA")
    });
    // And its revocation list after it.
    let (ok, out, err) =
        run(&["csca", "import", pki.crl().to_str().unwrap(), "--database-url", &url], "");
    assert!(ok && out.contains("imported the revocation list"), "{out}{err}");
    within(Duration::from_secs(20), "the node holds the CSCA's revocation list", || {
        let (_, out, _) = run(&["csca", "list", "--data-dir", &node_dir], "");
        out.lines().any(|l| l.starts_with("CRL\t") && l.contains("Border Guard Test CA"))
    });

    // A gate at the land post, its link up: the simulator's CSCAs imported at headquarters
    // reach the node, the node decides, and the open gate's crossing goes up.
    let (ok, pem, _) = run(&["egate", "cscas"], "");
    assert!(ok);
    let pem_file = mc_dir.path().join("simulator-cscas.pem");
    std::fs::write(&pem_file, pem).unwrap();
    let (ok, out, err) =
        run(&["csca", "import", pem_file.to_str().unwrap(), "--database-url", &url], "");
    assert!(ok, "{out}{err}");
    let mrz = mrz::build(&mrz::Fields {
        format: mrz::Format::Td3,
        document_code: "P".into(),
        issuing_state: "VNM".into(),
        surname: "HOANG".into(),
        given_names: "VAN NAM".into(),
        document_number: "Z7777777".into(),
        nationality: "VNM".into(),
        birth_date: mrz::Date::new(1981, 4, 4),
        sex: mrz::Sex::Male,
        expiry_date: mrz::Date::new(2034, 4, 4),
        optional_data: String::new(),
        optional_data_2: String::new(),
    })
    .unwrap();
    let chip = emrtd::issue::TestCountry::simulator("VN")
        .unwrap()
        .issue(&mrz.replace('\n', ""), b"\xFF\xD8face")
        .unwrap();
    let b64 = |b: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b);
    let mut gate_id = String::new();
    within(Duration::from_secs(30), "the node's gate opens for a genuine chip", || {
        // Referred (csca_unknown) until the CSCAs come down; the same id would be answered
        // the same, so each try is a transaction of its own.
        gate_id = uuid::Uuid::new_v4().to_string();
        let body = json!({"id": gate_id, "gate": "G1", "direction": "exit",
            "document": {"mrz": mrz},
            "chip": {"com": b64(&chip.com), "dg1": b64(&chip.dg1), "dg2": b64(&chip.dg2),
                "sod": b64(&chip.sod)},
            "chip_access": "pace", "face": {"score": 0.95, "liveness": 0.99}})
        .to_string();
        let (status, out) =
            http(&land.addr, "POST", "/api/v1/egate/transactions", Some(&device), Some(&body));
        assert_eq!(status, 200, "{out}");
        let v: Value = serde_json::from_str(&out).unwrap();
        v["decision"] == "open"
    });
    within(Duration::from_secs(20), "the gate's crossing reaches headquarters", || {
        held_at_hq(&url, std::slice::from_ref(&gate_id)).0 == 1
    });
    // The post's thresholds are set at headquarters and come down; the node does not set them.
    let (_, hq_commander) = sign_in(&hq.addr, "commander.mc");
    let (_, node_commander) = sign_in(&land.addr, "commander.mc");
    let strict = json!({"face": 0.97, "liveness": 0.9, "fingerprint": 0.9});
    let (status, out) = http(
        &hq.addr,
        "PUT",
        "/api/v1/egate/thresholds",
        Some(&hq_commander),
        Some(&strict.to_string()),
    );
    assert_eq!(status, 200, "{out}");
    within(Duration::from_secs(20), "the node takes the thresholds set at headquarters", || {
        let (status, out) =
            http(&land.addr, "GET", "/api/v1/egate/thresholds", Some(&node_commander), None);
        assert_eq!(status, 200, "{out}");
        serde_json::from_str::<Value>(&out).unwrap() == strict
    });
    let (status, out) = http(
        &land.addr,
        "PUT",
        "/api/v1/egate/thresholds",
        Some(&node_commander),
        Some(&strict.to_string()),
    );
    assert_eq!(status, 409, "{out}");
    assert!(out.contains("headquarters_only"), "{out}");

    // Two listed people; each crosses at the land post, which raises its alerts.
    let (_, admin) = sign_in(&hq.addr, "admin");
    for (name, number) in [("TRAN VAN BINH", "W1111111"), ("LE VAN NGHI", "W2222222")] {
        let entry = json!({"name": name, "aliases": [], "birth_date": "1970-01-01",
            "nationality": "VNM", "sex": "M",
            "documents": [{"issuing_state": "VNM", "number": number}],
            "action": "notify", "reason": "test", "valid_until": null});
        let (status, out) =
            http(&hq.addr, "POST", "/api/v1/watchlist", Some(&admin), Some(&entry.to_string()));
        assert_eq!(status, 201, "{out}");
    }
    let (_, commander) = sign_in(&land.addr, "commander.mc");
    let (_, analyst) = sign_in(&hq.addr, "analyst");
    let traveller = |number: &str, surname: &str, given: &str| {
        json!([{"id": uuid::Uuid::new_v4().to_string(), "checkpoint": "MONG-CAI",
            "direction": "entry", "channel": "egate", "decision": "clear",
            "document": {"type": "passport", "number": number, "issuing_state": "VNM",
                "surname": surname, "given_names": given, "nationality": "VNM",
                "birth_date": "1970-01-01", "sex": "M", "expiry_date": "2031-01-01"}}])
        .to_string()
    };
    within(Duration::from_secs(30), "the node raises both alerts", || {
        // Sent again until the node holds the entries: a crossing is stored once by id, and
        // each attempt is a crossing of its own.
        let open = alerts_of(&land.addr, &commander, "open");
        if of_document(&open, "W1111111").is_some() && of_document(&open, "W2222222").is_some() {
            return true;
        }
        for (n, s, g) in [("W1111111", "TRAN", "VAN BINH"), ("W2222222", "LE", "VAN NGHI")] {
            let body = traveller(n, s, g);
            let (status, out) =
                http(&land.addr, "POST", "/api/v1/crossings/batch", Some(&device), Some(&body));
            assert_eq!(status, 200, "{out}");
        }
        std::thread::sleep(Duration::from_millis(900));
        false
    });
    // Headquarters screened the node's crossings again and raised its own.
    within(Duration::from_secs(30), "headquarters raises both alerts", || {
        let open = alerts_of(&hq.addr, &analyst, "open");
        of_document(&open, "W1111111").is_some() && of_document(&open, "W2222222").is_some()
    });

    // The post's commander dismisses the first at the node: headquarters' alert is closed by
    // that decision, in the commander's name.
    let open = alerts_of(&land.addr, &commander, "open");
    let first = of_document(&open, "W1111111").unwrap()["id"].as_i64().unwrap();
    let (status, out) = http(
        &land.addr,
        "POST",
        &format!("/api/v1/alerts/{first}/dismiss"),
        Some(&commander),
        Some("{}"),
    );
    assert_eq!(status, 200, "{out}");
    let took = within(Duration::from_secs(20), "headquarters holds the node's dismissal", || {
        let open = alerts_of(&hq.addr, &analyst, "open");
        let dismissed = alerts_of(&hq.addr, &analyst, "dismissed");
        of_document(&open, "W1111111").is_none()
            && of_document(&dismissed, "W1111111")
                .is_some_and(|a| a["decided_by"].as_str().unwrap_or("").contains("commander.mc"))
    });
    eprintln!("a node's dismissal reached headquarters in {took:?}");

    // An analyst at headquarters dismisses the second: the node's open alert is closed too.
    let open = alerts_of(&hq.addr, &analyst, "open");
    let second = of_document(&open, "W2222222").unwrap()["id"].as_i64().unwrap();
    let (status, out) = http(
        &hq.addr,
        "POST",
        &format!("/api/v1/alerts/{second}/dismiss"),
        Some(&analyst),
        Some("{}"),
    );
    assert_eq!(status, 200, "{out}");
    let took = within(Duration::from_secs(20), "the node holds headquarters' dismissal", || {
        let open = alerts_of(&land.addr, &commander, "open");
        let dismissed = alerts_of(&land.addr, &commander, "dismissed");
        of_document(&open, "W2222222").is_none() && of_document(&dismissed, "W2222222").is_some()
    });
    eprintln!("a dismissal at headquarters reached the node in {took:?}");
    // Neither went round again: one alert each at headquarters, none open.
    std::thread::sleep(Duration::from_secs(2));
    let all = alerts_of(&hq.addr, &analyst, "all");
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(alerts_of(&hq.addr, &analyst, "open").is_empty());

    // The port: a shore pass issued at headquarters comes down, and the gangway's scans of it
    // go up as movements.
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date();
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    let (_, hp_commander) = sign_in(&hq.addr, "commander.hp");
    let issue = |document: &str| {
        let pass = json!({"type": "shore_pass", "checkpoint": "CANG-HAI-PHONG",
            "holder": {"family_name": "SANTOS", "given_names": "JOSE", "nationality": "PHL",
                "birth_date": "1988-12-15", "document_number": document},
            "vessel_imo": "9244491",
            "valid_from": day(today), "valid_until": day(today + time::Duration::days(3))});
        let (status, out) =
            http(&hq.addr, "POST", "/api/v1/permits", Some(&hp_commander), Some(&pass.to_string()));
        assert_eq!(status, 201, "{out}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let pass = issue("P1234567A");
    let (status, officer) = sign_in(&port.addr, "officer.hp");
    assert_eq!(status, 200, "{officer}");
    let scan = |seal: &Value, direction: &str| {
        let body = json!({"seal_base64": seal, "direction": direction}).to_string();
        let (status, out) =
            http(&port.addr, "POST", "/api/v1/permits/verify", Some(&officer), Some(&body));
        assert_eq!(status, 200, "{out}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    within(Duration::from_secs(20), "the port records the holder going ashore", || {
        let v = scan(&pass["seal_base64"], "ashore");
        assert_eq!(v["valid"], true, "{v}");
        v["movement"] == "ashore" && v["unrecorded"] == false
    });
    let id = pass["id"].as_str().unwrap();
    let took = within(Duration::from_secs(20), "headquarters holds the movement", || {
        let (_, out) =
            http(&hq.addr, "GET", &format!("/api/v1/permits/{id}"), Some(&hp_commander), None);
        let v: Value = serde_json::from_str(&out).unwrap();
        v["movements"].as_array().is_some_and(|m| {
            m.len() == 1 && m[0]["direction"] == "ashore" && m[0]["checkpoint"] == "CANG-HAI-PHONG"
        })
    });
    eprintln!("a movement at the port reached headquarters in {took:?}");

    // Cut off, the port still verifies a pass issued since, and says it recorded nothing.
    let (_, port_commander) = sign_in(&port.addr, "commander.hp");
    let (status, out) = http(
        &port.addr,
        "POST",
        "/api/v1/admin/link",
        Some(&port_commander),
        Some(r#"{"up": false}"#),
    );
    assert_eq!(status, 200, "{out}");
    let late = issue("P7654321B");
    let v = scan(&late["seal_base64"], "ashore");
    assert_eq!((v["valid"].clone(), v["unrecorded"].clone()), (json!(true), json!(true)), "{v}");
    assert!(v.get("movement").is_none(), "{v}");
    // Issuing there is refused with where the link stands.
    let (status, out) =
        http(&port.addr, "POST", "/api/v1/permits", Some(&port_commander), Some("{}"));
    assert_eq!(status, 409, "{out}");
    assert!(out.contains("switched off here since"), "{out}");
    let (status, out) = http(
        &port.addr,
        "POST",
        "/api/v1/admin/link",
        Some(&port_commander),
        Some(r#"{"up": true}"#),
    );
    assert_eq!(status, 200, "{out}");
    within(Duration::from_secs(20), "the pass issued during the cut comes down", || {
        scan(&late["seal_base64"], "ashore")["unrecorded"] == false
    });
}

/// Headquarters behind HTTPS with a certificate of the border guard's own authority: a node
/// that does not trust it refuses to enrol, and one given the authority enrols, keeps it, and
/// syncs through it.
#[test]
fn a_node_talks_to_headquarters_over_https_under_its_own_authority() {
    let pki = crate::tls::TestPki::new();
    let hq_dir = tempfile::tempdir().unwrap();
    let h = hq_dir.path().to_str().unwrap();
    let (ok, device, err) = run(
        &["device", "add", "--checkpoint", "MONG-CAI", "--name", "gate 1", "--data-dir", h],
        "",
    );
    assert!(ok, "{err}");
    let device = device.trim().to_string();
    let hq = Server::start(&["--data-dir", h]);
    let front = crate::tls::TlsFront::start(&pki, &hq.addr);
    let (ok, out, err) = run(&["node", "add", "--checkpoint", "MONG-CAI", "--data-dir", h], "");
    assert!(ok, "{err}");
    let secret = out.lines().last().unwrap().trim().to_string();
    let node_dir = tempfile::tempdir().unwrap();
    let d = node_dir.path().to_str().unwrap();

    // Not trusted: refused before anything is sent, so the secret is still good.
    let (ok, _, err) =
        run(&["node", "enrol", "--hq", &front.url(), "--secret", &secret, "--data-dir", d], "");
    assert!(!ok, "enrolled over an untrusted certificate");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    let not_pem = node_dir.path().join("not.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let (ok, _, err) = run(
        &[
            "node",
            "enrol",
            "--hq",
            &front.url(),
            "--secret",
            &secret,
            "--data-dir",
            d,
            "--hq-ca",
            not_pem.to_str().unwrap(),
        ],
        "",
    );
    assert!(!ok && err.contains("not.pem"), "{err}");

    let ca = pki.ca();
    let (ok, out, err) = run(
        &[
            "node",
            "enrol",
            "--hq",
            &front.url(),
            "--secret",
            &secret,
            "--data-dir",
            d,
            "--hq-ca",
            ca.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("MONG-CAI"), "{out}");
    assert!(node_dir.path().join("hq-ca.pem").exists());

    // Served from the folder, it reaches headquarters through HTTPS with the kept authority.
    let node = Server::start(&["--role", "checkpoint", "--data-dir", d]);
    within(Duration::from_secs(15), "the node connects over HTTPS", || {
        health(&node.addr)["connected"] == true
    });
    let ids = record_at_node(&node.addr, &device, 20, "T");
    let hq_db = hq_dir.path().join("bienphong.db");
    within(Duration::from_secs(20), "headquarters holds the crossings", || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let held: i64 = rt.block_on(async {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", hq_db.display()))
                .await
                .unwrap();
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM crossings").fetch_one(&pool).await;
            pool.close().await;
            n.unwrap()
        });
        held == ids.len() as i64
    });
}

/// Ends the demo even when an assertion fails, so that it does not hold the test's output open.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_demo_with_a_node_lets_its_link_be_cut_and_the_backlog_drain() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let port = (21_000..40_000)
        .step_by(7)
        .find(|p| {
            std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok()
                && std::net::TcpListener::bind(("127.0.0.1", *p + 1)).is_ok()
        })
        .unwrap();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Killed(
        bienphong()
            .args(["demo", "--listen", &listen, "--data-dir", dir.path().to_str().unwrap()])
            .args(["--travellers", "500", "--watchlist", "200", "--with-node", "MONG-CAI"])
            .env_remove("BIENPHONG_DATA_DIR")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (mut gate, mut node) = (String::new(), String::new());
    let mut lines = std::io::BufReader::new(child.0.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(t) = line.strip_prefix("e-gate token at MONG-CAI: ") {
            gate = t.trim().to_string();
        }
        if let Some(rest) = line.strip_prefix("node of MONG-CAI: http://") {
            node = rest.split('/').next().unwrap().to_string();
            break;
        }
    }
    // The rest of what the demo says is read, never left unread: a closed pipe made its next
    // line fail (an earlier version of this test stalled so).
    std::thread::spawn(move || lines.for_each(drop));
    assert!(!gate.is_empty(), "no gate token");
    assert_eq!(node, format!("127.0.0.1:{}", port + 1));
    within(Duration::from_secs(20), "the node connects", || health(&node)["connected"] == true);
    let ask = json!({"username": "commander.mongcai", "password": "commander-demo-2026"});
    let (status, out) = http(&node, "POST", "/api/v1/auth/token", None, Some(&ask.to_string()));
    assert_eq!(status, 200, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let commander = v["token"].as_str().unwrap().to_string();
    let link = |up: bool| {
        let body = json!({"up": up}).to_string();
        http(&node, "POST", "/api/v1/admin/link", Some(&commander), Some(&body)).0
    };
    assert_eq!(link(false), 200);
    record_at_node(&node, &gate, 30, "D");
    within(Duration::from_secs(20), "the backlog grows", || {
        let h = health(&node);
        h["connected"] == false && h["backlog"].as_i64().unwrap() >= 30
    });
    assert_eq!(link(true), 200);
    within(Duration::from_secs(20), "the backlog drains", || {
        health(&node)["backlog"].as_i64().unwrap() == 0
    });
}
