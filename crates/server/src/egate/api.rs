//! The e-gates' API: a gate's transaction, the transactions and the board for commanders and
//! analysts, the checkpoint's thresholds.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use base64::Engine;
use domain::egate::{
    ChipAccess, FaceScores, FingerScore, GateDecision, GateName, Score, Thresholds,
};
use domain::{CheckpointCode, Direction, GateScope, bounds};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::Store;
use store::egate::{EgateFilter, EgateRecord};
use utoipa::{IntoParams, ToSchema};

use crate::app::App;
use crate::egate::service::{
    self, CHIP_FILE_MAX, ChipFiles, EgateError, GateDocument, TransactionAsked,
};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Authed;
use crate::http::json_body;

impl From<EgateError> for ApiError {
    fn from(e: EgateError) -> Self {
        match e {
            EgateError::Forbidden(f) => f.into(),
            EgateError::IdConflict(_) => {
                ApiError::new(StatusCode::CONFLICT, "id_conflict", e.to_string())
            }
            EgateError::NotFound(_) => ApiError::not_found(e.to_string()),
            EgateError::Invalid(v) => v.into(),
            EgateError::Store(s) => s.into(),
            EgateError::Audit(a) => a.into(),
            EgateError::Failed(_) => ApiError::internal(&e),
        }
    }
}

/// One transaction as a gate sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionRequest {
    /// Made by the gate, so that a retry is answered what the first was.
    #[schema(format = "uuid")]
    id: String,
    /// The gate's name at its checkpoint: 1 to 32 letters, digits, `-`, `_`, `.`.
    #[schema(value_type = domain::egate::GateName)]
    gate: String,
    #[schema(value_type = domain::Direction)]
    direction: String,
    document: GateDocumentRequest,
    /// The chip's files as read, each base64 (tag included); null when the chip was not read.
    chip: Option<ChipRequest>,
    /// How the gate opened the chip: `pace`, `bac`, or `failed`.
    #[schema(value_type = Option<String>, example = "pace")]
    chip_access: Option<String>,
    /// The live face against the chip's portrait, and the liveness check, each 0 to 1.
    face: Option<FaceRequest>,
    /// Each finger matched (1 to 10) and its score, 0 to 1.
    fingerprints: Option<Vec<FingerRequest>>,
    /// The gate's steps and their milliseconds (`document`, `chip`, `face`, … or `total`): at
    /// most 32 steps, each named by 1 to 32 lower-case letters, digits or `_`, 0 to 600,000.
    #[schema(value_type = Option<BTreeMap<String, u32>>)]
    timings_ms: Option<BTreeMap<String, u64>>,
}

/// The document as read: a passport's or ID card's MRZ, or a border pass's barcode.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GateDocumentRequest {
    /// The machine-readable zone, its lines separated by line breaks.
    mrz: Option<String>,
    /// A border pass's barcode, its seal's text as the scanner reads it.
    barcode: Option<String>,
}

