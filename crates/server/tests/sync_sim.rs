//! The sync protocol under thousands of fault schedules, deterministically: a node and
//! headquarters, each on its own SQLite database, run the real `push` and `receive_up` and
//! their SQL; between them a transport whose faults a seed chooses (a message lost before
//! headquarters reads it, an answer lost after it committed, a message delivered twice, an
//! old message delivered late, a node or headquarters restarted in between). Each seed checks
//! that nothing acknowledged is lost and nothing is stored twice: crossings, and the alerts the
//! post's commander decided.
//!
//! `BIENPHONG_SYNC_SCHEDULES=N` runs N seeds (CI runs the default); a seed that ever failed is
//! kept in `REGRESSIONS` and runs every time.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::{
    AlertScope, Channel, CheckpointCode, Country, CrossingOutcome, Decision, Direction,
    DocumentNumber, DocumentType, TravelDocument,
};
use server::App;
use server::sync::link::{LinkError, Transport};
use server::sync::service;
use server::sync::wire;
use store::sync::NodeRecord;
use store::{
    AlertStatus, AuditAction, AuditEvent, AuditStore, ControlStore, CrossingAlert, NewCrossing,
    RecordedBy, Screening, SqliteStore, Store, SyncStore, WatchEntry, WatchlistStore,
};
use time::OffsetDateTime;

/// Seeds that once found a fault; they run every time.
const REGRESSIONS: &[u64] = &[];

/// Seeds run by default.
const DEFAULT_SCHEDULES: u64 = 200;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the seed chose for one schedule, in per mille.
#[derive(Debug, Clone, Copy)]
struct Faults {
    lose_message: u64,
    lose_answer: u64,
    duplicate_now: u64,
    deliver_late: u64,
}

/// Headquarters behind a link that the seed breaks.
struct SimLink {
    hq: Mutex<App<SqliteStore>>,
    hq_path: std::path::PathBuf,
    node: NodeRecord,
    rng: Mutex<Rng>,
    faults: Mutex<Option<Faults>>,
    /// Messages held back, delivered after later ones.
    late: Mutex<Vec<Vec<u8>>>,
    trace: Mutex<Vec<String>>,
}

impl SimLink {
    fn roll(&self) -> u64 {
        self.rng.lock().unwrap().below(1000)
    }

    fn note(&self, what: String) {
        self.trace.lock().unwrap().push(what);
    }

    async fn deliver(&self, packed: &[u8]) -> Result<Vec<u8>, LinkError> {
        let up: wire::Up =
            wire::unpack(packed).map_err(|e| LinkError::Unreadable(e.to_string()))?;
        let hq = self.hq.lock().unwrap().clone();
        let answer = service::receive_up(&hq, &self.node, up, None)
            .await
            .map_err(|e| LinkError::Refused { status: 500, body: e.to_string() })?;
        wire::pack(&answer).map_err(|e| LinkError::Unreadable(e.to_string()))
    }

    /// Headquarters restarted: a new process over the same database.
    async fn restart_hq(&self) {
        let store = SqliteStore::open(&self.hq_path).await.unwrap();
        let app = server::build(store, &server::Options::default(), clock()).await.unwrap();
        *self.hq.lock().unwrap() = app;
    }
}

impl Transport for SimLink {
    async fn exchange(
        &self,
        path: &'static str,
        packed: Vec<u8>,
        _timeout: Duration,
    ) -> Result<Vec<u8>, LinkError> {
        assert_eq!(path, "up");
        let Some(f) = *self.faults.lock().unwrap() else {
            return self.deliver(&packed).await;
        };
        // An old message arrives first, now and then.
        if self.roll() < f.deliver_late {
            let old = {
                let mut late = self.late.lock().unwrap();
                if late.is_empty() { None } else { Some(late.remove(0)) }
            };
            if let Some(old) = old {
                self.note("late delivery".into());
                let _ = self.deliver(&old).await;
            }
        }
        if self.roll() < f.lose_message {
            self.note("message lost".into());
            if self.roll() < 500 {
                self.late.lock().unwrap().push(packed);
            }
            return Err(LinkError::Unreachable("lost on the way".into()));
        }
        let answer = self.deliver(&packed).await?;
        if self.roll() < f.duplicate_now {
            self.note("delivered twice".into());
            self.deliver(&packed).await?;
        }
        if self.roll() < f.lose_answer {
            self.note("answer lost".into());
            if self.roll() < 300 {
                self.restart_hq().await;
                self.note("headquarters restarted".into());
            }
            return Err(LinkError::Unreachable("the answer was lost".into()));
        }
        Ok(answer)
    }
}

