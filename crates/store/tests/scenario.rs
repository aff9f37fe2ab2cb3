//! One scenario per behaviour, run against SQLite (a fresh file) and PostgreSQL (a fresh
//! database on 127.0.0.1:5432, or `BIENPHONG_TEST_PG`).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::sync::atomic::{AtomicU32, Ordering};

use domain::{
    AlertScope, Channel, CheckpointCode, Country, CrossingOutcome, Decision, Direction,
    DocumentInput, DocumentNumber, Role, Sex, TravelDocument, Username, WatchAction,
};
use store::*;
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-25 03:00 UTC);

async fn sqlite() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("test.db")).await.unwrap();
    (store, dir)
}

fn pg_base() -> String {
    std::env::var("BIENPHONG_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

/// A database of its own for each test.
async fn postgres() -> (PgStore, String) {
    static N: AtomicU32 = AtomicU32::new(0);
    let base = pg_base();
    let admin = PgStore::connect(&format!("{base}/test")).await.unwrap();
    let name = format!(
        "bp_store_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(admin.pool())
        .await
        .unwrap();
    let store = PgStore::connect(&format!("{base}/{name}")).await.unwrap();
    store.migrate().await.unwrap();
    (store, name)
}

async fn drop_pg(store: PgStore, name: String) {
    store.pool().close().await;
    let admin = PgStore::connect(&format!("{}/test", pg_base())).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .execute(admin.pool())
        .await
        .unwrap();
}

macro_rules! both {
    ($($scenario:ident),+ $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let (store, _dir) = super::sqlite().await;
                    super::$scenario(store).await;
                }
            )+
        }
        mod on_postgres {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let (store, name) = super::postgres().await;
                    super::$scenario(store.clone()).await;
                    super::drop_pg(store, name).await;
                }
            )+
        }
    };
}

both!(
    checkpoints_are_seeded_once,
    accounts_and_tokens,
    crossings_are_stored_once_per_id,
    history_by_document_and_by_name,
    watchlist_changes_are_logged,
    alerts_are_not_raised_again_once_dismissed,
    alerts_are_raised_at_every_checkpoint,
    a_crossing_commits_with_its_alerts_and_audit_record,
    unscreened_crossings_are_settled_once,
    devices_are_revoked_and_accounts_disabled,
    audit_records_chain,
    concurrent_batches_sharing_travellers_do_not_deadlock,
    agencies_and_their_accounts,
    dossiers_move_and_keep_their_history,
    keys_rotate_and_permits_are_issued_revoked_and_scanned,
    nodes_enrol_once_and_are_revoked,
    a_node_sends_what_it_settled_and_follows_its_post,
    headquarters_takes_a_nodes_alerts_and_movements_once,
    a_node_holds_dismissals_and_permits_and_sends_its_own,
    cscas_are_held_once_by_fingerprint,
    egate_transactions_are_kept_once_with_their_crossing,
);

fn cp(code: &str) -> CheckpointCode {
    CheckpointCode::parse(code).unwrap()
}

async fn seeded<S: Store>(store: &S) {
    store.seed_checkpoints(&reference_checkpoints().unwrap()).await.unwrap();
}

fn passport(number: &str, surname: &str, given: &str) -> TravelDocument {
    DocumentInput {
        doc_type: Some("passport".into()),
        number: Some(number.into()),
        issuing_state: Some("VNM".into()),
        surname: Some(surname.into()),
        given_names: Some(given.into()),
        nationality: Some("VNM".into()),
        birth_date: Some("1985-03-12".into()),
        sex: Some("M".into()),
        expiry_date: Some("2031-01-01".into()),
        issuing_area: None,
    }
    .validate()
    .unwrap()
}

fn crossing(
    id: &str,
    doc: &TravelDocument,
    direction: Direction,
    at: OffsetDateTime,
) -> NewCrossing {
    NewCrossing {
        id: id.into(),
        document: doc.clone(),
        name_key: doc.full_name(),
        checkpoint: cp("MONG-CAI"),
        direction,
        channel: Channel::Manual,
        at,
        decision: Decision::Clear,
        client_decision: None,
        outcome: CrossingOutcome::Crossed,
        stamped: false,
        actor: "user:officer".into(),
        body_hash: format!("body-of-{id}"),
        alerts: Vec::new(),
        screened: true,
    }
}

fn by() -> RecordedBy {
    RecordedBy { actor: "user:officer".into(), ip: Some("10.0.0.9".into()) }
}

async fn checkpoints_are_seeded_once<S: Store>(store: S) {
    let list = reference_checkpoints().unwrap();
    assert_eq!(store.seed_checkpoints(&list).await.unwrap(), list.len());
    assert_eq!(store.seed_checkpoints(&list).await.unwrap(), 0);
    let stored = store.checkpoints().await.unwrap();
    assert_eq!(stored.len(), list.len());
    let mc = stored.iter().find(|c| c.code.as_str() == "MONG-CAI").unwrap();
    assert_eq!(mc, list.iter().find(|c| c.code.as_str() == "MONG-CAI").unwrap());
}