/// The chip's files, each base64 of the file's bytes, its tag included.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Read by name in `chip_files`.
pub struct ChipRequest {
    com: Option<String>,
    sod: Option<String>,
    dg1: Option<String>,
    dg2: Option<String>,
    dg3: Option<String>,
    dg4: Option<String>,
    dg5: Option<String>,
    dg6: Option<String>,
    dg7: Option<String>,
    dg8: Option<String>,
    dg9: Option<String>,
    dg10: Option<String>,
    dg11: Option<String>,
    dg12: Option<String>,
    dg13: Option<String>,
    dg14: Option<String>,
    dg15: Option<String>,
    dg16: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaceRequest {
    score: f64,
    liveness: f64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FingerRequest {
    finger: i64,
    score: f64,
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::bad_request(code, message)
}

fn decode(field: &str, text: &str) -> Result<Vec<u8>, ApiError> {
    // Four base64 characters make three bytes: a longer text cannot fit.
    if text.len() > CHIP_FILE_MAX / 3 * 4 + 4 {
        return Err(bad(
            "invalid_chip",
            format!("chip.{field}: at most {} KiB a file", CHIP_FILE_MAX / 1024),
        ));
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let bytes = engine
        .decode(text.trim())
        .map_err(|e| bad("invalid_chip", format!("chip.{field} is not base64: {e}")))?;
    if bytes.is_empty() {
        return Err(bad("invalid_chip", format!("chip.{field} is empty")));
    }
    Ok(bytes)
}

fn chip_files(c: &ChipRequest) -> Result<ChipFiles, ApiError> {
    let groups = [
        &c.dg1, &c.dg2, &c.dg3, &c.dg4, &c.dg5, &c.dg6, &c.dg7, &c.dg8, &c.dg9, &c.dg10, &c.dg11,
        &c.dg12, &c.dg13, &c.dg14, &c.dg15, &c.dg16,
    ];
    let mut files = ChipFiles {
        com: c.com.as_deref().map(|t| decode("com", t)).transpose()?,
        sod: c.sod.as_deref().map(|t| decode("sod", t)).transpose()?,
        groups: Vec::new(),
    };
    for (i, g) in groups.into_iter().enumerate() {
        if let Some(text) = g {
            let n = u8::try_from(i + 1).unwrap_or(u8::MAX);
            files.groups.push((n, decode(&format!("dg{n}"), text)?));
        }
    }
    Ok(files)
}

/// The request read into its values, in the order a gate's programmer would fix them.
fn read_request(raw: &[u8]) -> Result<TransactionAsked, ApiError> {
    let req: TransactionRequest = json_body(raw)?;
    let id = uuid::Uuid::parse_str(&req.id)
        .map_err(|_| bad("invalid_id", format!("{:?} is not a UUID", bounds::clip(&req.id))))?;
    let gate = GateName::parse(&req.gate)?;
    let direction = Direction::parse(&req.direction)?;
    let document = match (req.document.mrz, req.document.barcode) {
        (Some(m), None) => {
            GateDocument::Mrz(bounds::clean_text("document.mrz", &m, 200).map_err(ApiError::from)?)
        }
        (None, Some(b)) => GateDocument::Barcode(
            bounds::clean_text("document.barcode", &b, 2_000).map_err(ApiError::from)?,
        ),
        _ => return Err(bad("invalid_document", "send the document's mrz or its barcode")),
    };
    let chip = req.chip.as_ref().map(chip_files).transpose()?;
    let chip_access = req.chip_access.as_deref().map(ChipAccess::parse).transpose()?;
    let face = req
        .face
        .map(|f| {
            Ok::<_, ApiError>(FaceScores {
                score: Score::parse("face.score", f.score)?,
                liveness: Score::parse("face.liveness", f.liveness)?,
            })
        })
        .transpose()?;
    let fingers = req.fingerprints.unwrap_or_default();
    if fingers.len() > 10 {
        return Err(bad("invalid_fingerprints", "at most ten fingers"));
    }
    let mut fingerprints = Vec::with_capacity(fingers.len());
    for f in fingers {
        let f = FingerScore::parse(f.finger, f.score)?;
        if fingerprints.iter().any(|g: &FingerScore| g.finger == f.finger) {
            return Err(bad("invalid_fingerprints", format!("finger {} twice", f.finger)));
        }
        fingerprints.push(f);
    }
    let steps = req.timings_ms.unwrap_or_default();
    if steps.len() > 32 {
        return Err(bad("invalid_timings", "at most 32 steps in timings_ms"));
    }
    let mut timings = Vec::with_capacity(steps.len());
    for (step, ms) in steps {
        let named = (1..=32).contains(&step.len())
            && step.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !named {
            return Err(bad(
                "invalid_timings",
                format!(
                    "{:?}: a step is named by 1 to 32 lower-case letters, digits or '_'",
                    bounds::clip(&step)
                ),
            ));
        }
        let ms = u32::try_from(ms).ok().filter(|m| *m <= 600_000).ok_or_else(|| {
            bad("invalid_timings", format!("timings_ms.{step}: 0 to 600000 milliseconds"))
        })?;
        timings.push((step, ms));
    }
    Ok(TransactionAsked {
        id,
        gate,
        direction,
        document,
        chip,
        chip_access,
        face,
        fingerprints,
        timings,
        body_hash: hex::encode(Sha256::digest(raw)),
    })
}

/// A reason: its stable code and its sentence.
#[derive(Debug, Serialize, ToSchema)]
pub struct GateReason {
    pub code: String,
    pub message: String,
}

/// The platform's answer to a gate.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionAnswer {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(value_type = domain::CheckpointCode)]
    pub checkpoint: String,
    pub gate: String,
    #[schema(value_type = domain::Direction)]
    pub direction: String,
    /// `open`: let the traveller through; `refer`: send them to an officer's lane.
    #[schema(example = "open")]
    pub decision: String,
    /// Every reason the gate did not open, empty when it opened.
    pub reasons: Vec<GateReason>,
    /// `verified`, `failed`, `unread` or `not_required` (a border pass).
    pub chip: String,
    /// The crossing recorded when the gate opened.
    pub crossing_id: Option<String>,
    #[schema(value_type = domain::schema::Instant)]
    pub decided_at: String,
    /// The platform's milliseconds to decide.
    pub platform_ms: i64,
}

impl From<&EgateRecord> for TransactionAnswer {
    fn from(r: &EgateRecord) -> Self {
        TransactionAnswer {
            id: r.id.clone(),
            checkpoint: r.checkpoint.to_string(),
            gate: r.gate.to_string(),
            direction: r.direction.to_string(),
            decision: r.decision.to_string(),
            reasons: r
                .reasons
                .iter()
                .map(|k| GateReason { code: k.code.clone(), message: k.message.clone() })
                .collect(),
            chip: r.chip.to_string(),
            crossing_id: r.crossing_id.clone(),
            decided_at: service::wire_time(r.at),
            platform_ms: r.platform_ms,
        }
    }
}

/// Decides a gate's transaction: `open` only when the desk's rules clear the traveller, the
/// chip (where there is one) passes passive authentication with its DG1 equal to the printed
/// MRZ, and every score reaches the checkpoint's threshold; else `refer`, with every reason.
/// The same id and body again is answered the same.
#[utoipa::path(post, path = "/egate/transactions", tag = "egate",
    request_body = TransactionRequest,
    responses((status = 200, body = TransactionAnswer)))]
