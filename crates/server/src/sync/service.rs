//! The sync between headquarters and the checkpoint nodes (`docs/sync.md`).
//!
//! Headquarters' side: nodes are added, enrolled and revoked; what a node sends up is read,
//! checked to be its own checkpoint's, and stored once by id; what it asks for down is its
//! post's accounts and devices, the watchlist from where it stands, and the trust store.
//!
//! A node's side: one task (`follow_link`) sends the outbox and the audit trail up, a batch at
//! a time, forgetting each batch only once headquarters has answered that it holds it; then
//! brings down what changed. Headquarters alone writes the watchlist, accounts and keys; a
//! node alone writes its crossings: nothing is merged.

use std::collections::HashSet;
use std::time::Duration;

use domain::{CheckpointCode, InvalidValue, NodesRight};
use serde_json::json;
use store::sync::{NodeContact, NodeRecord, WatchCursor};
use store::{AuditAction, NewCrossing, RecordOutcome, RecordedBy, Store, StoreError, millis};
use time::OffsetDateTime;

use crate::accounts::credentials::Secret;
use crate::app::{Acting, App, AuditFailed};
use crate::sync::link::{LinkError, NodeLink, Transport, call};
use crate::sync::wire::{self, Down, DownAnswer, HistoryAnswer, HistoryAsk, Up, UpAnswer};

/// The version a node reports to headquarters.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A node whose clock is further than this from headquarters' says so.
pub const CLOCK_TOLERANCE_MS: i64 = 60_000;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    #[error("{0}")]
    Protocol(String),
    /// A node sent records of another checkpoint, or asked for another's data.
    #[error("{0}")]
    OtherCheckpoint(String),
    #[error("no such enrolment secret: it was used, revoked, or never issued")]
    UnknownSecret,
    #[error("checkpoint {0} is not known")]
    UnknownCheckpoint(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] AuditFailed),
}

/// Issues a one-time enrolment secret for the checkpoint's node (the command line's, at
/// headquarters).
pub async fn add_node<S: Store>(
    store: &S,
    checkpoint: &CheckpointCode,
    by: &Acting,
    now: OffsetDateTime,
) -> Result<Secret, SyncError> {
    if !store.checkpoints().await?.iter().any(|c| &c.code == checkpoint) {
        return Err(SyncError::UnknownCheckpoint(checkpoint.to_string()));
    }
    let secret = Secret::generate();
    store.add_node(checkpoint, &secret.digest(), now).await?;
    store
        .append_audit(&by.audit(AuditAction::NodeAdd, format!("node:{checkpoint}"), json!({})), now)
        .await?;
    Ok(secret)
}

/// The node's credential stops working at once; false if it had none.
pub async fn revoke_node<S: Store>(
    store: &S,
    checkpoint: &CheckpointCode,
    by: &Acting,
    now: OffsetDateTime,
) -> Result<bool, SyncError> {
    let done = store.revoke_node(checkpoint, now).await?;
    if done {
        store
            .append_audit(
                &by.audit(AuditAction::NodeRevoke, format!("node:{checkpoint}"), json!({})),
                now,
            )
            .await?;
    }
    Ok(done)
}

/// What a node is given when it enrols: its credential, and the key its audit trail is linked
/// under (derived from headquarters' own, so that headquarters can verify the node's chain;
/// `None` where headquarters has no key).
#[derive(Debug)]
pub struct Enrolled {
    pub checkpoint: CheckpointCode,
    pub credential: Secret,
    pub audit_key: Option<[u8; 32]>,
}

/// The enrolment a node's records belong to: when it enrolled, in milliseconds.
pub fn enrolment(node: &NodeRecord) -> i64 {
    node.enrolled_at.map_or(0, millis)
}