async fn accounts_and_tokens<S: Store>(store: S) {
    seeded(&store).await;
    let user = NewUser {
        username: Username::parse("officer.mc").unwrap(),
        role: Role::Officer,
        checkpoint: Some(cp("MONG-CAI")),
        agency: None,
        password_hash: "$argon2id$stand-in".into(),
    };
    let id = store.add_user(&user, T0).await.unwrap();
    assert!(matches!(store.add_user(&user, T0).await, Err(StoreError::Duplicate(_))));
    let lost = NewUser {
        username: Username::parse("lost").unwrap(),
        checkpoint: Some(cp("NOWHERE")),
        ..user.clone()
    };
    assert!(matches!(store.add_user(&lost, T0).await, Err(StoreError::NotFound(_))));
    let found = store.user_by_name("officer.mc").await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.role, found.checkpoint.clone()),
        (id, Role::Officer, Some(cp("MONG-CAI")))
    );
    assert!(store.user_by_name("nobody").await.unwrap().is_none());

    let token = NewToken {
        hash: "h1".into(),
        kind: TokenKind::Session,
        owner: TokenOwner::User(id),
        csrf: Some("c1".into()),
        expires_at: Some(T0 + time::Duration::hours(12)),
    };
    store.put_token(&token, T0).await.unwrap();
    let t = store.token("h1", T0 + time::Duration::hours(1)).await.unwrap().unwrap();
    assert_eq!((t.kind, t.csrf.as_deref()), (TokenKind::Session, Some("c1")));
    assert_eq!(t.actor, found.actor());
    assert!(store.token("h1", T0 + time::Duration::hours(12)).await.unwrap().is_none());
    store.delete_token("h1").await.unwrap();
    assert!(store.token("h1", T0).await.unwrap().is_none());

    let device = store.add_device(&cp("HUU-NGHI"), "e-gate 1", T0).await.unwrap();
    let token = NewToken {
        hash: "d1".into(),
        kind: TokenKind::Device,
        owner: TokenOwner::Device(device),
        csrf: None,
        expires_at: None,
    };
    store.put_token(&token, T0).await.unwrap();
    let t = store.token("d1", T0 + time::Duration::days(900)).await.unwrap().unwrap();
    assert_eq!(t.actor.checkpoint, Some(cp("HUU-NGHI")));
    assert_eq!(t.actor.label(), format!("device:{device}"));
    assert!(matches!(
        store.add_device(&cp("NOWHERE"), "x", T0).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn crossings_are_stored_once_per_id<S: Store>(store: S) {
    seeded(&store).await;
    let doc = passport("C1234567", "NGUYEN", "VAN DUC");
    let first = crossing("a1", &doc, Direction::Exit, T0);
    let out = store.record_crossings(std::slice::from_ref(&first), &by(), T0).await.unwrap();
    let RecordOutcome::Created(created) = &out[0] else { panic!("{out:?}") };
    assert_eq!((created.direction, created.at), (Direction::Exit, T0));

    let again = store.record_crossings(std::slice::from_ref(&first), &by(), T0).await.unwrap();
    let RecordOutcome::Existing(existing) = &again[0] else { panic!("{again:?}") };
    assert_eq!(existing.id, created.id);

    let other_body = NewCrossing { body_hash: "changed".into(), ..first.clone() };
    let out = store.record_crossings(&[other_body], &by(), T0).await.unwrap();
    assert!(matches!(&out[0], RecordOutcome::Conflict(id) if id == "a1"), "{out:?}");

    // A batch answers per item, a repeated id inside it included.
    let b1 = crossing("b1", &doc, Direction::Entry, T0 + time::Duration::hours(5));
    let b2 = crossing("b2", &passport("C7654321", "TRAN", "THI MAI"), Direction::Entry, T0);
    let out = store.record_crossings(&[b1.clone(), b2, b1, first], &by(), T0).await.unwrap();
    let kinds: Vec<&str> = out
        .iter()
        .map(|o| match o {
            RecordOutcome::Created(_) => "created",
            RecordOutcome::Existing(_) => "existing",
            RecordOutcome::Conflict(_) => "conflict",
        })
        .collect();
    assert_eq!(kinds, ["created", "created", "existing", "existing"]);
    assert_eq!(store.crossing("b2").await.unwrap().unwrap().channel, Channel::Manual);
    assert!(store.crossing("zz").await.unwrap().is_none());

    // A refusal elsewhere, with a stamp: counted apart, and the nation's count holds it.
    let refused = NewCrossing {
        checkpoint: cp("HUU-NGHI"),
        outcome: CrossingOutcome::Refused,
        stamped: true,
        ..crossing("c1", &doc, Direction::Exit, T0 + time::Duration::hours(5))
    };
    let out = store.record_crossings(&[refused], &by(), T0).await.unwrap();
    let RecordOutcome::Created(c1) = &out[0] else { panic!("{out:?}") };
    assert_eq!((c1.outcome, c1.stamped), (CrossingOutcome::Refused, true));
    let read = store.crossing("c1").await.unwrap().unwrap();
    assert_eq!(
        (read.outcome, read.stamped, read.crossed()),
        (CrossingOutcome::Refused, true, false)
    );
    assert_eq!(
        store.last_stamp(c1.traveller_id).await.unwrap(),
        Some(T0 + time::Duration::hours(5))
    );

    let day = T0 + time::Duration::days(1);
    let hours = store.crossings_by_hour(Some(&cp("MONG-CAI")), T0, day).await.unwrap();
    let h0 = T0.unix_timestamp() / 3600;
    let count = |hour, direction, outcome, count| HourCount { hour, direction, outcome, count };
    let crossed = CrossingOutcome::Crossed;
    assert_eq!(
        hours,
        vec![
            count(h0, Direction::Entry, crossed, 1),
            count(h0, Direction::Exit, crossed, 1),
            count(h0 + 5, Direction::Entry, crossed, 1),
        ]
    );
    let nation = store.crossings_by_hour(None, T0, day).await.unwrap();
    assert_eq!(nation.len(), 4, "{nation:?}");
    assert!(nation.contains(&count(h0 + 5, Direction::Exit, CrossingOutcome::Refused, 1)));
}

async fn history_by_document_and_by_name<S: Store>(store: S) {
    seeded(&store).await;
    let doc = passport("C1234567", "NGUYEN", "VAN DUC");
    let batch: Vec<NewCrossing> = (0..5)
        .map(|i| {
            let dir = if i % 2 == 0 { Direction::Exit } else { Direction::Entry };
            crossing(&format!("h{i}"), &doc, dir, T0 + time::Duration::days(i))
        })
        .collect();
    store.record_crossings(&batch, &by(), T0).await.unwrap();
    let t = store
        .traveller(Country::VNM, &DocumentNumber::parse("C1234567").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.document, doc);
    let ids: Vec<String> =
        store.crossings_of(t.id, 10).await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["h4", "h3", "h2", "h1", "h0"]);
    assert_eq!(store.crossings_of(t.id, 2).await.unwrap().len(), 2);
    let number = DocumentNumber::parse("C1234567").unwrap();
    let (t2, latest) =
        store.traveller_with_crossings(Country::VNM, &number, 3).await.unwrap().unwrap();
    assert_eq!((t2.id, &t2.document), (t.id, &t.document));
    let ids: Vec<String> = latest.into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["h4", "h3", "h2"]);
    let unknown = DocumentNumber::parse("X1").unwrap();
    assert!(store.traveller_with_crossings(Country::VNM, &unknown, 3).await.unwrap().is_none());

    // Others whose names begin alike, and one with the same number from another state.
    let others = [
        ("a1", passport("C2000001", "NGUYEN", "VAN AN")),
        ("a2", passport("C2000002", "NGUYEN", "VANG")),
        ("a3", passport("C2000003", "NGUYEN", "THI BA")),
        ("a4", passport("C2000004", "NGUYENZ", "A")),
        ("a5", TravelDocument { issuing_state: Country::parse("LAO").unwrap(), ..doc.clone() }),
    ];
    let batch: Vec<NewCrossing> =
        others.iter().map(|(id, d)| crossing(id, d, Direction::Exit, T0)).collect();
    store.record_crossings(&batch, &by(), T0).await.unwrap();
    let names = |q: TravellerQuery, offset, limit| {
        let store = &store;
        async move {
            let (found, total) = store.find_travellers(&q, offset, limit).await.unwrap();
            (found.into_iter().map(|t| t.document.full_name()).collect::<Vec<_>>(), total)
        }
    };
    let prefix = |p: &str, dob: Option<&str>| TravellerQuery::NamePrefix {
        prefix: p.into(),
        birth_date: dob.map(str::to_string),
    };
    let (all, total) = names(prefix("NGUYEN VAN", None), 0, 10).await;
    assert_eq!(total, 4, "{all:?}");
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|n| n.starts_with("NGUYEN VAN")), "{all:?}");
    // Pages in name order, with the count of all.
    let (first, total) = names(prefix("NGUYEN", None), 0, 2).await;
    let (second, _) = names(prefix("NGUYEN", None), 2, 2).await;
    let (third, _) = names(prefix("NGUYEN", None), 4, 2).await;
    assert_eq!(total, 6);
    assert_eq!(first.len() + second.len() + third.len(), 6);
    let mut sorted: Vec<String> = first.iter().chain(&second).chain(&third).cloned().collect();
    let walked = sorted.clone();
    sorted.sort();
    assert_eq!(walked, sorted);
    // A prefix ending in Z, and one with the birth date.
    assert_eq!(names(prefix("NGUYENZ", None), 0, 10).await.1, 1);
    let (dated, total) = names(prefix("NGUYEN VAN D", Some("1985-03-12")), 0, 10).await;
    assert_eq!((dated.len(), total), (2, 2), "{dated:?}");
    assert_eq!(names(prefix("NGUYEN VAN DUC", Some("1985-03-13")), 0, 10).await.1, 0);
    // A number, whatever state issued it.
    let (by_number, total) = names(TravellerQuery::Number(number.clone()), 0, 10).await;
    assert_eq!((by_number.len(), total), (2, 2));
    assert!(
        store
            .traveller(Country::VNM, &DocumentNumber::parse("X1").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

fn entry(id: &str, name: &str) -> WatchEntry {
    WatchEntry {
        id: id.into(),
        name: name.into(),
        aliases: vec!["Nguyen Van Duc".into(), "Đức \"Béo\"".into()],
        birth_date: WatchDob::parse("1985"),
        nationality: Some(Country::VNM),
        sex: Some(Sex::Male),
        documents: vec![WatchDocument {
            issuing_state: Some(Country::VNM),
            number: DocumentNumber::parse("C1234567").unwrap(),
        }],
        action: WatchAction::Refer,
        reason: "smuggling".into(),
        valid_until: Some(time::macros::date!(2030 - 01 - 01)),
    }
}

async fn watchlist_changes_are_logged<S: Store>(store: S) {
    let e = entry("W1", "Nguyễn Văn Đức");
    store.put_watch_entry(&e, "user:analyst", T0).await.unwrap();
    assert_eq!(store.watch_entry("W1").await.unwrap().unwrap(), e);
    let changed = WatchEntry { action: WatchAction::Deny, ..e.clone() };
    store.put_watch_entry(&changed, "user:analyst", T0).await.unwrap();
    assert_eq!(store.watch_entry("W1").await.unwrap().unwrap().action, WatchAction::Deny);
    store
        .put_watch_entries(&[entry("W2", "Trần Thị Mai"), entry("W3", "Lê Văn Nam")], "system", T0)
        .await
        .unwrap();
    assert_eq!(store.watch_entry_count().await.unwrap(), 3);
    assert!(store.remove_watch_entry("W2", T0).await.unwrap());
    assert!(!store.remove_watch_entry("W2", T0).await.unwrap());
    assert!(store.watch_entry("W2").await.unwrap().is_none());
    let page: Vec<String> =
        store.watch_entries(None, 1).await.unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(page, ["W1"]);
    let page: Vec<String> =
        store.watch_entries(Some("W1"), 10).await.unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(page, ["W3"]);
    let log: Vec<String> =
        store.watch_changes(0, 100).await.unwrap().into_iter().map(|c| c.1).collect();
    assert_eq!(log, ["W1", "W1", "W2", "W3", "W2"]);
    let seq = store.watch_changes(0, 100).await.unwrap()[2].0;
    assert_eq!(
        store.watch_log_head().await.unwrap(),
        store.watch_changes(0, 100).await.unwrap()[4].0
    );
    assert_eq!(store.watch_changes(seq, 100).await.unwrap().len(), 2);
}

async fn alerts_are_not_raised_again_once_dismissed<S: Store>(store: S) {
    seeded(&store).await;
    store.put_watch_entry(&entry("W1", "Nguyễn Văn Đức"), "system", T0).await.unwrap();
    let doc = passport("C1234567", "NGUYEN", "VAN DUC");
    store.record_crossings(&[crossing("x", &doc, Direction::Exit, T0)], &by(), T0).await.unwrap();
    let traveller = store.traveller(Country::VNM, &doc.number).await.unwrap().unwrap();
    let alert = NewAlert {
        entry_id: "W1".into(),
        traveller_id: traveller.id,
        checkpoint: cp("MONG-CAI"),
        score: 0.91,
        crossing_at: None,
    };
    let id = store.raise_alert(&alert, T0).await.unwrap().unwrap();
    assert_eq!(store.raise_alert(&alert, T0).await.unwrap(), None, "one open alert per pair");

    let (mine, total) = store
        .alerts(&AlertScope::Checkpoint(cp("MONG-CAI")), Some(AlertStatus::Open), 0, 10)
        .await
        .unwrap();
    assert_eq!((mine.len(), total), (1, 1));
    let (past, total) = store.alerts(&AlertScope::All, None, 1, 10).await.unwrap();
    assert_eq!((past.len(), total), (0, 1), "a page past the last is empty, the count holds");
    assert_eq!(
        (mine[0].entry_name.as_str(), mine[0].traveller_name.as_str()),
        ("Nguyễn Văn Đức", "NGUYEN VAN DUC")
    );
    assert!(
        store
            .alerts(&AlertScope::Checkpoint(cp("HUU-NGHI")), None, 0, 10)
            .await
            .unwrap()
            .0
            .is_empty()
    );
    assert_eq!(store.alerts(&AlertScope::All, None, 0, 10).await.unwrap().0.len(), 1);

    let note = Some("khác ngày sinh, đã đối chiếu CCCD");
    assert!(
        store.decide_alert(id, AlertStatus::Dismissed, "user:commander", note, T0).await.unwrap()
    );
    assert!(
        !store.decide_alert(id, AlertStatus::Confirmed, "user:commander", None, T0).await.unwrap()
    );
    let a = store.alert(id).await.unwrap().unwrap();
    assert_eq!(
        (a.status, a.decided_by.as_deref(), a.note.as_deref()),
        (AlertStatus::Dismissed, Some("user:commander"), note)
    );
    assert_eq!(store.dismissed_entries(traveller.id).await.unwrap(), ["W1"]);
    assert_eq!(store.raise_alert(&alert, T0).await.unwrap(), None, "dismissed pairs stay quiet");
    assert!(
        store.alerts(&AlertScope::All, Some(AlertStatus::Open), 0, 10).await.unwrap().0.is_empty()
    );

    // A confirmed alert does not silence the next crossing.
    store.put_watch_entry(&entry("W2", "Nguyễn Văn Đức"), "system", T0).await.unwrap();
    let other = NewAlert { entry_id: "W2".into(), ..alert };
    let id2 = store.raise_alert(&other, T0).await.unwrap().unwrap();
    assert!(
        store.decide_alert(id2, AlertStatus::Confirmed, "user:analyst", None, T0).await.unwrap()
    );
    assert!(store.raise_alert(&other, T0).await.unwrap().is_some());
}

async fn audit_records_chain<S: Store>(store: S) {
    for i in 0..3 {
        let e = AuditEvent {
            actor: "user:analyst".into(),
            ip: Some("10.0.0.1".into()),
            action: store::AuditAction::HistoryRead,
            subject: format!("traveller:VNM/C{i}"),
            detail: "{}".into(),
        };
        store.append_audit(&e, T0).await.unwrap();
    }
    assert_eq!(verify_audit(&store).await.unwrap(), Ok(3));
    let many: Vec<(AuditEvent, OffsetDateTime)> = (0..4)
        .map(|i| {
            let e = AuditEvent {
                actor: "device:1".into(),
                ip: None,
                action: store::AuditAction::ControlCheck,
                subject: format!("traveller:VNM/D{i}"),
                detail: "{}".into(),
            };
            (e, T0 + time::Duration::seconds(i))
        })
        .collect();
    store.append_audits(&many).await.unwrap();
    store.append_audits(&[]).await.unwrap();
    assert_eq!(verify_audit(&store).await.unwrap(), Ok(7));
    let records = store.audit_records(0, 10).await.unwrap();
    assert_eq!(records[0].prev_hash, GENESIS);
    assert_eq!(records[1].prev_hash, records[0].hash);
}

/// Two server processes share one database: each keeps its own idea of where the chain ends,
/// and neither may break it or lose a record when the other has written in between.
async fn audit_from_two_writers<S: Store>(a: S, b: S) {
    let event = |who: &str, i: usize| {
        let e = AuditEvent {
            actor: format!("device:{who}"),
            ip: None,
            action: store::AuditAction::ControlCheck,
            subject: format!("traveller:VNM/{who}{i}"),
            detail: "{}".into(),
        };
        (e, T0)
    };
    a.append_audits(&[event("a", 0)]).await.unwrap();
    b.append_audits(&[event("b", 0), event("b", 1)]).await.unwrap();
    a.append_audits(&[event("a", 1)]).await.unwrap();
    let write = |store: S, who: &'static str| async move {
        for i in 2..40 {
            store.append_audits(&[event(who, i), event(who, i + 100)]).await.unwrap();
        }
    };
    tokio::join!(write(a.clone(), "a"), write(b.clone(), "b"));
    assert_eq!(verify_audit(&a).await.unwrap(), Ok(4 + 2 * 2 * 38));
}

#[tokio::test]
async fn audit_from_two_writers_on_sqlite() {
    let (a, dir) = sqlite().await;
    let b = SqliteStore::open(&dir.path().join("test.db")).await.unwrap();
    audit_from_two_writers(a, b).await;
}

#[tokio::test]
async fn audit_from_two_writers_on_postgres() {
    let (a, name) = postgres().await;
    let b = PgStore::connect(&format!("{}/{name}", pg_base())).await.unwrap();
    audit_from_two_writers(a.clone(), b.clone()).await;
    b.pool().close().await;
    drop_pg(a, name).await;
}

/// Under a key, the links are MACs: the records verify with the key and not without it (nor
/// with another). The walk must reach the stored head, so records cut from the end are found;
/// an anchor kept elsewhere finds the cut even when the head was moved back with them.
/// `untrigger` lets the test delete as an intruder with the database's rights would.
async fn keyed_audit_links_need_the_key<S: Store>(
    keyed: S,
    plain: S,
    other_key: S,
    delete_last: impl AsyncFn(i64, Option<(i64, String)>),
) {
    for i in 0..4 {
        let e = AuditEvent {
            actor: "user:analyst".into(),
            ip: None,
            action: store::AuditAction::HistoryRead,
            subject: format!("traveller:VNM/C{i}"),
            detail: "{}".into(),
        };
        keyed.append_audit(&e, T0).await.unwrap();
    }
    assert_eq!(verify_audit(&keyed).await.unwrap(), Ok(4));
    let anchor = keyed.audit_anchor().await.unwrap();
    assert_eq!((anchor.seq, anchor.keyed_from), (4, 1));
    assert_eq!(verify_audit_against(&keyed, &anchor).await.unwrap(), Ok(4));
    let unkeyed = verify_audit(&plain).await.unwrap().unwrap_err();
    assert_eq!(unkeyed.seq, 1, "{unkeyed}");
    assert_eq!(verify_audit(&other_key).await.unwrap().unwrap_err().seq, 1);

    // The last record removed, the head left: the walk falls short of it.
    delete_last(4, None).await;
    let cut = verify_audit(&keyed).await.unwrap().unwrap_err();
    assert!(cut.reason.starts_with("missing"), "{cut}");
    // The head moved back too: only the anchor kept elsewhere can tell.
    let records = keyed.audit_records(0, 10).await.unwrap();
    let last = records.last().unwrap();
    delete_last(3, Some((last.seq - 1, records[records.len() - 2].hash.clone()))).await;
    assert_eq!(verify_audit(&keyed).await.unwrap(), Ok(2));
    let found = verify_audit_against(&keyed, &anchor).await.unwrap().unwrap_err();
    assert_eq!(found.seq, 4, "{found}");
}

#[tokio::test]
async fn keyed_audit_links_need_the_key_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.db");
    let open = async |key: AuditKey| SqliteStore::open(&path).await.unwrap().with_audit_key(key);
    let keyed = open(AuditKey::from_bytes(&[7; 32])).await;
    let plain = open(AuditKey::Unkeyed).await;
    let other = open(AuditKey::from_bytes(&[8; 32])).await;
    let pool = keyed.pool().clone();
    sqlx::query("DROP TRIGGER audit_no_delete").execute(&pool).await.unwrap();
    let delete_last = async |seq: i64, head: Option<(i64, String)>| {
        sqlx::query("DELETE FROM audit WHERE seq = $1").bind(seq).execute(&pool).await.unwrap();
        if let Some((seq, hash)) = head {
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2")
                .bind(seq)
                .bind(hash)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    keyed_audit_links_need_the_key(keyed.clone(), plain, other, delete_last).await;
}

#[tokio::test]
async fn keyed_audit_links_need_the_key_on_postgres() {
    let (first, name) = postgres().await;
    let url = format!("{}/{name}", pg_base());
    let open = async |key: AuditKey| PgStore::connect(&url).await.unwrap().with_audit_key(key);
    let keyed = open(AuditKey::from_bytes(&[7; 32])).await;
    let plain = open(AuditKey::Unkeyed).await;
    let other = open(AuditKey::from_bytes(&[8; 32])).await;
    let pool = first.pool().clone();
    sqlx::query("ALTER TABLE audit DISABLE TRIGGER audit_no_change").execute(&pool).await.unwrap();
    let delete_last = async |seq: i64, head: Option<(i64, String)>| {
        sqlx::query("DELETE FROM audit WHERE seq = $1").bind(seq).execute(&pool).await.unwrap();
        if let Some((seq, hash)) = head {
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2")
                .bind(seq)
                .bind(hash)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    keyed_audit_links_need_the_key(keyed.clone(), plain.clone(), other.clone(), delete_last).await;
    for s in [keyed, plain, other] {
        s.pool().close().await;
    }
    drop_pg(first, name).await;
}

// Tampering needs a way round the store; each backend has its own.

#[tokio::test]
async fn audit_tampering_is_refused_or_found_on_sqlite() {
    let (store, _dir) = sqlite().await;
    audit_records_chain(store.clone()).await;
    let update = "UPDATE audit SET subject = 'traveller:VNM/OTHER' WHERE seq = 2";
    assert!(sqlx::query(update).execute(store.pool()).await.is_err(), "append-only");
    sqlx::query("DROP TRIGGER audit_no_update").execute(store.pool()).await.unwrap();
    sqlx::query(update).execute(store.pool()).await.unwrap();
    let broken = verify_audit(&store).await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 2);
}

#[tokio::test]
async fn audit_tampering_is_refused_or_found_on_postgres() {
    let (store, name) = postgres().await;
    audit_records_chain(store.clone()).await;
    let delete = "DELETE FROM audit WHERE seq = 2";
    assert!(sqlx::query(delete).execute(store.pool()).await.is_err(), "append-only");
    sqlx::query("ALTER TABLE audit DISABLE TRIGGER audit_no_change")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query(delete).execute(store.pool()).await.unwrap();
    let broken = verify_audit(&store).await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 2);
    assert!(broken.reason.starts_with("missing"), "{broken}");
    drop_pg(store, name).await;
}

/// A listed traveller crossing at another checkpoint while an alert is open at the first is a
/// hit for that checkpoint's commander too; a dismissal (a false positive) holds everywhere.
async fn alerts_are_raised_at_every_checkpoint<S: Store>(store: S) {
    seeded(&store).await;
    store.put_watch_entry(&entry("W1", "Nguyễn Văn Đức"), "system", T0).await.unwrap();
    let doc = passport("C1234567", "NGUYEN", "VAN DUC");
    store.record_crossings(&[crossing("x", &doc, Direction::Exit, T0)], &by(), T0).await.unwrap();
    let traveller = store.traveller(Country::VNM, &doc.number).await.unwrap().unwrap();
    let at = |code: &str| NewAlert {
        entry_id: "W1".into(),
        traveller_id: traveller.id,
        checkpoint: cp(code),
        score: 0.9,
        crossing_at: None,
    };
    let mc = store.raise_alert(&at("MONG-CAI"), T0).await.unwrap().unwrap();
    let lc = store.raise_alert(&at("LAO-CAI"), T0).await.unwrap();
    assert!(lc.is_some(), "an open alert at MONG-CAI must not silence LAO-CAI");
    assert_eq!(store.raise_alert(&at("LAO-CAI"), T0).await.unwrap(), None);
    let open_lc = store
        .alerts(&AlertScope::Checkpoint(cp("LAO-CAI")), Some(AlertStatus::Open), 0, 10)
        .await
        .unwrap()
        .0;
    assert_eq!(open_lc.len(), 1);
    assert!(
        store.decide_alert(mc, AlertStatus::Dismissed, "user:commander", None, T0).await.unwrap()
    );
    assert_eq!(store.raise_alert(&at("HUU-NGHI"), T0).await.unwrap(), None);
}

/// The crossing, its alerts and its audit record go in one transaction.
async fn a_crossing_commits_with_its_alerts_and_audit_record<S: Store>(store: S) {
    seeded(&store).await;
    store.put_watch_entry(&entry("W1", "Nguyễn Văn Đức"), "system", T0).await.unwrap();
    let doc = passport("C1234567", "NGUYEN", "VAN DUC");
    let mut c = crossing("k1", &doc, Direction::Exit, T0);
    c.alerts = vec![CrossingAlert { entry_id: "W1".into(), score: 0.95 }];
    c.client_decision = Some(Decision::Refer);
    c.decision = Decision::Deny;
    let out = store.record_crossings(&[c.clone()], &by(), T0).await.unwrap();
    let RecordOutcome::Created(r) = &out[0] else { panic!("{out:?}") };
    assert_eq!((r.decision, r.client_decision), (Decision::Deny, Some(Decision::Refer)));
    let stored = store.crossing("k1").await.unwrap().unwrap();
    assert_eq!(stored.client_decision, Some(Decision::Refer));
    let alerts = store.alerts(&AlertScope::All, Some(AlertStatus::Open), 0, 10).await.unwrap().0;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].checkpoint, cp("MONG-CAI"));
    let audit = store.audit_records(0, 10).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "crossing.record");
    assert_eq!(audit[0].actor, "user:officer");
    assert_eq!(audit[0].ip.as_deref(), Some("10.0.0.9"));
    assert!(audit[0].detail.contains("k1"), "{}", audit[0].detail);
    // A retry stores nothing, raises nothing and audits nothing again.
    store.record_crossings(&[c], &by(), T0).await.unwrap();
    assert_eq!(store.audit_records(0, 10).await.unwrap().len(), 1);
    assert_eq!(store.alerts(&AlertScope::All, None, 0, 10).await.unwrap().0.len(), 1);
    assert_eq!(verify_audit(&store).await.unwrap(), Ok(1));
}

