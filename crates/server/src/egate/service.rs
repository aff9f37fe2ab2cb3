//! A gate's transaction: the document read as at the desk, the chip authenticated, the scores
//! held to the checkpoint's thresholds, the decision kept (with the crossing when the gate
//! opens); the transactions listed, each gate's figures, the referrals taken over.

use std::time::Instant;

use domain::egate::{
    ChipAccess, FaceScores, FingerScore, GateDecision, GateFacts, GateName, Thresholds,
    decide_gate, needs_chip,
};
use domain::{
    Actor, Channel, CrossingOutcome, Decision, Direction, DocumentType, GateRight, GateScope,
    GateSettingsRight, Reason, RecordRight, Verdict,
};
use serde_json::json;
use store::egate::{
    EgateDocument, EgateFilter, EgateOutcome, EgateRecord, GateSummary, KeptReason,
};
use store::{AuditAction, CrossingAlert, NewCrossing, RecordedBy, Store, StoreError};
use time::OffsetDateTime;

use crate::app::{Acting, App, AuditFailed};
use crate::control::service::{ControlError, Reading, check, name_key, read_mrz};

/// How long a referral waits at the desk for an officer to take it over: the traveller is
/// standing in the officers' lane by then, or has gone.
pub const REFERRAL_WAIT: time::Duration = time::Duration::minutes(60);
/// A gate with no transaction for this long, after some in the board's window, has gone quiet.
pub const QUIET_AFTER: time::Duration = time::Duration::minutes(10);
/// The board's window.
pub const BOARD_WINDOW: time::Duration = time::Duration::hours(24);
/// A chip under a CSCA not held asks the store again, at most this often.
const CSCA_RECHECK: std::time::Duration = std::time::Duration::from_millis(200);
/// The most bytes of one chip file the platform reads (a DG2 with a few portraits is some
/// tens of kilobytes).
pub const CHIP_FILE_MAX: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum EgateError {
    #[error(transparent)]
    Forbidden(#[from] domain::Forbidden),
    #[error("transaction {0} was sent before with another body")]
    IdConflict(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Invalid(#[from] domain::InvalidValue),
    /// Ours: the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] AuditFailed),
    /// Ours: a rule of the check failed in a way that is not the traveller's.
    #[error("{0}")]
    Failed(String),
}

/// The document as the gate read it.
#[derive(Debug, Clone)]
pub enum GateDocument {
    /// A passport's or ID card's machine-readable zone.
    Mrz(String),
    /// A border pass's barcode: its seal's text, as the scanner reads it.
    Barcode(String),
}

/// The chip's files the gate read: each its bytes, tag included.
#[derive(Debug, Clone, Default)]
pub struct ChipFiles {
    pub com: Option<Vec<u8>>,
    pub sod: Option<Vec<u8>>,
    /// Data groups by number, 1 to 16.
    pub groups: Vec<(u8, Vec<u8>)>,
}

/// A transaction as the gate sent it, its values read.
#[derive(Debug, Clone)]
pub struct TransactionAsked {
    pub id: uuid::Uuid,
    pub gate: GateName,
    pub direction: Direction,
    pub document: GateDocument,
    pub chip: Option<ChipFiles>,
    pub chip_access: Option<ChipAccess>,
    pub face: Option<FaceScores>,
    pub fingerprints: Vec<FingerScore>,
    /// The gate's steps and their milliseconds.
    pub timings: Vec<(String, u32)>,
    /// A digest of the body, to tell a retry from another transaction under the same id.
    pub body_hash: String,
}

/// What the gate is answered: the transaction as kept, and whether it was kept now.
#[derive(Debug)]
pub struct Answered {
    pub record: EgateRecord,
    pub created: bool,
}

/// The sentence for each of passive authentication's reasons, in English and Vietnamese.
fn chip_reason(code: &'static str) -> Reason {
    let (en, vi) = match code {
        "sod_unreadable" => (
            "the chip's security object (EF.SOD) cannot be read",
            "Không đọc được đối tượng bảo mật của chip (EF.SOD)",
        ),
        "unsupported_algorithm" => (
            "the chip is signed with an algorithm the platform does not verify",
            "Chip được ký bằng thuật toán hệ thống chưa kiểm tra được",
        ),
        "dg_missing" => {
            ("the chip's DG1 (the MRZ) was not read", "Chưa đọc được DG1 (MRZ) của chip")
        }
        "dg_unlisted" => (
            "a data group read from the chip is not listed in its security object",
            "Có nhóm dữ liệu trên chip không có trong đối tượng bảo mật",
        ),
        "dg_hash_mismatch" => (
            "a data group on the chip does not match its signed hash: the chip was altered",
            "Nhóm dữ liệu trên chip không khớp mã băm đã ký: chip đã bị sửa",
        ),
        "dg1_unreadable" => ("the chip's DG1 cannot be read", "Không đọc được DG1 của chip"),
        "mrz_mismatch" => (
            "the MRZ on the chip differs from the MRZ printed on the page",
            "MRZ trong chip khác MRZ in trên trang giấy tờ",
        ),
        "dsc_missing" => (
            "the chip carries no Document Signer certificate",
            "Chip không mang chứng thư người ký giấy tờ",
        ),
        "bad_signature" => (
            "the chip's security object is not validly signed",
            "Chữ ký trên đối tượng bảo mật của chip không hợp lệ",
        ),
        "csca_unknown" => (
            "the issuing state's CSCA is not in the trust store",
            "Chứng thư CSCA của nước cấp chưa có trong kho tin cậy",
        ),
        "dsc_untrusted" => (
            "the Document Signer certificate is not signed by the issuing state's CSCA",
            "Chứng thư người ký không do CSCA của nước cấp ký",
        ),
        "dsc_expired" => (
            "the Document Signer certificate was not valid",
            "Chứng thư người ký không còn hiệu lực",
        ),
        "dsc_revoked" => {
            ("the Document Signer certificate is revoked", "Chứng thư người ký đã bị thu hồi")
        }
        "dsc_unreadable" => {
            ("the Document Signer certificate cannot be read", "Không đọc được chứng thư người ký")
        }
        _ => ("the chip failed passive authentication", "Chip không qua xác thực thụ động"),
    };
    Reason::new(code, en, vi)
}

fn unreadable(detail: &str) -> Reason {
    Reason::new(
        "document_unreadable",
        format!("the document could not be read: {detail}"),
        "Không đọc được giấy tờ",
    )
}

/// The printed MRZ as the chip's DG1 holds it: its lines run together.
fn mrz_run_together(text: &str) -> String {
    text.split_whitespace().collect::<String>().to_ascii_uppercase()
}

/// The scores this checkpoint's gates must reach.
pub async fn thresholds<S: Store>(
    app: &App<S>,
    checkpoint: &domain::CheckpointCode,
) -> Result<Thresholds, EgateError> {
    Ok(app.store.egate_thresholds(checkpoint).await?.map(|t| t.thresholds).unwrap_or_default())
}

/// Decides and keeps one transaction. A retry of the same id and body is answered what was
/// kept; a chip that fails, a document that cannot be read or a score under its threshold is
/// a referral with its reasons, never an error.
pub async fn transact<S: Store>(
    app: &App<S>,
    right: &GateRight,
    actor: &Actor,
    by: &Acting,
    asked: TransactionAsked,
    started: Instant,
) -> Result<Answered, EgateError> {
    let id = asked.id.hyphenated().to_string();
    if let Some(kept) = app.store.egate(&id).await? {
        return if kept.body_hash == asked.body_hash && &kept.checkpoint == right.checkpoint() {
            Ok(Answered { record: kept, created: false })
        } else {
            Err(EgateError::IdConflict(id))
        };
    }
    let now = app.now();
    let record_right: RecordRight = actor.act_at(right.checkpoint())?;
    let (reading, document_text) = match &asked.document {
        GateDocument::Mrz(text) => match read_mrz(text, app.today()) {
            Ok(r) => (Ok(r), text.clone()),
            Err(ControlError::Unreadable(why)) => (Err(unreadable(&why)), text.clone()),
            Err(e) => return Err(EgateError::Failed(e.to_string())),
        },
        GateDocument::Barcode(text) => {
            let bytes = crate::permits::service::code_bytes(text).unwrap_or_default();
            // Without the permits' trust (keys not opened) no pass can be verified: the
            // traveller goes to an officer, and the cause to the log.
            let read = crate::permits::service::border_pass_at_desk(app, &bytes)
                .await
                .inspect_err(|e| tracing::error!(error = %e, "reading a border pass at a gate"));
            let reading = match read.ok().flatten() {
                Some((input, problems)) => match input.validate() {
                    Ok(document) => Ok(Reading { document, problems }),
                    Err(e) => Err(unreadable(&e.to_string())),
                },
                None => Err(unreadable("the barcode is no genuine border pass")),
            };
            (reading, text.clone())
        }
    };
    let thresholds = thresholds(app, right.checkpoint()).await?;
    let (verdict, hits, doc_type) = match &reading {
        Ok(r) => {
            let outcome =
                check(app, &record_right, asked.direction, r).await.map_err(|e| match e {
                    ControlError::Store(e) => EgateError::Store(e),
                    other => EgateError::Failed(other.to_string()),
                })?;
            let hits = outcome.watchlist_hits.clone();
            (outcome.verdict, hits, r.document.doc_type)
        }
        Err(reason) => (
            Verdict { decision: Decision::Refer, reasons: vec![reason.clone()] },
            Vec::new(),
            DocumentType::Passport,
        ),
    };
    // The chip is authenticated whenever it was read, and judged only where the document
    // carries one.
    let chip_problems: Vec<Reason> = match (&asked.chip, asked.chip_access) {
        (Some(files), access) if access != Some(ChipAccess::Failed) && needs_chip(doc_type) => {
            let trust = app.passport_trust.current(&app.store).await?;
            let groups: Vec<(u8, &[u8])> =
                files.groups.iter().map(|(n, b)| (*n, b.as_slice())).collect();
            let chip = emrtd::pa::Chip { sod: files.sod.as_deref().unwrap_or(&[]), groups };
            let printed = match &asked.document {
                GateDocument::Mrz(text) => Some(mrz_run_together(text)),
                GateDocument::Barcode(_) => None,
            };
            let at = now.unix_timestamp();
            let mut verdict =
                emrtd::pa::passive_authentication(&chip, printed.as_deref(), &trust, at);
            if verdict.reasons.contains(&"csca_unknown")
                && app.passport_trust.refresh_unless_fresh(&app.store, CSCA_RECHECK).await?
            {
                let trust = app.passport_trust.current(&app.store).await?;
                verdict = emrtd::pa::passive_authentication(&chip, printed.as_deref(), &trust, at);
            }
            verdict.reasons.into_iter().map(chip_reason).collect()
        }
        _ => Vec::new(),
    };
    let gate = decide_gate(&GateFacts {
        verdict: &verdict,
        doc_type,
        chip_access: asked.chip_access,
        chip_read: asked.chip.is_some(),
        chip_problems: &chip_problems,
        face: asked.face,
        fingerprints: &asked.fingerprints,
        thresholds: &thresholds,
    });
    let crossing = match (&reading, gate.decision) {
        (Ok(r), GateDecision::Open) => Some(NewCrossing {
            id: id.clone(),
            name_key: name_key(&r.document.surname, &r.document.given_names),
            document: r.document.clone(),
            checkpoint: right.checkpoint().clone(),
            direction: asked.direction,
            channel: Channel::Egate,
            at: now,
            decision: Decision::Clear,
            client_decision: None,
            outcome: CrossingOutcome::Crossed,
            stamped: false,
            actor: actor.label(),
            body_hash: asked.body_hash.clone(),
            alerts: hits
                .iter()
                .filter(|h| !h.dismissed)
                .map(|h| CrossingAlert { entry_id: h.entry_id.clone(), score: f64::from(h.score) })
                .collect(),
            screened: true,
        }),
        _ => None,
    };
    let gate_ms = gate_ms(&asked.timings);
    let record = EgateRecord {
        id: id.clone(),
        checkpoint: right.checkpoint().clone(),
        gate: asked.gate,
        direction: asked.direction,
        at: now,
        decision: gate.decision,
        reasons: gate.reasons.iter().map(KeptReason::from).collect(),
        document: reading.as_ref().ok().map(|r| EgateDocument {
            doc_type: r.document.doc_type,
            issuing_state: r.document.issuing_state,
            number: r.document.number.clone(),
            holder: format!("{} {}", r.document.surname, r.document.given_names).trim().to_string(),
            birth_date: r.document.birth_date,
        }),
        document_text: Some(document_text),
        chip_access: asked.chip_access,
        chip: gate.chip,
        face: asked.face.map(|f| (f.score.get(), f.liveness.get())),
        fingerprints: asked.fingerprints.iter().map(|f| (f.finger, f.score.get())).collect(),
        timings: asked.timings,
        gate_ms,
        platform_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        crossing_id: None,
        actor: actor.label(),
        body_hash: asked.body_hash,
        taken_by: None,
        taken_at: None,
    };
    let recorded_by = RecordedBy { actor: by.actor.clone(), ip: by.ip.clone() };
    let outcome = app.store.record_egate(&record, crossing.as_ref(), &recorded_by, now).await?;
    if crossing.is_some()
        && let Some(link) = &app.node
    {
        link.wake.notify_one();
    }
    match outcome {
        EgateOutcome::Created(kept) => Ok(Answered { record: *kept, created: true }),
        EgateOutcome::Existing(kept) => Ok(Answered { record: *kept, created: false }),
        EgateOutcome::Conflict => Err(EgateError::IdConflict(id)),
    }
}

/// The traveller's time at the gate: its `total` when it sends one, else its steps summed.
fn gate_ms(timings: &[(String, u32)]) -> Option<i64> {
    if timings.is_empty() {
        return None;
    }
    match timings.iter().find(|(k, _)| k == "total") {
        Some((_, t)) => Some(i64::from(*t)),
        None => Some(timings.iter().map(|(_, t)| i64::from(*t)).sum()),
    }
}

/// Transactions for the commander or an analyst, newest first; the look is audited.
pub async fn list<S: Store>(
    app: &App<S>,
    scope: &GateScope,
    by: &Acting,
    mut filter: EgateFilter,
    offset: u64,
    limit: u32,
) -> Result<(Vec<EgateRecord>, u64), EgateError> {
    match scope {
        GateScope::All => {}
        GateScope::Checkpoint(cp) => match &filter.checkpoint {
            Some(asked) if asked != cp => {
                return Err(domain::Forbidden(format!(
                    "you see the gates of your own checkpoint only, not of {asked}"
                ))
                .into());
            }
            _ => filter.checkpoint = Some(cp.clone()),
        },
    }
    let (list, total) = app.store.egates(&filter, offset, limit).await?;
    let subject = format!("egates:{}", filter.checkpoint.as_ref().map_or("all", |c| c.as_str()));
    let detail = json!({
        "gate": filter.gate.as_ref().map(GateName::as_str),
        "found": list.len(),
        "offset": offset,
    });
    app.audit(by.audit(AuditAction::EgateRead, subject, detail)).await?;
    Ok((list, total))
}

/// A gate's line on the board.
#[derive(Debug, Clone)]
pub struct GateLine {
    pub summary: GateSummary,
    /// Seconds a traveller, from the gate's own timings.
    pub mean_seconds: Option<f64>,
    /// The platform's mean milliseconds a transaction.
    pub mean_platform_ms: f64,
    pub quiet: bool,
}

/// Each gate's figures over the last [`BOARD_WINDOW`], the quiet ones marked.
pub async fn board<S: Store>(app: &App<S>, scope: &GateScope) -> Result<Vec<GateLine>, EgateError> {
    let now = app.now();
    let checkpoint = match scope {
        GateScope::All => None,
        GateScope::Checkpoint(cp) => Some(cp),
    };
    let summaries = app.store.gate_summaries(checkpoint, now - BOARD_WINDOW).await?;
    Ok(summaries
        .into_iter()
        .map(|s| {
            let n = s.opened + s.referred;
            GateLine {
                mean_seconds: (s.gate_ms_count > 0)
                    .then(|| s.gate_ms_sum as f64 / s.gate_ms_count as f64 / 1000.0),
                mean_platform_ms: if n > 0 { s.platform_ms_sum as f64 / n as f64 } else { 0.0 },
                quiet: now - s.last_at > QUIET_AFTER,
                summary: s,
            }
        })
        .collect())
}

/// The referrals waiting at a checkpoint's desk, newest first. Reading them reads who was
/// referred: audited when there are any.
pub async fn waiting<S: Store>(
    app: &App<S>,
    right: &RecordRight,
    by: &Acting,
) -> Result<Vec<EgateRecord>, EgateError> {
    let since = app.now() - REFERRAL_WAIT;
    let list = app.store.egate_referrals(right.checkpoint(), since, 20).await?;
    if !list.is_empty() {
        let ids: Vec<&str> = list.iter().map(|r| r.id.as_str()).collect();
        app.audit(by.audit(
            AuditAction::EgateRead,
            format!("referrals:{}", right.checkpoint()),
            json!({ "ids": ids }),
        ))
        .await?;
    }
    Ok(list)
}

/// An officer takes a referral over: it leaves the desk's list, and the officer has what the
/// gate read.
pub async fn take<S: Store>(
    app: &App<S>,
    right: &RecordRight,
    by: &Acting,
    id: &str,
) -> Result<EgateRecord, EgateError> {
    let taken = app.store.take_referral(id, right.checkpoint(), &by.actor, app.now()).await?;
    let record = app
        .store
        .egate(id)
        .await?
        .filter(|r| &r.checkpoint == right.checkpoint() && r.decision == GateDecision::Refer)
        .ok_or_else(|| EgateError::NotFound(format!("referral {}", domain::bounds::clip(id))))?;
    if !taken && record.taken_by.as_deref() != Some(by.actor.as_str()) {
        return Err(EgateError::NotFound(format!("referral {} waiting", domain::bounds::clip(id))));
    }
    if taken {
        let subject = match &record.document {
            Some(d) => format!("traveller:{}/{}", d.issuing_state, d.number),
            None => format!("egate:{id}"),
        };
        app.audit(by.audit(AuditAction::EgateTake, subject, json!({ "id": id }))).await?;
    }
    Ok(record)
}

/// The commander sets the scores the checkpoint's gates must reach.
pub async fn set_thresholds<S: Store>(
    app: &App<S>,
    right: &GateSettingsRight,
    by: &Acting,
    t: &Thresholds,
) -> Result<(), EgateError> {
    app.store.set_egate_thresholds(right.checkpoint(), t, &by.actor, app.now()).await?;
    let detail = json!({
        "face": t.face.get(), "liveness": t.liveness.get(), "fingerprint": t.fingerprint.get()
    });
    app.audit(by.audit(
        AuditAction::EgateSettings,
        format!("checkpoint:{}", right.checkpoint()),
        detail,
    ))
    .await?;
    Ok(())
}

/// When the transaction was decided, for the wire.
pub fn wire_time(t: OffsetDateTime) -> String {
    domain::bounds::rfc3339(t)
}