pub async fn transact<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Json<TransactionAnswer>> {
    let started = Instant::now();
    let right = who.actor.run_gate()?;
    let asked = read_request(&body)?;
    let answered =
        service::transact(&app, &right, &who.actor, &who.acting(), asked, started).await?;
    Ok(Json(TransactionAnswer::from(&answered.record)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransactionsQuery {
    /// Another checkpoint's (analysts); a commander sees their own.
    #[param(value_type = Option<domain::CheckpointCode>)]
    checkpoint: Option<String>,
    #[param(value_type = Option<domain::egate::GateName>)]
    gate: Option<String>,
    /// `open` or `refer`.
    decision: Option<String>,
    /// From this time (RFC 3339), included.
    #[param(value_type = Option<domain::schema::Instant>)]
    from: Option<String>,
    /// To this time, excluded.
    #[param(value_type = Option<domain::schema::Instant>)]
    to: Option<String>,
    /// 1 to 500 (100).
    limit: Option<u32>,
    /// 0 to 10,000.
    offset: Option<u32>,
}

/// A transaction as the commander sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionView {
    #[serde(flatten)]
    pub answer: TransactionAnswer,
    pub document: Option<GateDocumentView>,
    pub chip_access: Option<String>,
    pub face: Option<GateFaceView>,
    pub fingerprints: Vec<GateFingerView>,
    pub timings_ms: BTreeMap<String, u32>,
    /// The traveller's milliseconds at the gate.
    pub gate_ms: Option<i64>,
    /// The officer who took the referral over, and when.
    pub taken_by: Option<String>,
    #[schema(value_type = Option<domain::schema::Instant>)]
    pub taken_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GateDocumentView {
    #[serde(rename = "type")]
    #[schema(value_type = domain::DocumentType)]
    pub doc_type: String,
    #[schema(value_type = domain::Country)]
    pub issuing_state: String,
    pub number: String,
    pub holder: String,
    #[schema(value_type = Option<domain::schema::Day>)]
    pub birth_date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GateFaceView {
    pub score: f64,
    pub liveness: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GateFingerView {
    pub finger: u8,
    pub score: f64,
}

impl From<&EgateRecord> for TransactionView {
    fn from(r: &EgateRecord) -> Self {
        TransactionView {
            answer: TransactionAnswer::from(r),
            document: r.document.as_ref().map(|d| GateDocumentView {
                doc_type: d.doc_type.to_string(),
                issuing_state: d.issuing_state.to_string(),
                number: d.number.to_string(),
                holder: d.holder.clone(),
                birth_date: d.birth_date.map(|b| b.to_string()),
            }),
            chip_access: r.chip_access.map(|a| a.to_string()),
            face: r.face.map(|(score, liveness)| GateFaceView { score, liveness }),
            fingerprints: r
                .fingerprints
                .iter()
                .map(|(finger, score)| GateFingerView { finger: *finger, score: *score })
                .collect(),
            timings_ms: r.timings.iter().cloned().collect(),
            gate_ms: r.gate_ms,
            taken_by: r.taken_by.clone(),
            taken_at: r.taken_at.map(service::wire_time),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionsPage {
    pub transactions: Vec<TransactionView>,
    /// How many match in all (up to 10,001, meaning "more than 10,000").
    pub total: u64,
    pub offset: u32,
}

/// The gates' transactions, newest first: a commander's checkpoint, or any for an analyst.
/// The look is audited.
#[utoipa::path(get, path = "/egate/transactions", tag = "egate",
    params(TransactionsQuery),
    responses((status = 200, body = TransactionsPage)))]
pub async fn transactions<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Query(q): Query<TransactionsQuery>,
) -> ApiResult<Json<TransactionsPage>> {
    let scope = who.actor.gate_board()?;
    let filter = EgateFilter {
        checkpoint: blank(&q.checkpoint).map(CheckpointCode::parse).transpose()?,
        gate: blank(&q.gate).map(GateName::parse).transpose()?,
        decision: blank(&q.decision).map(GateDecision::parse).transpose()?,
        from: blank(&q.from).map(|s| bounds::parse_time("from", s)).transpose()?,
        to: blank(&q.to).map(|s| bounds::parse_time("to", s)).transpose()?,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let offset = q.offset.unwrap_or(0);
    if offset > 10_000 {
        return Err(bad("invalid_query", "offset: at most 10000"));
    }
    let (list, total) =
        service::list(&app, &scope, &who.acting(), filter, u64::from(offset), limit).await?;
    Ok(Json(TransactionsPage {
        transactions: list.iter().map(TransactionView::from).collect(),
        total,
        offset,
    }))
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A gate's figures over the board's window.
#[derive(Debug, Serialize, ToSchema)]
pub struct GateView {
    #[schema(value_type = domain::CheckpointCode)]
    pub checkpoint: String,
    pub gate: String,
    pub opened: u64,
    pub referred: u64,
    /// Mean seconds a traveller, from the gate's timings.
    pub mean_seconds: Option<f64>,
    /// The platform's mean milliseconds a transaction.
    pub mean_platform_ms: f64,
    #[schema(value_type = domain::schema::Instant)]
    pub last_at: String,
    /// No transaction for ten minutes.
    pub quiet: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GateBoard {
    /// The window the figures cover, in hours back from now.
    pub window_hours: i64,
    pub gates: Vec<GateView>,
}

/// Each gate's figures over the last 24 hours, the quiet ones marked.
#[utoipa::path(get, path = "/egate/gates", tag = "egate",
    responses((status = 200, body = GateBoard)))]
pub async fn gates<S: Store>(State(app): State<App<S>>, who: Authed) -> ApiResult<Json<GateBoard>> {
    let scope = who.actor.gate_board()?;
    let lines = service::board(&app, &scope).await?;
    Ok(Json(GateBoard {
        window_hours: service::BOARD_WINDOW.whole_hours(),
        gates: lines
            .into_iter()
            .map(|l| GateView {
                checkpoint: l.summary.checkpoint.to_string(),
                gate: l.summary.gate.to_string(),
                opened: l.summary.opened,
                referred: l.summary.referred,
                mean_seconds: l.mean_seconds,
                mean_platform_ms: l.mean_platform_ms,
                last_at: service::wire_time(l.summary.last_at),
                quiet: l.quiet,
            })
            .collect(),
    }))
}

/// The lowest scores the checkpoint's gates accept, each 0 to 1.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsBody {
    pub face: f64,
    pub liveness: f64,
    pub fingerprint: f64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThresholdsQuery {
    /// Another checkpoint's (analysts); a commander's own otherwise.
    #[param(value_type = Option<domain::CheckpointCode>)]
    checkpoint: Option<String>,
}

/// The checkpoint's thresholds (the platform's defaults where none was set).
#[utoipa::path(get, path = "/egate/thresholds", tag = "egate",
    params(ThresholdsQuery),
    responses((status = 200, body = ThresholdsBody)))]
pub async fn thresholds<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Query(q): Query<ThresholdsQuery>,
) -> ApiResult<Json<ThresholdsBody>> {
    let scope = who.actor.gate_board()?;
    let asked = q.checkpoint.as_deref().map(CheckpointCode::parse).transpose()?;
    let checkpoint = match (&scope, asked) {
        (GateScope::Checkpoint(own), None) => own.clone(),
        (GateScope::Checkpoint(own), Some(cp)) if &cp == own => cp,
        (GateScope::Checkpoint(_), Some(cp)) => {
            return Err(domain::Forbidden(format!(
                "you see the gates of your own checkpoint only, not of {cp}"
            ))
            .into());
        }
        (GateScope::All, Some(cp)) => cp,
        (GateScope::All, None) => return Err(bad("invalid_query", "give the checkpoint")),
    };
    if !app.checkpoints.contains_key(&checkpoint) {
        return Err(ApiError::not_found(format!("checkpoint {checkpoint} not found")));
    }
    let t = service::thresholds(&app, &checkpoint).await?;
    Ok(Json(ThresholdsBody {
        face: t.face.get(),
        liveness: t.liveness.get(),
        fingerprint: t.fingerprint.get(),
    }))
}

/// Sets the scores the checkpoint's gates must reach: its commander.
#[utoipa::path(put, path = "/egate/thresholds", tag = "egate",
    request_body = ThresholdsBody,
    responses((status = 200, body = ThresholdsBody)))]
pub async fn set_thresholds<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Json<ThresholdsBody>> {
    let right = who.actor.set_gate_thresholds()?;
    let b: ThresholdsBody = json_body(&body)?;
    let t = Thresholds {
        face: Score::parse("face", b.face)?,
        liveness: Score::parse("liveness", b.liveness)?,
        fingerprint: Score::parse("fingerprint", b.fingerprint)?,
    };
    service::set_thresholds(&app, &right, &who.acting(), &t).await?;
    Ok(Json(b))
}