/// A crossing a batch brought with its own decision waits for the background screening, which
/// settles it once, with its decision and alerts, however many processes try.
async fn unscreened_crossings_are_settled_once<S: Store>(store: S) {
    seeded(&store).await;
    store.put_watch_entry(&entry("W1", "Nguyễn Văn Đức"), "system", T0).await.unwrap();
    let doc = passport("C1234567", "NGUYEN", "VAN DUC");
    let mut c = crossing("u1", &doc, Direction::Entry, T0);
    c.screened = false;
    c.client_decision = Some(Decision::Clear);
    let screened = crossing("u2", &passport("C7654321", "TRAN", "THI MAI"), Direction::Entry, T0);
    store.record_crossings(&[c, screened], &by(), T0).await.unwrap();
    let pending = store.unscreened(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].0.id.as_str(), pending[0].0.screened), ("u1", false));
    assert_eq!(pending[0].1, doc);
    let settle = [Screening {
        crossing_id: "u1".into(),
        decision: Decision::Deny,
        alerts: vec![CrossingAlert { entry_id: "W1".into(), score: 0.9 }],
    }];
    assert_eq!(store.settle_screening(&settle, T0).await.unwrap(), 1);
    assert_eq!(store.settle_screening(&settle, T0).await.unwrap(), 0, "settled once");
    assert!(store.unscreened(10).await.unwrap().is_empty());
    let stored = store.crossing("u1").await.unwrap().unwrap();
    assert_eq!(
        (stored.decision, stored.client_decision, stored.screened),
        (Decision::Deny, Some(Decision::Clear), true)
    );
    assert_eq!(store.alerts(&AlertScope::All, None, 0, 10).await.unwrap().0.len(), 1);
}