fn clock() -> server::Clock {
    Arc::new(|| OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap())
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap()
}

fn crossing(seed: u64, i: u64, screened: bool) -> NewCrossing {
    let number = format!("S{:05}{:06}", seed % 100_000, i);
    let document = TravelDocument {
        doc_type: DocumentType::Passport,
        number: DocumentNumber::parse(&number).unwrap(),
        issuing_state: Country::parse("VNM").unwrap(),
        surname: "NGUYEN".into(),
        given_names: "VAN AN".into(),
        nationality: None,
        birth_date: None,
        sex: None,
        expiry_date: None,
        issuing_area: None,
    };
    NewCrossing {
        id: uuid::Uuid::from_u64_pair(seed, i).hyphenated().to_string(),
        document,
        name_key: "NGUYEN VAN AN".into(),
        checkpoint: CheckpointCode::parse("MONG-CAI").unwrap(),
        direction: if i.is_multiple_of(2) { Direction::Entry } else { Direction::Exit },
        channel: Channel::Egate,
        at: now() - time::Duration::minutes((1_000 - i as i64).max(0)),
        decision: Decision::Clear,
        client_decision: None,
        outcome: CrossingOutcome::Crossed,
        stamped: false,
        actor: "device:1".into(),
        body_hash: format!("{i:064x}"),
        alerts: Vec::new(),
        screened,
    }
}

/// A database migrated and seeded once, copied for each schedule.
async fn open(path: &std::path::Path, template: &std::path::Path) -> SqliteStore {
    std::fs::copy(template, path).unwrap();
    SqliteStore::open(path).await.unwrap()
}

/// The one listed entry, held by both sides (a node's copy has headquarters' ids).
fn listed() -> WatchEntry {
    WatchEntry {
        id: "W1".into(),
        name: "Nguyễn Văn An".into(),
        aliases: Vec::new(),
        birth_date: None,
        nationality: None,
        sex: None,
        documents: Vec::new(),
        action: domain::WatchAction::Notify,
        reason: "sim".into(),
        valid_until: None,
    }
}

async fn make_template(path: &std::path::Path) {
    let store = SqliteStore::open(path).await.unwrap();
    store.seed_checkpoints(&store::reference_checkpoints().unwrap()).await.unwrap();
    store.put_watch_entry(&listed(), "headquarters", now()).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(store.pool()).await.unwrap();
    store.pool().close().await;
}

/// What waits in the node's outbox: `crossing:ID`, `alert:ID`.
async fn waiting(node: &SqliteStore) -> HashSet<String> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, record_id FROM outbox").fetch_all(node.pool()).await.unwrap();
    rows.into_iter().map(|r| format!("{}:{}", r.0, r.1)).collect()
}

async fn hq_ids(store: &SqliteStore) -> Vec<String> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM crossings").fetch_all(store.pool()).await.unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

/// Headquarters' alerts that carry a node's decision: (origin, status), as in the outbox's
/// terms (`alert:ID`).
async fn hq_decided(store: &SqliteStore) -> Vec<(String, String)> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT origin, status FROM alerts WHERE origin IS NOT NULL ORDER BY origin",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(o, st)| (format!("alert:{}", o.trim_start_matches("MONG-CAI:")), st))
        .collect()
}