/// Spends an enrolment secret: the node's credential, shown once.
pub async fn enrol<S: Store>(
    app: &App<S>,
    secret: &str,
    by: &Acting,
) -> Result<Enrolled, SyncError> {
    let secret = secret.trim();
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SyncError::UnknownSecret);
    }
    let credential = Secret::generate();
    let digest = crate::accounts::credentials::token_digest(secret);
    let now = app.now();
    let checkpoint = app
        .store
        .enrol_node(&digest, &credential.digest(), now)
        .await?
        .ok_or(SyncError::UnknownSecret)?;
    app.audit(by.audit(AuditAction::NodeEnrol, format!("node:{checkpoint}"), json!({}))).await?;
    let audit_key =
        app.store.audit_key().derive(&store::node_audit_label(&checkpoint, millis(now)));
    Ok(Enrolled { checkpoint, credential, audit_key })
}

fn check_protocol(protocol: u32) -> Result<(), SyncError> {
    if protocol == wire::PROTOCOL {
        Ok(())
    } else {
        Err(SyncError::Protocol(format!(
            "this headquarters speaks sync protocol {}, the node {protocol}: update the node",
            wire::PROTOCOL
        )))
    }
}

fn clock_offset(sent_at: &str, now: OffsetDateTime) -> Result<i64, SyncError> {
    let sent = domain::bounds::parse_time("sent_at", sent_at)?;
    Ok(((sent - now).whole_milliseconds()).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// Stores what a node sent up: its crossings once each by id (a repeat is acknowledged, an id
/// with another body is kept as a conflict), and its audit records as it chained them. The
/// answer is given only once everything is committed.
pub async fn receive_up<S: Store>(
    app: &App<S>,
    node: &NodeRecord,
    up: Up,
    ip: Option<String>,
) -> Result<UpAnswer, SyncError> {
    check_protocol(up.protocol)?;
    if up.crossings.len() + up.alerts.len() + up.movements.len() > wire::UP_BATCH
        || up.audit.len() > wire::UP_BATCH
    {
        return Err(SyncError::Protocol(format!(
            "at most {} records and {} audit records a message",
            wire::UP_BATCH,
            wire::UP_BATCH
        )));
    }
    let now = app.now();
    let offset = clock_offset(&up.sent_at, now)?;
    let mut batch = Vec::with_capacity(up.crossings.len());
    let mut sent = Vec::with_capacity(up.crossings.len());
    let mut unreadable = Vec::new();
    for c in &up.crossings {
        let read = match c.read() {
            Ok(read) => read,
            Err(e) => {
                // Kept where an administrator sees it, so that one bad record does not hold
                // back the post's backlog behind it.
                let body = serde_json::to_string(c).unwrap_or_default();
                unreadable
                    .push((c.id.chars().take(64).collect::<String>(), format!("{e}: {body}")));
                continue;
            }
        };
        if read.checkpoint != node.checkpoint {
            return Err(SyncError::OtherCheckpoint(format!(
                "crossing {} is of checkpoint {}, and this node is {}'s",
                read.id, read.checkpoint, node.checkpoint
            )));
        }
        sent.push(c);
        batch.push(NewCrossing {
            name_key: crate::control::service::name_key(
                &read.document.surname,
                &read.document.given_names,
            ),
            id: read.id,
            document: read.document,
            checkpoint: read.checkpoint,
            direction: read.direction,
            channel: read.channel,
            at: read.at,
            // Screened again here against the nation's watchlist, which may be newer than the
            // post's was; the stricter decision wins.
            decision: read.decision,
            client_decision: Some(read.decision),
            outcome: read.outcome,
            stamped: read.stamped,
            actor: read.actor,
            body_hash: read.body_hash,
            alerts: Vec::new(),
            screened: false,
        });
    }
    let audit = up.audit.iter().map(wire::WireAudit::read).collect::<Result<Vec<_>, _>>()?;
    let mut alerts = Vec::with_capacity(up.alerts.len());
    for a in &up.alerts {
        match a.read() {
            Ok(read) => alerts.push(read),
            Err(e) => unreadable.push((
                format!("alert:{}", a.id),
                format!("{e}: {}", serde_json::to_string(a).unwrap_or_default()),
            )),
        }
    }
    let mut movements = Vec::with_capacity(up.movements.len());
    for m in &up.movements {
        match m.read(&node.checkpoint) {
            Ok(read) => movements.push(read),
            Err(e) => unreadable.push((
                format!("movement:{}", m.id),
                format!("{e}: {}", serde_json::to_string(m).unwrap_or_default()),
            )),
        }
    }
    let by = RecordedBy { actor: format!("node:{}", node.checkpoint), ip };
    // A closed semaphore never happens (it lives as long as the process); waiting is the point.
    let _turn = app.sync_intake.acquire().await.ok();
    let outcomes = if batch.is_empty() {
        Vec::new()
    } else {
        app.store.record_crossings(&batch, &by, now).await?
    };
    let (mut stored, mut existing, mut conflicts) = (0u32, 0u32, Vec::new());
    let mut kept = Vec::new();
    for (o, c) in outcomes.iter().zip(sent) {
        match o {
            RecordOutcome::Created(_) => stored += 1,
            RecordOutcome::Existing(_) => existing += 1,
            RecordOutcome::Conflict(id) => {
                conflicts.push(id.clone());
                kept.push((id.clone(), serde_json::to_string(c).unwrap_or_default()));
            }
        }
    }
    if !kept.is_empty() {
        tracing::warn!(node = %node.checkpoint, conflicts = kept.len(), "crossings sent again with another body");
        app.store.keep_conflicts(&node.checkpoint, "crossing", &kept, now).await?;
    }
    // After the crossings, so that an alert of one of this message's crossings finds it.
    if !movements.is_empty() {
        for id in app.store.put_node_movements(&node.checkpoint, &movements).await? {
            unreadable
                .push((format!("movement:{id}"), "a permit headquarters does not hold".into()));
        }
    }
    if !alerts.is_empty() {
        for id in app.store.put_node_alerts(&node.checkpoint, &alerts).await? {
            unreadable.push((
                format!("alert:{id}"),
                "a traveller or watchlist entry headquarters does not hold".into(),
            ));
        }
    }
    if !unreadable.is_empty() {
        tracing::warn!(node = %node.checkpoint, records = unreadable.len(), "unreadable records kept");
        app.store.keep_conflicts(&node.checkpoint, "unreadable", &unreadable, now).await?;
    }
    if !audit.is_empty() {
        app.store.put_node_audit(&node.checkpoint, enrolment(node), &audit, now).await?;
    }
    let contact = NodeContact {
        backlog: up.backlog.max(0),
        version: clip_version(&up.version),
        clock_offset_ms: offset,
    };
    app.store.node_contact(&node.checkpoint, &contact, now).await?;
    if stored > 0 {
        app.screening.notify_one();
    }
    Ok(UpAnswer { stored, existing, conflicts, hq_time: wire::now_text(now) })
}

fn clip_version(v: &str) -> String {
    v.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// What a node asked for down: its post's accounts and devices whole, the watchlist's next
/// part from where the node stands, and the certificates and newest revocation lists.
pub async fn answer_down<S: Store>(
    app: &App<S>,
    node: &NodeRecord,
    down: Down,
) -> Result<DownAnswer, SyncError> {
    check_protocol(down.protocol)?;
    let now = app.now();
    let offset = clock_offset(&down.sent_at, now)?;
    let cp = &node.checkpoint;
    let accounts = app.store.accounts_at(cp).await?;
    let devices = app.store.devices_at(cp, now).await?;
    let pos = down.watch;
    let limit = wire::WATCH_BATCH as u32;
    let watch = if pos.copied {
        let changes = app.store.watch_changes(pos.seq.max(0), limit).await?;
        let mut ids: Vec<String> = Vec::with_capacity(changes.len());
        let mut seen = HashSet::new();
        for (_, id) in &changes {
            if seen.insert(id.clone()) {
                ids.push(id.clone());
            }
        }
        let entries = app.store.watch_entries_by_id(&ids).await?;
        let live: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        let removed = ids.iter().filter(|id| !live.contains(id.as_str())).cloned().collect();
        wire::WatchPart {
            entries: entries.iter().map(wire::WireWatchEntry::from_entry).collect(),
            removed,
            position: wire::WatchPosition {
                seq: changes.last().map_or(pos.seq, |(seq, _)| *seq),
                copied: true,
                copy_after: None,
                copy_head: None,
            },
            complete: changes.len() < wire::WATCH_BATCH,
        }
    } else {
        // A first copy: the live entries in id order, then the changes from where the log
        // stood when the copy began (applying a change twice does no harm).
        let head = match pos.copy_head {
            Some(h) => h,
            None => app.store.watch_log_head().await?,
        };
        let entries = app.store.watch_entries(pos.copy_after.as_deref(), limit).await?;
        let full = entries.len() == wire::WATCH_BATCH;
        let position = if full {
            wire::WatchPosition {
                seq: 0,
                copied: false,
                copy_after: entries.last().map(|e| e.id.clone()),
                copy_head: Some(head),
            }
        } else {
            wire::WatchPosition { seq: head, copied: true, copy_after: None, copy_head: None }
        };
        wire::WatchPart {
            entries: entries.iter().map(wire::WireWatchEntry::from_entry).collect(),
            removed: Vec::new(),
            position,
            complete: false,
        }
    };
    let certificates = app.store.signing_keys().await?;
    let mut revocation_lists = Vec::new();
    for scope in
        [store::permit::RevocationScope::Certificates, store::permit::RevocationScope::Permits]
    {
        if let Some(l) = app.store.revocation_list(scope).await? {
            revocation_lists.push(wire::WireRevocationList::from_record(scope, &l));
        }
    }
    let batch = wire::CHANGES_BATCH as u32;
    let since = |after: i64| after.max(0).saturating_sub(store::sync::CHANGES_OVERLAP_MS);
    // Dismissals only once the node holds the whole watchlist, whose entries they name.
    let dismissals = if watch.position.copied {
        app.store.dismissals_since(since(down.dismissed_after), batch).await?
    } else {
        Vec::new()
    };
    let dismissed_as_of =
        dismissals.iter().map(|d| millis(d.decided_at)).fold(down.dismissed_after.max(0), i64::max);
    let permits = app.store.permits_changed(cp, since(down.permits_after), batch).await?;
    let cscas = app.store.cscas_since(since(down.cscas_after), batch).await?;
    let cscas_as_of =
        cscas.iter().map(|c| millis(c.added_at)).fold(down.cscas_after.max(0), i64::max);
    let crls = app.store.csca_crls_since(since(down.csca_crls_after), batch).await?;
    let thresholds = app.store.egate_thresholds(cp).await?;
    let csca_crls_as_of =
        crls.iter().map(|c| millis(c.added_at)).fold(down.csca_crls_after.max(0), i64::max);
    let permits_as_of = permits
        .iter()
        .map(|p| millis(p.revoked.as_ref().map_or(p.issued_at, |r| r.at.max(p.issued_at))))
        .fold(down.permits_after.max(0), i64::max);
    let contact = NodeContact {
        backlog: down.backlog.max(0),
        version: clip_version(&down.version),
        clock_offset_ms: offset,
    };
    app.store.node_contact(cp, &contact, now).await?;
    Ok(DownAnswer {
        protocol: wire::PROTOCOL,
        hq_time: wire::now_text(now),
        checkpoint: cp.to_string(),
        accounts: accounts.iter().map(wire::WireAccount::from_record).collect(),
        devices: devices.iter().map(wire::WireDevice::from_record).collect(),
        watch,
        certificates: certificates.iter().map(wire::WireCertificate::from_record).collect(),
        revocation_lists,
        dismissals: dismissals.iter().map(wire::WireDismissal::from_record).collect(),
        dismissed_as_of,
        permits: permits.iter().map(wire::WirePermit::from_record).collect(),
        permits_as_of,
        cscas: cscas.iter().map(wire::WireCsca::from_record).collect(),
        cscas_as_of,
        csca_crls: crls.iter().map(wire::WireCscaCrl::from_record).collect(),
        csca_crls_as_of,
        egate_thresholds: thresholds.as_ref().map(wire::WireThresholds::from_record),
    })
}

/// A traveller's crossings at every checkpoint, for a node's check: read as any history is,
/// and written to the audit trail under the node's name.
pub async fn history_for_node<S: Store>(
    app: &App<S>,
    node: &NodeRecord,
    ask: HistoryAsk,
    ip: Option<String>,
) -> Result<HistoryAnswer, SyncError> {
    let state = domain::Country::parse(&ask.issuing_state)?;
    let number = domain::DocumentNumber::parse(&ask.number)?;
    let limit = ask.limit.clamp(1, 20);
    let found = app.store.traveller_with_crossings(state, &number, limit).await?;
    let by = Acting { actor: format!("node:{}", node.checkpoint), ip };
    let subject = format!("traveller:{state}/{number}");
    app.audit(by.audit(AuditAction::HistoryRead, subject, json!({"found": found.is_some()})))
        .await?;
    Ok(HistoryAnswer {
        crossings: found
            .map(|(_, cs)| cs.iter().map(wire::WireHistoryCrossing::from_record).collect())
            .unwrap_or_default(),
    })
}

/// Every node with its last contact, for the network's page and `GET /api/v1/nodes`.
pub async fn nodes<S: Store>(
    app: &App<S>,
    _right: &NodesRight,
    by: &Acting,
) -> Result<(Vec<NodeRecord>, Vec<store::sync::ConflictRecord>), SyncError> {
    let nodes = app.store.nodes().await?;
    let conflicts = app.store.conflicts(50).await?;
    app.audit(by.audit(AuditAction::NodesRead, "nodes".into(), json!({"nodes": nodes.len()})))
        .await?;
    Ok((nodes, conflicts))
}

/// How a node stands, as its pages and `/healthz` say.
#[derive(Debug, Clone)]
pub struct NodeHealth {
    pub checkpoint: CheckpointCode,
    pub connected: bool,
    pub switched_off: bool,
    pub since: OffsetDateTime,
    pub backlog: i64,
    pub watchlist_as_of: Option<OffsetDateTime>,
    pub trust_as_of: Option<OffsetDateTime>,
    pub clock_offset_ms: Option<i64>,
    pub last_error: Option<String>,
}

impl NodeHealth {
    /// The node's clock is further from headquarters' than a minute.
    pub fn clock_off(&self) -> bool {
        self.clock_offset_ms.is_some_and(|o| o.abs() > CLOCK_TOLERANCE_MS)
    }
}

pub async fn health<S: Store>(app: &App<S>, link: &NodeLink) -> Result<NodeHealth, SyncError> {
    let me = app.store.node_self().await?;
    let backlog = app.store.backlog().await?;
    let st = link.status();
    Ok(NodeHealth {
        checkpoint: link.checkpoint.clone(),
        connected: st.connected,
        switched_off: link.switched_off(),
        since: st.since,
        backlog,
        watchlist_as_of: me.as_ref().and_then(|m| m.watch.as_of),
        trust_as_of: me.as_ref().and_then(|m| m.trust_as_of),
        clock_offset_ms: st.clock_offset_ms,
        last_error: st.last_error,
    })
}

/// An administrator (or the demo) cuts or restores the node's link by hand.
pub async fn switch_link<S: Store>(
    app: &App<S>,
    link: &NodeLink,
    up: bool,
    by: &Acting,
) -> Result<(), SyncError> {
    link.switch(up);
    app.audit(by.audit(
        AuditAction::NodeLink,
        format!("node:{}", link.checkpoint),
        json!({"up": up}),
    ))
    .await?;
    Ok(())
}

/// Why one round of the node's sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("headquarters sent {0}")]
    Invalid(InvalidValue),
}

/// Sends what waits, one batch at a time; a batch is forgotten here only once headquarters
/// has answered that it holds it. Returns how many records went up.
pub async fn push<S: Store>(app: &App<S>, link: &impl Transport) -> Result<usize, RoundError> {
    let mut sent = 0;
    loop {
        let Some(me) = app.store.node_self().await? else { return Ok(sent) };
        let items = app.store.outbox(me.up_acked, wire::UP_BATCH as u32).await?;
        let audit = app.store.audit_records(me.audit_acked, wire::UP_BATCH as u32).await?;
        if items.is_empty() && audit.is_empty() {
            return Ok(sent);
        }
        let backlog = app.store.backlog().await?;
        let up = Up {
            protocol: wire::PROTOCOL,
            version: VERSION.into(),
            sent_at: wire::now_text(app.now()),
            backlog,
            crossings: items
                .crossings
                .iter()
                .map(|i| wire::WireCrossing::from_record(&i.crossing, &i.document))
                .collect(),
            audit: audit.iter().map(wire::WireAudit::from_record).collect(),
            alerts: items.alerts.iter().map(wire::WireAlertUp::from_record).collect(),
            movements: items.movements.iter().map(wire::WireMovement::from_record).collect(),
        };
        let answer: UpAnswer = call(link, "up", &up, crate::sync::link::EXCHANGE_TIMEOUT).await?;
        if !answer.conflicts.is_empty() {
            tracing::warn!(conflicts = ?answer.conflicts, "headquarters holds these ids with another body");
        }
        let last = if items.is_empty() { me.up_acked } else { items.last };
        let last_audit = audit.last().map_or(me.audit_acked, |r| r.seq);
        app.store.ack_up(last, last_audit).await?;
        sent += up.crossings.len() + up.alerts.len() + up.movements.len() + audit.len();
    }
}

/// Brings down what changed at headquarters, until the watchlist is complete. Returns the
/// clock offset measured.
pub async fn pull<S: Store>(
    app: &App<S>,
    link: &impl Transport,
    post: &CheckpointCode,
) -> Result<i64, RoundError> {
    let mut offset = 0;
    loop {
        let Some(me) = app.store.node_self().await? else { return Ok(offset) };
        let backlog = app.store.backlog().await?;
        let asked_at = app.now();
        let down = Down {
            protocol: wire::PROTOCOL,
            version: VERSION.into(),
            sent_at: wire::now_text(asked_at),
            backlog,
            watch: wire::WatchPosition {
                seq: me.watch.seq,
                copied: me.watch.as_of.is_some(),
                copy_after: me.watch.copy_after.clone(),
                copy_head: me.watch.copy_head,
            },
            dismissed_after: me.dismissed_as_of,
            permits_after: me.permits_as_of,
            cscas_after: me.cscas_as_of,
            csca_crls_after: me.csca_crls_as_of,
        };
        let answer: DownAnswer =
            call(link, "down", &down, crate::sync::link::EXCHANGE_TIMEOUT).await?;
        let now = app.now();
        let hq =
            domain::bounds::parse_time("hq_time", &answer.hq_time).map_err(RoundError::Invalid)?;
        let midpoint: OffsetDateTime = asked_at + (now - asked_at) / 2;
        let off: time::Duration = midpoint - hq;
        offset = off.whole_milliseconds().clamp(-(1 << 52), 1 << 52) as i64;
        apply_down(app, post, &answer, now).await?;
        // More to bring: the watchlist's next part, or a full batch of changes that moved the
        // node's position (a full batch that did not would be asked for again, and again).
        let more = |n: usize, after: i64, as_of: i64| n >= wire::CHANGES_BATCH && as_of > after;
        if answer.watch.complete
            && !more(answer.dismissals.len(), me.dismissed_as_of, answer.dismissed_as_of)
            && !more(answer.permits.len(), me.permits_as_of, answer.permits_as_of)
            && !more(answer.cscas.len(), me.cscas_as_of, answer.cscas_as_of)
            && !more(answer.csca_crls.len(), me.csca_crls_as_of, answer.csca_crls_as_of)
        {
            return Ok(offset);
        }
    }
}

async fn apply_down<S: Store>(
    app: &App<S>,
    post: &CheckpointCode,
    answer: &DownAnswer,
    now: OffsetDateTime,
) -> Result<(), RoundError> {
    let accounts = answer
        .accounts
        .iter()
        .map(|a| a.read(post))
        .collect::<Result<Vec<_>, _>>()
        .map_err(RoundError::Invalid)?;
    let devices = answer
        .devices
        .iter()
        .map(|d| d.read(post))
        .collect::<Result<Vec<_>, _>>()
        .map_err(RoundError::Invalid)?;
    app.store.apply_accounts(&accounts, &devices, now).await?;
    let certificates = answer
        .certificates
        .iter()
        .map(wire::WireCertificate::read)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RoundError::Invalid)?;
    let lists = answer
        .revocation_lists
        .iter()
        .map(wire::WireRevocationList::read)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RoundError::Invalid)?;
    app.store.put_trust(&certificates, &lists, now).await?;
    let entries = answer
        .watch
        .entries
        .iter()
        .map(wire::WireWatchEntry::read)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RoundError::Invalid)?;
    if !entries.is_empty() {
        app.store.put_watch_entries(&entries, "headquarters", now).await?;
    }
    for id in &answer.watch.removed {
        app.store.remove_watch_entry(id, now).await?;
    }
    let dismissals = answer
        .dismissals
        .iter()
        .map(|d| d.read(|doc| crate::control::service::name_key(&doc.surname, &doc.given_names)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(RoundError::Invalid)?;
    app.store.apply_dismissals(&dismissals, answer.dismissed_as_of, now).await?;
    let permits = answer
        .permits
        .iter()
        .map(|p| p.read(post))
        .collect::<Result<Vec<_>, _>>()
        .map_err(RoundError::Invalid)?;
    app.store.put_permits(&permits, answer.permits_as_of).await?;
    let cscas = answer
        .cscas
        .iter()
        .map(wire::WireCsca::read)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RoundError::Invalid)?;
    app.store.hold_cscas(&cscas, answer.cscas_as_of).await?;
    let crls = answer
        .csca_crls
        .iter()
        .map(wire::WireCscaCrl::read)
        .collect::<Result<Vec<_>, _>>()
        .map_err(RoundError::Invalid)?;
    app.store.hold_csca_crls(&crls, answer.csca_crls_as_of).await?;
    if let Some(t) = &answer.egate_thresholds {
        let t = t.read().map_err(RoundError::Invalid)?;
        app.store.set_egate_thresholds(post, &t.thresholds, &t.updated_by, t.updated_at).await?;
    }
    let p = &answer.watch.position;
    app.store
        .set_watch_cursor(&WatchCursor {
            seq: p.seq,
            copy_after: p.copy_after.clone(),
            copy_head: p.copy_head,
            // The node holds a whole copy as of headquarters' answer from here on.
            as_of: p.copied.then_some(now),
        })
        .await?;
    Ok(())
}