async fn devices_are_revoked_and_accounts_disabled<S: Store>(store: S) {
    seeded(&store).await;
    let device = store.add_device(&cp("MONG-CAI"), "egate-1", T0).await.unwrap();
    let token = NewToken {
        hash: "device-token".into(),
        kind: TokenKind::Device,
        owner: TokenOwner::Device(device),
        csrf: None,
        expires_at: Some(T0 + time::Duration::days(365)),
    };
    store.put_token(&token, T0).await.unwrap();
    assert!(store.token("device-token", T0).await.unwrap().is_some());
    assert!(store.token("device-token", T0 + time::Duration::days(366)).await.unwrap().is_none());
    assert!(store.revoke_device(device, T0).await.unwrap());
    assert!(!store.revoke_device(device, T0).await.unwrap());
    assert!(store.token("device-token", T0).await.unwrap().is_none());
    let list = store.devices().await.unwrap();
    assert_eq!(list[0].revoked_at, Some(T0));

    let user = NewUser {
        username: Username::parse("officer.x").unwrap(),
        role: Role::Officer,
        checkpoint: Some(cp("MONG-CAI")),
        agency: None,
        password_hash: "$argon2id$stand-in".into(),
    };
    let id = store.add_user(&user, T0).await.unwrap();
    let session = NewToken {
        hash: "user-token".into(),
        kind: TokenKind::Api,
        owner: TokenOwner::User(id),
        csrf: None,
        expires_at: None,
    };
    store.put_token(&session, T0).await.unwrap();
    assert!(store.disable_user("officer.x", T0).await.unwrap());
    assert!(!store.disable_user("officer.x", T0).await.unwrap());
    assert!(store.token("user-token", T0).await.unwrap().is_none());
    assert!(store.user_by_name("officer.x").await.unwrap().is_none());
}

async fn concurrent_batches_sharing_travellers_do_not_deadlock<S: Store>(store: S) {
    seeded(&store).await;
    let docs: Vec<TravelDocument> =
        (0..50).map(|i| passport(&format!("C{i:07}"), "NGUYEN", "VAN DUC")).collect();
    for round in 0..10 {
        let forward: Vec<NewCrossing> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| crossing(&format!("f{round}-{i}"), d, Direction::Exit, T0))
            .collect();
        let backward: Vec<NewCrossing> = docs
            .iter()
            .rev()
            .enumerate()
            .map(|(i, d)| crossing(&format!("b{round}-{i}"), d, Direction::Entry, T0))
            .collect();
        let who = by();
        let (a, b) = tokio::join!(
            store.record_crossings(&forward, &who, T0),
            store.record_crossings(&backward, &who, T0)
        );
        assert_eq!(a.unwrap().len(), 50);
        assert_eq!(b.unwrap().len(), 50);
    }
}

fn agent_user(name: &str) -> NewUser {
    NewUser {
        username: Username::parse(name).unwrap(),
        role: Role::Agent,
        checkpoint: None,
        agency: None,
        password_hash: "$argon2id$stand-in".into(),
    }
}

fn new_agency(tax: &str) -> port::NewAgency {
    port::NewAgency {
        tax_code: domain::port::TaxCode::parse(tax).unwrap(),
        name: "Vosco Agency".into(),
        address: "Hải Phòng".into(),
        email: "ops@example.vn".into(),
        phone: "+84 225 000 000".into(),
    }
}

async fn agencies_and_their_accounts<S: Store>(store: S) {
    seeded(&store).await;
    let (agency, user) =
        store.add_agency(&new_agency("0100109106"), &agent_user("agent.vosco"), T0).await.unwrap();
    let found = store.user_by_name("agent.vosco").await.unwrap().unwrap();
    assert_eq!((found.id, found.agency), (user, Some(agency)));
    assert_eq!(found.actor().agency(), Some(agency));
    // A second registration of the same tax code, or the same username, stores nothing.
    let again = store.add_agency(&new_agency("0100109106"), &agent_user("agent.other"), T0).await;
    assert!(matches!(again, Err(StoreError::Duplicate(_))));
    assert!(store.user_by_name("agent.other").await.unwrap().is_none());
    let taken = store.add_agency(&new_agency("0301442379"), &agent_user("agent.vosco"), T0).await;
    assert!(matches!(taken, Err(StoreError::Duplicate(_))));
    let tax = domain::port::TaxCode::parse("0100109106").unwrap();
    assert_eq!(store.agency_by_tax_code(&tax).await.unwrap().map(|a| a.id), Some(agency));
    let other = domain::port::TaxCode::parse("0301442379").unwrap();
    assert!(store.agency_by_tax_code(&other).await.unwrap().is_none());
    let mut staff = agent_user("agent.b");
    staff.agency = Some(agency);
    store.add_user(&staff, T0).await.unwrap();
    let names = |list: Vec<port::StaffRecord>| {
        list.into_iter().map(|s| (s.username, s.disabled_at.is_some())).collect::<Vec<_>>()
    };
    assert_eq!(
        names(store.agency_staff(agency).await.unwrap()),
        [("agent.b".to_string(), false), ("agent.vosco".to_string(), false)]
    );
    store
        .put_token(
            &NewToken {
                hash: "h-agent".into(),
                kind: TokenKind::Api,
                owner: TokenOwner::User(user),
                csrf: None,
                expires_at: None,
            },
            T0,
        )
        .await
        .unwrap();
    assert!(store.token("h-agent", T0).await.unwrap().is_some());
    assert!(store.close_agency(agency, T0).await.unwrap());
    assert!(!store.close_agency(agency, T0).await.unwrap());
    assert!(store.agency(agency).await.unwrap().unwrap().closed_at.is_some());
    assert!(store.user_by_name("agent.vosco").await.unwrap().is_none());
    assert!(store.token("h-agent", T0).await.unwrap().is_none());
    assert_eq!(
        names(store.agency_staff(agency).await.unwrap()),
        [("agent.b".to_string(), true), ("agent.vosco".to_string(), true)]
    );
}