/// One schedule: how many alerts its commander decided; `Err` says what broke, with the
/// seed's trace.
async fn schedule(
    seed: u64,
    dir: &std::path::Path,
    template: &std::path::Path,
) -> Result<usize, String> {
    let mut rng = Rng(seed);
    let node_store = open(&dir.join("node.db"), template).await;
    let cp = CheckpointCode::parse("MONG-CAI").unwrap();
    node_store.become_node(&cp, "sim://hq", now()).await.unwrap();
    let hq_path = dir.join("hq.db");
    let hq_store = open(&hq_path, template).await;
    let hq_app =
        server::build(hq_store.clone(), &server::Options::default(), clock()).await.unwrap();
    let node_app =
        server::build(node_store.clone(), &server::Options::default(), clock()).await.unwrap();
    let faults = Faults {
        lose_message: rng.below(400),
        lose_answer: rng.below(400),
        duplicate_now: rng.below(300),
        deliver_late: rng.below(300),
    };
    let link = SimLink {
        hq: Mutex::new(hq_app),
        hq_path,
        node: NodeRecord {
            checkpoint: cp.clone(),
            added_at: now(),
            enrolled_at: Some(now()),
            revoked_at: None,
            enrolment_pending: false,
            last_contact: None,
            backlog: 0,
            version: None,
            clock_offset_ms: None,
        },
        rng: Mutex::new(Rng(seed ^ 0x5eed)),
        faults: Mutex::new(Some(faults)),
        late: Mutex::default(),
        trace: Mutex::default(),
    };
    let by = RecordedBy { actor: "device:1".into(), ip: None };
    let mut recorded: Vec<String> = Vec::new();
    let mut unscreened: Vec<String> = Vec::new();
    let mut acknowledged: HashSet<String> = HashSet::new();
    let mut decided: Vec<(String, String)> = Vec::new();
    let mut next = 0u64;
    let steps = 5 + rng.below(10);
    for _ in 0..steps {
        match rng.below(10) {
            // The post records crossings: most screened at once, some settled later.
            0..=2 => {
                let most = if rng.below(6) == 0 { 1_200 } else { 120 };
                let n = 1 + rng.below(most);
                let mut batch: Vec<_> =
                    (0..n).map(|k| crossing(seed, next + k, rng.below(5) != 0)).collect();
                // Some travellers hit the list: the node raises an alert for each.
                for c in batch.iter_mut().filter(|c| c.screened) {
                    if rng.below(8) == 0 {
                        c.alerts = vec![CrossingAlert { entry_id: "W1".into(), score: 0.9 }];
                    }
                }
                next += n;
                node_store.record_crossings(&batch, &by, now()).await.unwrap();
                for c in &batch {
                    recorded.push(c.id.clone());
                    if !c.screened {
                        unscreened.push(c.id.clone());
                    }
                }
                if rng.below(3) == 0 {
                    node_store
                        .append_audit(
                            &AuditEvent {
                                actor: "user:officer".into(),
                                ip: None,
                                action: AuditAction::ControlCheck,
                                subject: "traveller:VNM/X".into(),
                                detail: "{}".into(),
                            },
                            now(),
                        )
                        .await
                        .unwrap();
                }
            }
            // The post's commander decides some of the open alerts.
            3 => {
                let scope = AlertScope::Checkpoint(cp.clone());
                let (open, _) =
                    node_store.alerts(&scope, Some(AlertStatus::Open), 0, 1_000).await.unwrap();
                for a in &open {
                    if rng.below(2) == 0 {
                        continue;
                    }
                    let status = if rng.below(3) == 0 {
                        AlertStatus::Confirmed
                    } else {
                        AlertStatus::Dismissed
                    };
                    node_store
                        .decide_alert(a.id, status, "commander.mc", Some("sim"), now())
                        .await
                        .unwrap();
                    decided.push((format!("alert:{}", a.id), status.as_str().to_string()));
                }
            }
            // The background screening settles what was stored unscreened.
            4 => {
                let settled: Vec<_> = unscreened
                    .drain(..)
                    .map(|id| Screening {
                        crossing_id: id,
                        decision: Decision::Clear,
                        alerts: vec![],
                    })
                    .collect();
                node_store.settle_screening(&settled, now()).await.unwrap();
            }
            // A round of the sync, through the faults.
            _ => {
                let before = waiting(&node_store).await;
                let result = service::push(&node_app, &link).await;
                let after = waiting(&node_store).await;
                // What left the outbox was acknowledged by headquarters: it must be there.
                for id in before.difference(&after) {
                    acknowledged.insert(id.clone());
                }
                let hq = link.hq.lock().unwrap().store.clone();
                let mut held: HashSet<String> =
                    hq_ids(&hq).await.into_iter().map(|id| format!("crossing:{id}")).collect();
                held.extend(hq_decided(&hq).await.into_iter().map(|(o, _)| o));
                if let Some(id) = acknowledged.iter().find(|id| !held.contains(*id)) {
                    return Err(format!("{id} was acknowledged but is not at headquarters"));
                }
                if result.is_err() && rng.below(3) == 0 {
                    link.note("node restarted".into());
                }
            }
        }
    }
    // The link heals and the screening catches up: everything arrives, once.
    let settled: Vec<_> = unscreened
        .drain(..)
        .map(|id| Screening { crossing_id: id, decision: Decision::Clear, alerts: vec![] })
        .collect();
    node_store.settle_screening(&settled, now()).await.unwrap();
    *link.faults.lock().unwrap() = None;
    let late = std::mem::take(&mut *link.late.lock().unwrap());
    for old in late {
        link.deliver(&old).await.map_err(|e| e.to_string())?;
    }
    service::push(&node_app, &link).await.map_err(|e| e.to_string())?;
    let hq = link.hq.lock().unwrap().store.clone();
    let held = hq_ids(&hq).await;
    let unique: HashSet<&String> = held.iter().collect();
    if unique.len() != held.len() {
        return Err("a crossing is stored twice".into());
    }
    let want: HashSet<&String> = recorded.iter().collect();
    if unique != want {
        return Err(format!(
            "headquarters holds {} crossings, the node recorded {}",
            unique.len(),
            want.len()
        ));
    }
    if !hq.conflicts(10).await.unwrap().is_empty() {
        return Err("a retry was taken for a conflict".into());
    }
    // Each decision the commander made is at headquarters once, as made.
    decided.sort();
    let kept = hq_decided(&hq).await;
    if kept != decided {
        return Err(format!(
            "headquarters holds the node's decisions {kept:?}, the node made {decided:?}"
        ));
    }
    if node_store.backlog().await.unwrap() != 0 {
        return Err("the backlog did not drain".into());
    }
    // The node's audit trail arrived whole, in order, once.
    let head = node_store.audit_anchor().await.unwrap().seq;
    let kept = hq.node_audit(&cp, service::enrolment(&link.node), 0, 1_000_000).await.unwrap();
    let seqs: Vec<i64> = kept.iter().map(|r| r.seq).collect();
    if seqs != (1..=head).collect::<Vec<_>>() {
        return Err(format!("the node's audit trail arrived as {seqs:?}, its head is {head}"));
    }
    Ok(decided.len())
}

fn run_seeds(seeds: impl Iterator<Item = u64>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut failed = Vec::new();
    let (mut count, mut decisions) = (0, 0);
    let base = tempfile::tempdir().unwrap();
    let template = base.path().join("template.db");
    rt.block_on(make_template(&template));
    for seed in seeds {
        let dir = tempfile::tempdir().unwrap();
        match rt.block_on(schedule(seed, dir.path(), &template)) {
            Ok(n) => decisions += n,
            Err(e) => failed.push(format!("seed {seed}: {e}")),
        }
        count += 1;
    }
    eprintln!("{count} fault schedules run, {decisions} alert decisions among them");
    assert!(
        failed.is_empty(),
        "{} of {count} schedules failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    assert!(count < 20 || decisions > 0, "no schedule decided an alert: the alerts went untested");
}

#[test]
fn nothing_acknowledged_is_lost_and_nothing_stored_twice_under_any_schedule() {
    let n = std::env::var("BIENPHONG_SYNC_SCHEDULES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SCHEDULES);
    let first =
        std::env::var("BIENPHONG_SYNC_FIRST_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    run_seeds(REGRESSIONS.iter().copied().chain(first..first + n));
}