/// How often a node sends what waits, and how often it asks what changed.
const PUSH_EVERY: Duration = Duration::from_millis(500);
const PULL_EVERY: Duration = Duration::from_secs(3);
const RETRY_MAX: Duration = Duration::from_secs(5);

/// A node's sync, for as long as the process runs: up whenever something waits (and at least
/// every half second), down every few seconds; after a failure it retries sooner than a
/// minute, doubling from half a second, so a restored link drains within seconds.
pub fn follow_link<S: Store>(app: App<S>) -> Option<tokio::task::JoinHandle<()>> {
    app.node.as_ref()?;
    Some(tokio::spawn(async move {
        let Some(link) = app.node.clone() else { return };
        let mut retry = PUSH_EVERY;
        let mut last_pull: Option<tokio::time::Instant> = None;
        loop {
            let due_pull = last_pull.is_none_or(|t| t.elapsed() >= PULL_EVERY);
            let result = async {
                push(&app, &*link).await?;
                let offset =
                    if due_pull { Some(pull(&app, &*link, &link.checkpoint).await?) } else { None };
                Ok::<_, RoundError>(offset)
            }
            .await;
            let now = app.now();
            match result {
                Ok(offset) => {
                    if offset.is_some() {
                        last_pull = Some(tokio::time::Instant::now());
                    }
                    link.mark(Ok(offset), now);
                    retry = PUSH_EVERY;
                    let _ = tokio::time::timeout(PUSH_EVERY, link.wake.notified()).await;
                }
                Err(e) => {
                    if !matches!(e, RoundError::Link(LinkError::SwitchedOff)) {
                        tracing::warn!(error = %e, "sync with headquarters");
                    }
                    link.mark(Err(e.to_string()), now);
                    let _ = tokio::time::timeout(retry, link.wake.notified()).await;
                    retry = (retry * 2).min(RETRY_MAX);
                }
            }
        }
    }))
}