fn seafarer(family: &str, rank: &str) -> fal::PersonOnBoard {
    fal::PersonOnBoard {
        family_name: family.into(),
        given_names: "PETR".into(),
        rank: Some(rank.into()),
        nationality: Country::parse("RUS").unwrap(),
        birth_date: time::macros::date!(1970 - 03 - 01),
        place_of_birth: None,
        sex: fal::Gender::Male,
        document_type: fal::IdDocType::SeafarerBook,
        document_number: DocumentNumber::parse("RUS1234567").unwrap(),
        document_issuing_state: Country::parse("RUS").unwrap(),
        document_expiry: time::macros::date!(2030 - 01 - 01),
        shore_leave: false,
        transit: false,
        visa_number: None,
    }
}

async fn dossiers_move_and_keep_their_history<S: Store>(store: S) {
    use domain::port::{Clock, DossierStatus, ImoNumber, ProcedureCode, UnLocode};
    use port::*;
    seeded(&store).await;
    let (agency, _) =
        store.add_agency(&new_agency("0100109106"), &agent_user("agent.vosco"), T0).await.unwrap();
    let (other, _) =
        store.add_agency(&new_agency("0301442379"), &agent_user("agent.other"), T0).await.unwrap();
    let mut clock = Clock::new(time::Duration::hours(2));
    clock.enter(DossierStatus::Submitted, T0);
    let vessel = Vessel {
        imo: ImoNumber::parse("9074729").unwrap(),
        name: "VOSCO STAR".into(),
        call_sign: None,
        flag: Some(Country::parse("VNM").unwrap()),
        vessel_type: Some("bulk carrier".into()),
        gross_tonnage: Some(22_000),
    };
    let event = |action: &str, status, at| DossierEvent {
        action: action.into(),
        status,
        actor: "user:agent.vosco".into(),
        note: None,
        at,
    };
    let new = NewDossier {
        filing_hash: None,
        id: "d-1".into(),
        agency,
        procedure: ProcedureCode::VesselEntry,
        checkpoint: cp("CANG-HAI-PHONG"),
        vessel: Some(vessel.clone()),
        port_call: PortCall {
            eta: Some(T0),
            etd: None,
            berth: Some("Chùa Vẽ 3".into()),
            last_port: Some(UnLocode::parse_field("last_port", "SGSIN").unwrap()),
            next_port: None,
        },
        declaration: serde_json::json!({"voyage_number": "V123"}),
        crew: vec![seafarer("IVANOV", "Master"), seafarer("PETROV", "Cook")],
        passengers: vec![],
        status: DossierStatus::Submitted,
        clock,
        submitted_at: Some(T0),
        resolved: None,
        created_by: "user:agent.vosco".into(),
        events: vec![event("submit", DossierStatus::Submitted, T0)],
    };
    store.create_dossier(&new, T0).await.unwrap();
    assert!(matches!(store.create_dossier(&new, T0).await, Err(StoreError::Duplicate(_))));
    let second = NewDossier { id: "d-2".into(), agency: other, vessel: None, ..new.clone() };
    store.create_dossier(&second, T0).await.unwrap();
    let d = store.dossier("d-1").await.unwrap().unwrap();
    assert_eq!(d.vessel.as_ref(), Some(&vessel));
    assert_eq!(d.crew.len(), 2);
    assert_eq!(d.due_at, Some(T0 + time::Duration::hours(2)));
    assert_eq!(d.port_call.last_port.unwrap().as_str(), "SGSIN");
    assert_eq!(d.declaration["voyage_number"], "V123");

    // The queue: this checkpoint's pending dossiers; an agency sees only its own.
    let queue = |scope| DossierFilter {
        scope,
        checkpoint: None,
        statuses: vec![DossierStatus::Submitted, DossierStatus::InReview],
        by_due: true,
        text: String::new(),
        changed_since: None,
        offset: 0,
        limit: 50,
    };
    let q = store
        .dossiers(&queue(domain::DossierScope::Checkpoint(cp("CANG-HAI-PHONG"))))
        .await
        .unwrap();
    assert_eq!(q.len(), 2);
    assert_eq!(q[0].vessel_name.as_deref(), Some("VOSCO STAR"));
    let mine = store.dossiers(&queue(domain::DossierScope::Agency(agency))).await.unwrap();
    assert_eq!(mine.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["d-1"]);
    assert!(
        store
            .dossiers(&queue(domain::DossierScope::Checkpoint(cp("CANG-DA-NANG"))))
            .await
            .unwrap()
            .is_empty()
    );

    // A supplement stops the clock; a stale version changes nothing.
    let later = T0 + time::Duration::minutes(30);
    let mut c = d.clock;
    c.enter(DossierStatus::SupplementRequested, later);
    let update = DossierUpdate {
        id: "d-1".into(),
        expected_version: d.version,
        status: DossierStatus::SupplementRequested,
        clock: c,
        submitted_at: None,
        resolved: None,
        crew: None,
        passengers: None,
        event: DossierEvent {
            note: Some("FAL 5 missing ranks".into()),
            ..event("request_supplement", DossierStatus::SupplementRequested, later)
        },
    };
    assert!(store.update_dossier(&update, later).await.unwrap());
    assert!(!store.update_dossier(&update, later).await.unwrap());
    let d = store.dossier("d-1").await.unwrap().unwrap();
    assert_eq!((d.status, d.due_at, d.version), (DossierStatus::SupplementRequested, None, 2));
    let back = later + time::Duration::hours(5);
    let mut c = d.clock;
    c.enter(DossierStatus::Submitted, back);
    let resubmit = DossierUpdate {
        id: "d-1".into(),
        expected_version: 2,
        status: DossierStatus::Submitted,
        clock: c,
        submitted_at: Some(back),
        resolved: None,
        crew: Some(vec![seafarer("IVANOV", "Master")]),
        passengers: None,
        event: event("submit", DossierStatus::Submitted, back),
    };
    assert!(store.update_dossier(&resubmit, back).await.unwrap());
    let d = store.dossier("d-1").await.unwrap().unwrap();
    assert_eq!(d.crew.len(), 1);
    assert_eq!(d.submitted_at, Some(T0), "the first submission is kept");
    assert_eq!(d.due_at, Some(back + time::Duration::minutes(90)));
    let done = back + time::Duration::minutes(10);
    let mut c = d.clock;
    c.enter(DossierStatus::Approved, done);
    let approve = DossierUpdate {
        id: "d-1".into(),
        expected_version: 3,
        status: DossierStatus::Approved,
        clock: c,
        submitted_at: None,
        resolved: c.resolved(),
        crew: None,
        passengers: None,
        event: event("approve", DossierStatus::Approved, done),
    };
    assert!(store.update_dossier(&approve, done).await.unwrap());
    let d = store.dossier("d-1").await.unwrap().unwrap();
    assert_eq!(
        (d.status, d.resolved_at, d.on_time),
        (DossierStatus::Approved, Some(done), Some(true))
    );
    let history = store.dossier_events("d-1").await.unwrap();
    let steps: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(steps, ["submit", "request_supplement", "submit", "approve"]);
    assert_eq!(history[1].note.as_deref(), Some("FAL 5 missing ranks"));

    let facts = store.dossier_facts(T0, T0 + time::Duration::days(1)).await.unwrap();
    assert_eq!(facts.len(), 2);
    let f = facts.iter().find(|f| f.on_time.is_some()).unwrap();
    assert_eq!(f.handling, time::Duration::minutes(40));
    assert!(
        store
            .dossier_facts(T0 + time::Duration::days(1), T0 + time::Duration::days(2))
            .await
            .unwrap()
            .is_empty()
    );
}

fn signing_key(checkpoint: &str, serial: &str) -> permit::NewSigningKey {
    permit::NewSigningKey {
        role: permit::KeyRole::Signer,
        checkpoint: Some(CheckpointCode::parse(checkpoint).unwrap()),
        signer_identifier: "VN01".into(),
        serial: serial.into(),
        certificate: vec![0x30, 1, 2],
        locked_key: vec![9; 40],
    }
}

fn shore_pass(id: &str, serial: &str) -> permit::NewPermit {
    permit::NewPermit {
        id: id.into(),
        serial: serial.into(),
        kind: domain::permit::PermitKind::ShorePass,
        checkpoint: CheckpointCode::parse("CANG-HAI-PHONG").unwrap(),
        dossier_id: None,
        holder: permit::Holder {
            family_name: "SANTOS".into(),
            given_names: "JOSE".into(),
            nationality: Country::parse("PHL").unwrap(),
            birth_date: time::macros::date!(1988 - 12 - 15),
            document_number: DocumentNumber::parse("P1234567A").unwrap(),
        },
        vessel_imo: Some(domain::port::ImoNumber::parse("9244491").unwrap()),
        valid_from: time::macros::date!(2026 - 11 - 25),
        valid_until: time::macros::date!(2026 - 11 - 28),
        seal: vec![0xDC, 3, 1, 2],
        signer: "VN011A".into(),
        issued_by: "user:commander.hp".into(),
    }
}

async fn keys_rotate_and_permits_are_issued_revoked_and_scanned<S: Store>(store: S) {
    use permit::*;
    seeded(&store).await;
    let first = store.add_signing_key(&signing_key("CANG-HAI-PHONG", "1A"), T0).await.unwrap();
    let dup = store.add_signing_key(&signing_key("CANG-HAI-PHONG", "1A"), T0).await;
    assert!(matches!(dup, Err(StoreError::Duplicate(_))));
    let later = T0 + time::Duration::days(1);
    let second =
        store.rotate_signing_key(first, &signing_key("CANG-HAI-PHONG", "2B"), later).await.unwrap();
    // Retiring is once: a second rotation of the same key stores no successor.
    let again = store.rotate_signing_key(first, &signing_key("CANG-HAI-PHONG", "3C"), later).await;
    assert!(matches!(again, Err(StoreError::NotFound(_))));
    let keys = store.signing_keys().await.unwrap();
    assert_eq!(
        keys.iter().map(|k| (k.id, k.retired_at.is_some())).collect::<Vec<_>>(),
        [(first, true), (second, false)]
    );
    assert_eq!(keys[1].locked_key, vec![9; 40]);
    assert!(!format!("{:?}", keys[1]).contains("9, 9"), "a key's bytes are not printed");

    assert!(store.revocation_list(RevocationScope::Permits).await.unwrap().is_none());
    for number in [1, 2] {
        let list = RevocationListRecord { number, der: vec![number as u8], issued_at: T0 };
        store.put_revocation_list(RevocationScope::Permits, &list).await.unwrap();
    }
    assert_eq!(store.revocation_list(RevocationScope::Permits).await.unwrap().unwrap().der, [2]);
    assert!(store.revocation_list(RevocationScope::Certificates).await.unwrap().is_none());

    // Thirty at once, or none: a duplicate serial among them stores nothing.
    let mut crew: Vec<NewPermit> =
        (0..30).map(|i| shore_pass(&format!("p{i}"), &format!("{:X}", 0x100 + i))).collect();
    crew.push(shore_pass("p-dup", "100"));
    assert!(matches!(store.create_permits(&crew, T0).await, Err(StoreError::Duplicate(_))));
    assert!(store.permit("p0").await.unwrap().is_none());
    crew.pop();
    store.create_permits(&crew, T0).await.unwrap();
    let p = store.permit("p7").await.unwrap().unwrap();
    assert_eq!(p.permit.holder, crew[7].holder);
    assert_eq!(p.permit.seal, crew[7].seal);
    assert_eq!(p.permit.valid_until, crew[7].valid_until);
    assert_eq!(store.permit_by_serial("107").await.unwrap().unwrap().permit.id, "p7");
    let filter = PermitFilter {
        checkpoint: Some(CheckpointCode::parse("CANG-HAI-PHONG").unwrap()),
        limit: 10,
        ..Default::default()
    };
    let (page, total) = store.permits(&filter).await.unwrap();
    assert_eq!(page.len(), 10);
    let rest = PermitFilter { offset: 10, limit: 100, ..filter.clone() };
    let (rest, _) = store.permits(&rest).await.unwrap();
    assert_eq!(page.len() + rest.len(), usize::try_from(total).unwrap());
    // By serial, and `%` typed is no wildcard.
    let by_serial = PermitFilter { text: "107".into(), ..filter.clone() };
    assert_eq!(store.permits(&by_serial).await.unwrap().0[0].permit.id, "p7");
    let percent = PermitFilter { text: "%".into(), ..filter.clone() };
    assert_eq!(store.permits(&percent).await.unwrap().1, 0);

    let rev = Revocation { at: later, by: "user:commander.hp".into(), reason: Some("lost".into()) };
    assert!(store.revoke_permit("p7", &rev).await.unwrap());
    assert!(!store.revoke_permit("p7", &rev).await.unwrap());
    assert_eq!(store.permit("p7").await.unwrap().unwrap().revoked, Some(rev));
    assert_eq!(store.revoked_permits().await.unwrap(), [("107".to_string(), later)]);

    for (i, direction) in [Movement::Ashore, Movement::Aboard].into_iter().enumerate() {
        store
            .record_movement(&MovementRecord {
                permit_id: "p3".into(),
                checkpoint: CheckpointCode::parse("CANG-HAI-PHONG").unwrap(),
                direction,
                actor: "user:officer.hp".into(),
                at: T0 + time::Duration::hours(i as i64),
            })
            .await
            .unwrap();
    }
    let moves = store.movements("p3").await.unwrap();
    assert_eq!(
        moves.iter().map(|m| m.direction).collect::<Vec<_>>(),
        [Movement::Aboard, Movement::Ashore]
    );
}

async fn nodes_enrol_once_and_are_revoked<S: Store>(store: S) {
    use store::sync::NodeContact;
    seeded(&store).await;
    let mc = cp("MONG-CAI");
    store.add_node(&mc, "secret-1", T0).await.unwrap();
    // A second secret replaces the first, unused one.
    store.add_node(&mc, "secret-2", T0).await.unwrap();
    assert_eq!(store.enrol_node("secret-1", "cred-1", T0).await.unwrap(), None);
    assert_eq!(store.enrol_node("secret-2", "cred-2", T0).await.unwrap(), Some(mc.clone()));
    // Spent.
    assert_eq!(store.enrol_node("secret-2", "cred-3", T0).await.unwrap(), None);
    let node = store.node_by_credential("cred-2").await.unwrap().unwrap();
    assert_eq!(node.checkpoint, mc);
    assert!(!node.enrolment_pending);
    let contact = NodeContact { backlog: 42, version: "0.1.0".into(), clock_offset_ms: -70_000 };
    store.node_contact(&mc, &contact, T0).await.unwrap();
    let listed = store.nodes().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].backlog, listed[0].clock_offset_ms), (42, Some(-70_000)));
    assert_eq!(listed[0].last_contact, Some(T0));
    store
        .keep_conflicts(
            &mc,
            "crossing",
            &[("id-1".into(), "{}".into()), ("id-1".into(), "{}".into())],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(store.conflicts(10).await.unwrap().len(), 1, "the same body is kept once");
    assert!(store.revoke_node(&mc, T0).await.unwrap());
    assert!(store.node_by_credential("cred-2").await.unwrap().is_none());
    assert!(!store.revoke_node(&mc, T0).await.unwrap());
}

async fn a_node_sends_what_it_settled_and_follows_its_post<S: Store>(store: S) {
    use store::sync::{SyncAccount, SyncDevice, SyncToken};
    seeded(&store).await;
    let mc = cp("MONG-CAI");
    // Not a node yet: nothing goes to the outbox.
    let doc = passport("N0000001", "NGUYEN", "VAN A");
    store
        .record_crossings(&[crossing("before", &doc, Direction::Exit, T0)], &by(), T0)
        .await
        .unwrap();
    assert_eq!(store.node_self().await.unwrap(), None);
    store.become_node(&mc, "https://hq.example", T0).await.unwrap();
    assert!(store.become_node(&cp("HUU-NGHI"), "https://hq.example", T0).await.is_err());
    assert_eq!(store.backlog().await.unwrap(), store.audit_anchor().await.unwrap().seq);
    store.ack_up(0, store.audit_anchor().await.unwrap().seq).await.unwrap();
    let mut late = crossing("late", &doc, Direction::Entry, T0);
    late.screened = false;
    store
        .record_crossings(&[crossing("now", &doc, Direction::Exit, T0), late], &by(), T0)
        .await
        .unwrap();
    let waiting = store.outbox(0, 10).await.unwrap().crossings;
    assert_eq!(waiting.iter().map(|i| i.crossing.id.as_str()).collect::<Vec<_>>(), ["now"]);
    assert_eq!(waiting[0].document, doc);
    let settled =
        Screening { crossing_id: "late".into(), decision: Decision::Refer, alerts: vec![] };
    store.settle_screening(&[settled], T0).await.unwrap();
    let waiting = store.outbox(0, 10).await.unwrap().crossings;
    assert_eq!(waiting.iter().map(|i| i.crossing.id.as_str()).collect::<Vec<_>>(), ["now", "late"]);
    assert_eq!(waiting[1].crossing.decision, Decision::Refer);
    let head = store.audit_anchor().await.unwrap().seq;
    store.ack_up(waiting[0].seq, head).await.unwrap();
    assert_eq!(store.outbox(0, 10).await.unwrap().crossings.len(), 1);
    assert_eq!(store.backlog().await.unwrap(), 1);
    // An acknowledgement older than the cursor does not move it back.
    store.ack_up(0, 0).await.unwrap();
    let me = store.node_self().await.unwrap().unwrap();
    assert_eq!((me.up_acked, me.audit_acked), (waiting[0].seq, head));

    // The post's accounts and devices as headquarters has them.
    let account = |id: i64, name: &str, disabled: bool| SyncAccount {
        id,
        username: Username::parse(name).unwrap(),
        role: Role::Officer,
        checkpoint: Some(mc.clone()),
        password_hash: "$argon2id$hash".into(),
        created_at: T0,
        disabled,
    };
    let device = SyncDevice {
        id: 7,
        checkpoint: mc.clone(),
        name: "gate".into(),
        created_at: T0,
        revoked: false,
        tokens: vec![SyncToken { hash: "t".repeat(64), expires_at: None }],
    };
    store
        .apply_accounts(
            &[account(100, "officer.a", false), account(101, "officer.b", false)],
            std::slice::from_ref(&device),
            T0,
        )
        .await
        .unwrap();
    assert!(store.user_by_name("officer.a").await.unwrap().is_some());
    assert!(store.token(&"t".repeat(64), T0).await.unwrap().is_some());
    let session = NewToken {
        hash: "session-b".into(),
        kind: TokenKind::Session,
        owner: TokenOwner::User(101),
        csrf: Some("c".into()),
        expires_at: None,
    };
    store.put_token(&session, T0).await.unwrap();
    // officer.b disabled at headquarters, officer.a moved away, the gate revoked.
    let revoked = SyncDevice { revoked: true, tokens: vec![], ..device };
    store.apply_accounts(&[account(101, "officer.b", true)], &[revoked], T0).await.unwrap();
    assert!(store.token("session-b", T0).await.unwrap().is_none());
    let all = store.accounts().await.unwrap();
    assert!(all.iter().all(|a| a.disabled_at.is_some()), "{all:?}");
    assert!(store.token(&"t".repeat(64), T0).await.unwrap().is_none());
}

fn alert_up(id: i64, entry: &str, doc: &TravelDocument, status: AlertStatus) -> sync::AlertUp {
    sync::AlertUp {
        id,
        entry_id: entry.into(),
        issuing_state: doc.issuing_state,
        number: doc.number.clone(),
        score: 0.93,
        status,
        raised_at: T0 + time::Duration::seconds(5),
        decided_by: "officer.mongcai".into(),
        decided_at: T0 + time::Duration::seconds(60),
        note: Some("not the same person".into()),
    }
}

async fn headquarters_takes_a_nodes_alerts_and_movements_once<S: Store>(store: S) {
    use permit::*;
    seeded(&store).await;
    let mc = cp("MONG-CAI");
    store.put_watch_entry(&entry("W1", "Nguyễn Văn Đức"), "system", T0).await.unwrap();
    store.put_watch_entry(&entry("W2", "Trần Văn Đức"), "system", T0).await.unwrap();
    let doc = passport("C1234567", "NGUYEN", "VAN DUC");
    store.record_crossings(&[crossing("x", &doc, Direction::Exit, T0)], &by(), T0).await.unwrap();
    let traveller = store.traveller(Country::VNM, &doc.number).await.unwrap().unwrap();
    // Headquarters screened the node's crossing first: its open alert takes the node's word.
    let open = NewAlert {
        entry_id: "W1".into(),
        traveller_id: traveller.id,
        checkpoint: mc.clone(),
        score: 0.9,
        crossing_at: Some(T0),
    };
    let id = store.raise_alert(&open, T0).await.unwrap().unwrap();
    let stranger = passport("Z9999999", "NOBODY", "AT ALL");
    let ups = [
        alert_up(5, "W1", &doc, AlertStatus::Dismissed),
        alert_up(6, "W2", &doc, AlertStatus::Confirmed),
        alert_up(7, "W1", &stranger, AlertStatus::Confirmed),
    ];
    assert_eq!(store.put_node_alerts(&mc, &ups).await.unwrap(), [7], "an unknown traveller");
    assert_eq!(store.put_node_alerts(&mc, &ups).await.unwrap(), [7], "sent again: kept once");
    let decided = store.alert(id).await.unwrap().unwrap();
    assert_eq!(decided.status, AlertStatus::Dismissed);
    assert_eq!(decided.decided_by.as_deref(), Some("officer.mongcai"));
    assert_eq!(decided.note.as_deref(), Some("not the same person"));
    let (all, total) = store.alerts(&AlertScope::All, None, 0, 10).await.unwrap();
    assert_eq!(total, 2, "{all:?}");
    let confirmed = all.iter().find(|a| a.entry_id == "W2").unwrap();
    assert_eq!(confirmed.status, AlertStatus::Confirmed);
    // The node's crossing screened here after its alert came up: nothing raised again.
    let late = NewAlert { entry_id: "W2".into(), crossing_at: Some(T0), ..open.clone() };
    assert_eq!(store.raise_alert(&late, T0 + time::Duration::minutes(5)).await.unwrap(), None);
    // A later crossing of the same traveller is a new matter.
    let next = NewAlert { crossing_at: Some(T0 + time::Duration::hours(2)), ..late.clone() };
    assert!(store.raise_alert(&next, T0 + time::Duration::hours(2)).await.unwrap().is_some());
    // A dismissal the node only repeats adds nothing.
    assert_eq!(
        store
            .put_node_alerts(&mc, &[alert_up(8, "W1", &doc, AlertStatus::Dismissed)])
            .await
            .unwrap(),
        Vec::<i64>::new()
    );
    assert_eq!(store.alerts(&AlertScope::All, None, 0, 10).await.unwrap().1, 3);

    let dismissed = store.dismissals_since(0, 10).await.unwrap();
    assert_eq!(dismissed.len(), 1);
    assert_eq!((dismissed[0].hq_id, dismissed[0].entry_id.as_str()), (id, "W1"));
    assert_eq!(dismissed[0].document, doc);
    let after = dismissed[0].decided_at;
    let ms = (after.unix_timestamp_nanos() / 1_000_000) as i64;
    assert!(store.dismissals_since(ms, 10).await.unwrap().is_empty());

    // Permits: the post's, by the time they changed.
    let hp = cp("CANG-HAI-PHONG");
    store.add_signing_key(&signing_key("CANG-HAI-PHONG", "1A"), T0).await.unwrap();
    store.create_permits(&[shore_pass("p1", "01")], T0).await.unwrap();
    store.create_permits(&[shore_pass("p2", "02")], T0 + time::Duration::hours(1)).await.unwrap();
    let ms_of = |t: OffsetDateTime| (t.unix_timestamp_nanos() / 1_000_000) as i64;
    let ids = |v: Vec<PermitRecord>| v.into_iter().map(|p| p.permit.id).collect::<Vec<_>>();
    assert_eq!(ids(store.permits_changed(&hp, 0, 10).await.unwrap()), ["p1", "p2"]);
    assert_eq!(ids(store.permits_changed(&hp, ms_of(T0), 10).await.unwrap()), ["p2"]);
    assert!(store.permits_changed(&mc, 0, 10).await.unwrap().is_empty(), "another post's");
    let later = T0 + time::Duration::hours(3);
    let rev = Revocation { at: later, by: "user:commander.hp".into(), reason: Some("lost".into()) };
    assert!(store.revoke_permit("p1", &rev).await.unwrap());
    assert_eq!(
        ids(store.permits_changed(&hp, ms_of(T0 + time::Duration::hours(2)), 10).await.unwrap()),
        ["p1"]
    );

    let movement = |id: i64, permit: &str| sync::MovementUp {
        id,
        movement: MovementRecord {
            permit_id: permit.into(),
            checkpoint: hp.clone(),
            direction: Movement::Ashore,
            actor: "user:officer.hp".into(),
            at: T0 + time::Duration::minutes(90),
        },
    };
    let sent = [movement(1, "p2"), movement(2, "nope")];
    assert_eq!(store.put_node_movements(&hp, &sent).await.unwrap(), [2]);
    assert_eq!(store.put_node_movements(&hp, &sent).await.unwrap(), [2]);
    assert_eq!(store.movements("p2").await.unwrap().len(), 1, "kept once");
}

async fn a_node_holds_dismissals_and_permits_and_sends_its_own<S: Store>(store: S) {
    use permit::*;
    seeded(&store).await;
    let mc = cp("MONG-CAI");
    store.become_node(&mc, "https://hq.example", T0).await.unwrap();
    store.put_watch_entry(&entry("W1", "Nguyễn Văn Đức"), "headquarters", T0).await.unwrap();
    store.put_watch_entry(&entry("W2", "Trần Văn Đức"), "headquarters", T0).await.unwrap();
    let doc = passport("C1234567", "NGUYEN", "VAN DUC");
    store.record_crossings(&[crossing("x", &doc, Direction::Exit, T0)], &by(), T0).await.unwrap();
    let traveller = store.traveller(Country::VNM, &doc.number).await.unwrap().unwrap();
    let at = |entry: &str| NewAlert {
        entry_id: entry.into(),
        traveller_id: traveller.id,
        checkpoint: mc.clone(),
        score: 0.9,
        crossing_at: Some(T0),
    };
    let w1 = store.raise_alert(&at("W1"), T0).await.unwrap().unwrap();
    let w2 = store.raise_alert(&at("W2"), T0).await.unwrap().unwrap();
    let head = store.outbox(0, 100).await.unwrap().last;
    store.ack_up(head, store.audit_anchor().await.unwrap().seq).await.unwrap();

    // Headquarters dismissed W1 for this traveller, and another pair this node never saw.
    let stranger = passport("K7654321", "LE", "THI HOA");
    let dismissal = |hq_id: i64, entry: &str, d: &TravelDocument| sync::Dismissal {
        hq_id,
        entry_id: entry.into(),
        checkpoint: cp("HUU-NGHI"),
        document: d.clone(),
        name_key: d.full_name(),
        score: 0.88,
        raised_at: T0,
        decided_by: "analyst".into(),
        decided_at: T0 + time::Duration::minutes(2),
        note: None,
    };
    let down =
        [dismissal(41, "W1", &doc), dismissal(42, "W2", &stranger), dismissal(43, "GONE", &doc)];
    store.apply_dismissals(&down, 1_000, T0).await.unwrap();
    store.apply_dismissals(&down, 900, T0).await.unwrap();
    assert_eq!(store.alert(w1).await.unwrap().unwrap().status, AlertStatus::Dismissed);
    let someone = store.traveller(Country::VNM, &stranger.number).await.unwrap().unwrap();
    assert_eq!(store.dismissed_entries(someone.id).await.unwrap(), ["W2"]);
    assert_eq!(store.alerts(&AlertScope::All, None, 0, 10).await.unwrap().1, 3, "each once");
    assert_eq!(store.node_self().await.unwrap().unwrap().dismissed_as_of, 1_000, "never back");
    assert!(store.outbox(0, 100).await.unwrap().is_empty(), "headquarters' word does not go up");

    // The node's officer confirms W2: that goes up, with the traveller named by document.
    assert!(
        store
            .decide_alert(w2, AlertStatus::Confirmed, "officer.mongcai", Some("held"), T0)
            .await
            .unwrap()
    );
    let waiting = store.outbox(0, 100).await.unwrap();
    assert_eq!(waiting.alerts.len(), 1);
    let up = &waiting.alerts[0];
    assert_eq!((up.id, up.entry_id.as_str(), up.status), (w2, "W2", AlertStatus::Confirmed));
    assert_eq!((up.issuing_state, &up.number), (doc.issuing_state, &doc.number));
    assert_eq!(up.note.as_deref(), Some("held"));

    // The post's permits come down; a scan of one records a movement that goes up after it.
    let mut p = shore_pass("p1", "01");
    p.checkpoint = mc.clone();
    let record = PermitRecord { permit: p, issued_at: T0, revoked: None };
    store.put_permits(std::slice::from_ref(&record), 2_000).await.unwrap();
    let revoked = PermitRecord {
        revoked: Some(Revocation {
            at: T0,
            by: "user:commander".into(),
            reason: Some("lost".into()),
        }),
        ..record.clone()
    };
    store.put_permits(&[revoked], 1_500).await.unwrap();
    let held = store.permit("p1").await.unwrap().unwrap();
    assert_eq!(held.revoked.as_ref().and_then(|r| r.reason.as_deref()), Some("lost"));
    assert_eq!(held.permit.dossier_id, None);
    assert_eq!(store.node_self().await.unwrap().unwrap().permits_as_of, 2_000);
    store
        .record_movement(&MovementRecord {
            permit_id: "p1".into(),
            checkpoint: mc.clone(),
            direction: Movement::Ashore,
            actor: "user:officer".into(),
            at: T0,
        })
        .await
        .unwrap();
    let waiting = store.outbox(0, 100).await.unwrap();
    assert_eq!((waiting.alerts.len(), waiting.movements.len()), (1, 1));
    assert_eq!(waiting.movements[0].movement.permit_id, "p1");
    store.ack_up(waiting.last, 0).await.unwrap();
    assert!(store.outbox(0, 100).await.unwrap().is_empty());
}

async fn cscas_are_held_once_by_fingerprint<S: Store>(store: S) {
    let csca = |fingerprint: &str, country: &str, years: i64| csca::CscaRecord {
        fingerprint: fingerprint.into(),
        der: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        country: country.into(),
        subject: format!("C={country}, CN=CSCA"),
        not_before: T0,
        not_after: T0 + time::Duration::days(365 * years),
        source: "list.ml".into(),
        added_at: T0,
    };
    let first = [csca("aa", "UT", 10), csca("bb", "UT", 12), csca("cc", "DE", 5)];
    assert_eq!(store.put_cscas(&first).await.unwrap(), 3);
    assert_eq!(store.put_cscas(&[csca("aa", "UT", 10), csca("dd", "FR", 3)]).await.unwrap(), 1);
    let held = store.cscas().await.unwrap();
    let order: Vec<&str> = held.iter().map(|c| c.fingerprint.as_str()).collect();
    assert_eq!(order, ["cc", "dd", "bb", "aa"], "by country, the latest to expire first");
    assert_eq!(held[3], csca("aa", "UT", 10));

    let crl = |fingerprint: &str, days: i64| csca::CrlRecord {
        fingerprint: fingerprint.into(),
        der: vec![0x30, 0x00],
        issuer: "C=UT, CN=CSCA".into(),
        this_update: T0 + time::Duration::days(days),
        next_update: (days > 0).then(|| T0 + time::Duration::days(days + 30)),
        source: "ut.crl".into(),
        added_at: T0 + time::Duration::days(days),
    };
    assert_eq!(store.put_csca_crls(&[crl("c1", 0), crl("c2", 5)]).await.unwrap(), 2);
    assert_eq!(store.put_csca_crls(&[crl("c1", 0)]).await.unwrap(), 0, "held once");
    let lists = store.csca_crls().await.unwrap();
    assert_eq!(lists, [crl("c2", 5), crl("c1", 0)], "the newest first");
    let after = (T0.unix_timestamp_nanos() / 1_000_000) as i64;
    assert_eq!(store.csca_crls_since(after, 10).await.unwrap(), [crl("c2", 5)]);
}

async fn egate_transactions_are_kept_once_with_their_crossing<S: Store>(store: S) {
    use domain::egate::{ChipAccess, ChipOutcome, GateDecision, GateName, Score, Thresholds};
    use store::egate::{EgateDocument, EgateFilter, EgateOutcome, EgateRecord, KeptReason};
    seeded(&store).await;
    let doc = passport("C1234567", "TRAN", "THI MAI");
    let tx = |id: &str, gate: &str, decision: GateDecision, at: OffsetDateTime| EgateRecord {
        id: id.into(),
        checkpoint: cp("MONG-CAI"),
        gate: GateName::parse(gate).unwrap(),
        direction: Direction::Entry,
        at,
        decision,
        reasons: match decision {
            GateDecision::Open => Vec::new(),
            GateDecision::Refer => vec![KeptReason {
                code: "face_mismatch".into(),
                message: "the face matched at 0.41".into(),
                vi: "Khuôn mặt khớp 0,41".into(),
            }],
        },
        document: Some(EgateDocument {
            doc_type: doc.doc_type,
            issuing_state: doc.issuing_state,
            number: doc.number.clone(),
            holder: "TRAN THI MAI".into(),
            birth_date: doc.birth_date,
        }),
        document_text: Some("P<VNMTRAN<<THI<MAI".into()),
        chip_access: Some(ChipAccess::Pace),
        chip: ChipOutcome::Verified,
        face: Some((0.93, 0.99)),
        fingerprints: vec![(2, 0.88)],
        timings: vec![("document".into(), 2100), ("face".into(), 3400)],
        gate_ms: Some(5500),
        platform_ms: 7,
        crossing_id: None,
        actor: "device:1".into(),
        body_hash: format!("body-{id}"),
        taken_by: None,
        taken_at: None,
    };
    let id1 = "00000000-0000-4000-8000-000000000001";
    let mut c1 = crossing(id1, &doc, Direction::Entry, T0);
    c1.channel = Channel::Egate;
    let first = tx(id1, "G1", GateDecision::Open, T0);
    let EgateOutcome::Created(kept) =
        store.record_egate(&first, Some(&c1), &by(), T0).await.unwrap()
    else {
        panic!("the first transaction is created");
    };
    assert_eq!(kept.crossing_id.as_deref(), Some(id1));
    let stored = store.crossing(id1).await.unwrap().expect("the gate's crossing is recorded");
    assert_eq!(stored.channel, Channel::Egate);
    // The same again is a retry: the first answer, and still one crossing.
    let EgateOutcome::Existing(again) =
        store.record_egate(&first, Some(&c1), &by(), T0).await.unwrap()
    else {
        panic!("a retry finds the first");
    };
    assert_eq!(*again, *kept);
    let mut other = first.clone();
    other.body_hash = "another body".into();
    assert!(matches!(
        store.record_egate(&other, Some(&c1), &by(), T0).await.unwrap(),
        EgateOutcome::Conflict
    ));

    let t1 = T0 + time::Duration::seconds(20);
    let id2 = "00000000-0000-4000-8000-000000000002";
    let referred = tx(id2, "G2", GateDecision::Refer, t1);
    store.record_egate(&referred, None, &by(), t1).await.unwrap();
    let mut no_doc = tx("00000000-0000-4000-8000-000000000003", "G2", GateDecision::Refer, t1);
    no_doc.document = None;
    no_doc.face = None;
    no_doc.fingerprints = Vec::new();
    no_doc.gate_ms = None;
    store.record_egate(&no_doc, None, &by(), t1).await.unwrap();
    assert_eq!(store.egate(no_doc.id.as_str()).await.unwrap().unwrap(), no_doc);
    assert!(store.crossing(id2).await.unwrap().is_none(), "a referral is no crossing");

    let all = EgateFilter { checkpoint: Some(cp("MONG-CAI")), ..EgateFilter::default() };
    let (list, total) = store.egates(&all, 0, 10).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(list[2].id, id1, "newest first");
    let g2 = EgateFilter { gate: Some(GateName::parse("G2").unwrap()), ..all.clone() };
    assert_eq!(store.egates(&g2, 0, 10).await.unwrap().1, 2);
    let window = EgateFilter { to: Some(t1), ..all.clone() };
    assert_eq!(store.egates(&window, 0, 10).await.unwrap().0[0].id, id1);
    let elsewhere = EgateFilter { checkpoint: Some(cp("HUU-NGHI")), ..EgateFilter::default() };
    assert_eq!(store.egates(&elsewhere, 0, 10).await.unwrap().1, 0);

    let board = store.gate_summaries(Some(&cp("MONG-CAI")), T0).await.unwrap();
    assert_eq!(board.len(), 2);
    assert_eq!((board[0].opened, board[0].referred, board[0].gate_ms_sum), (1, 0, 5500));
    assert_eq!((board[1].opened, board[1].referred, board[1].gate_ms_count), (0, 2, 1));
    assert_eq!(board[1].last_at, t1);
    assert!(store.gate_summaries(None, t1 + time::Duration::seconds(1)).await.unwrap().is_empty());

    let open = store.egate_referrals(&cp("MONG-CAI"), T0, 10).await.unwrap();
    assert_eq!(open.len(), 2);
    assert!(!store.take_referral(id2, &cp("HUU-NGHI"), "user:x", t1).await.unwrap());
    assert!(!store.take_referral(id1, &cp("MONG-CAI"), "user:x", t1).await.unwrap());
    assert!(store.take_referral(id2, &cp("MONG-CAI"), "user:officer", t1).await.unwrap());
    assert!(!store.take_referral(id2, &cp("MONG-CAI"), "user:other", t1).await.unwrap());
    let taken = store.egate(id2).await.unwrap().unwrap();
    assert_eq!((taken.taken_by.as_deref(), taken.taken_at), (Some("user:officer"), Some(t1)));
    assert_eq!(store.egate_referrals(&cp("MONG-CAI"), T0, 10).await.unwrap().len(), 1);

    assert_eq!(store.egate_thresholds(&cp("MONG-CAI")).await.unwrap(), None);
    let strict = Thresholds { face: Score::parse("f", 0.9).unwrap(), ..Thresholds::default() };
    store.set_egate_thresholds(&cp("MONG-CAI"), &strict, "user:commander", T0).await.unwrap();
    store.set_egate_thresholds(&cp("MONG-CAI"), &strict, "user:commander", t1).await.unwrap();
    let set = store.egate_thresholds(&cp("MONG-CAI")).await.unwrap().unwrap();
    assert_eq!((set.thresholds, set.updated_at), (strict, t1));
    // Every transaction kept is in the audit trail, with the crossing it recorded.
    let actions: Vec<String> =
        store.audit_records(0, 100).await.unwrap().into_iter().map(|r| r.action).collect();
    assert_eq!(actions.iter().filter(|a| *a == "egate.transaction").count(), 3);
    assert_eq!(actions.iter().filter(|a| *a == "crossing.record").count(), 1);
    assert!(matches!(verify_audit(&store).await.unwrap(), Ok(4)));
}
