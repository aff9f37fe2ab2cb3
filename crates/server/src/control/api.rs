//! The control API: checks, crossings one by one and in batches, histories, checkpoints.

use crate::app::App;
use crate::control::service::HistoryQuery;
use crate::control::service::ItemResult;
use crate::control::service::Outcome;
use crate::control::service::find_history;
use crate::control::service::record_many;
use crate::control::service::{ControlError, CrossingAsked, DocumentAsked};
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::Authed;
use crate::http::json_body;
use axum::Json;
use axum::extract::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use domain::CheckpointCode;
use domain::Direction;
use domain::{Channel, CrossingOutcome, Decision, bounds};
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use store::Store;
use utoipa::ToSchema;

impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> Self {
        let bad = |code, e: &ControlError| ApiError::bad_request(code, e.to_string());
        match e {
            ControlError::InvalidJson(_) => bad("invalid_json", &e),
            ControlError::InvalidId(_) => bad("invalid_id", &e),
            ControlError::Invalid(e) => e.into(),
            ControlError::InvalidDocument(_) => bad("invalid_document", &e),
            ControlError::DocumentField(v) => {
                ApiError { code: "invalid_document", ..ApiError::from(v) }
            }
            ControlError::Unreadable(_) => bad("unreadable_document", &e),
            ControlError::InvalidQuery(_) => bad("invalid_query", &e),
            ControlError::AtOutOfRange(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "at_out_of_range", e.to_string())
            }
            ControlError::Forbidden(e) => e.into(),
            ControlError::NotFound(_) => ApiError::not_found(e.to_string()),
            ControlError::IdConflict(_) => {
                ApiError::new(StatusCode::CONFLICT, "id_conflict", e.to_string())
            }
            ControlError::Store(e) => e.into(),
            ControlError::Audit(e) => e.into(),
            ControlError::Failed(_) => ApiError::internal(&e),
        }
    }
}

/// The most crossings one batch may carry.
pub const BATCH_LIMIT: usize = 1_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    #[schema(value_type = domain::CheckpointCode)]
    checkpoint: String,
    #[schema(value_type = domain::Direction)]
    direction: String,
    #[schema(value_type = DocumentRequest)]
    document: Value,
    /// Also give `held_back`: the listings whose whole name matches but that were not counted
    /// as hits because the name is common and the list has no full date of birth. Each one
    /// shown is audited as a read of the watchlist entry.
    #[serde(default)]
    explain: bool,
}

/// Checks a traveller: the rules, the watchlist, the recent crossings. Nothing is recorded
/// but the audit record.
#[utoipa::path(post, path = "/control/check", tag = "control",
    request_body = CheckRequest,
    responses((status = 200, body = Outcome)))]
pub async fn check<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Json<Outcome>> {
    let req: CheckRequest = json_body(&body)?;
    let checkpoint = CheckpointCode::parse(&req.checkpoint)?;
    let direction = Direction::parse(&req.direction)?;
    let right = who.actor.act_at(&checkpoint)?;
    let reading = document_from_json(&req.document)?.read(app.today())?;
    let mut outcome =
        crate::control::service::check_audited(&app, &right, &who.acting(), direction, &reading)
            .await?;
    if req.explain {
        outcome.held_back =
            crate::control::service::held_back_audited(&app, &who.acting(), &reading.document)
                .await?;
    }
    Ok(Json(outcome))
}

/// Records one crossing (201, or 200 for a retry of the same id and body).
#[utoipa::path(post, path = "/crossings", tag = "control",
    request_body = CrossingRequest,
    responses((status = 201, body = store::CrossingRecord),
              (status = 200, description = "a retry", body = store::CrossingRecord)))]
pub async fn record<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let raw: Value = json_body(&body)?;
    let asked = vec![crossing_from_json(&raw)];
    let mut results = record_many(&app, &who.actor, &who.acting(), asked, false).await;
    match results.pop() {
        Some(ItemResult::Stored { created, record }) => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            Ok((status, Json(record)).into_response())
        }
        Some(ItemResult::Failed(e)) => Err(e.into()),
        None => Err(ApiError::internal(&std::io::Error::other("no result for the crossing"))),
    }
}

/// Up to a thousand crossings, or `{"crossings": [...]}`.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Describes what `record_batch` reads.
pub enum BatchRequest {
    List(Vec<CrossingRequest>),
    Wrapped(BatchWrapped),
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct BatchWrapped {
    crossings: Vec<CrossingRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    /// One answer per crossing sent, in order.
    pub results: Vec<BatchItem>,
}

/// A crossing's own answer: its status, and its record or its error.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItem {
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<store::CrossingRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::http::openapi::ErrorDetail>,
}

/// Records crossings in one batch, each answering on its own.
#[utoipa::path(post, path = "/crossings/batch", tag = "control",
    request_body = BatchRequest,
    responses((status = 200, body = BatchResponse)))]
pub async fn record_batch<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Json<BatchResponse>> {
    let raw: Value = json_body(&body)?;
    let items = match raw {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("crossings") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_json",
                    "send an array of crossings, or {\"crossings\": [...]}",
                ));
            }
        },
        _ => return Err(ApiError::bad_request("invalid_json", "send an array of crossings")),
    };
    if items.len() > BATCH_LIMIT {
        return Err(ApiError::bad_request(
            "batch_too_large",
            format!("at most {BATCH_LIMIT} crossings per batch, not {}", items.len()),
        ));
    }
    let asked = items.iter().map(crossing_from_json).collect();
    let results = record_many(&app, &who.actor, &who.acting(), asked, true).await;
    let results = results
        .into_iter()
        .map(|r| match r {
            ItemResult::Stored { created, record } => BatchItem {
                status: if created { 201 } else { 200 },
                record: Some(record),
                error: None,
            },
            ItemResult::Failed(e) => {
                let e = ApiError::from(e);
                BatchItem {
                    status: e.status.as_u16(),
                    record: None,
                    error: Some(crate::http::openapi::ErrorDetail {
                        code: e.code.to_string(),
                        message: e.message,
                        problems: None,
                    }),
                }
            }
        })
        .collect();
    Ok(Json(BatchResponse { results }))
}

/// A traveller and their crossings, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryMatch {
    pub traveller: domain::TravelDocument,
    pub crossings: Vec<store::CrossingRecord>,
}

/// By document, the traveller; by name, every traveller who matches.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum HistoryResponse {
    One(HistoryMatch),
    /// A page of the travellers found by name or number: `total` counts them all (up to
    /// 10,001, meaning "more than 10,000"); `offset` is where this page starts.
    Many {
        matches: Vec<HistoryMatch>,
        total: u64,
        offset: u32,
    },
}

/// A traveller's crossings at every checkpoint of the country; the look is audited.
#[utoipa::path(get, path = "/travellers/history", tag = "control",
    params(HistoryQuery),
    responses((status = 200, body = HistoryResponse)))]
pub async fn history<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<HistoryResponse>> {
    let right = who.actor.read_history()?;
    let (asked, limit) = q.read()?;
    let found = find_history(&app, &right, &who.acting(), &asked, limit).await?;
    let (total, offset) = (found.total, found.offset);
    let mut matches: Vec<HistoryMatch> = found
        .people
        .into_iter()
        .map(|(t, crossings)| HistoryMatch { traveller: t.document, crossings })
        .collect();
    if !matches!(asked, crate::control::service::HistoryAsked::Document { .. }) {
        return Ok(Json(HistoryResponse::Many { matches, total, offset }));
    }
    matches
        .pop()
        .map(|m| Json(HistoryResponse::One(m)))
        .ok_or_else(|| ApiError::not_found("no traveller with this document has crossed"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointsResponse {
    pub checkpoints: Vec<domain::Checkpoint>,
}

/// The checkpoints, by code.
#[utoipa::path(get, path = "/checkpoints", tag = "control", security(()),
    responses((status = 200, body = CheckpointsResponse)))]
pub async fn checkpoints<S: Store>(State(app): State<App<S>>) -> Json<CheckpointsResponse> {
    let mut list: Vec<domain::Checkpoint> = app.checkpoints.values().cloned().collect();
    list.sort_by(|a, b| a.code.cmp(&b.code));
    Json(CheckpointsResponse { checkpoints: list })
}

/// One crossing as a client sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossingRequest {
    /// Made by the client, so that a retry never records twice.
    #[schema(format = "uuid")]
    id: String,
    #[schema(value_type = domain::CheckpointCode)]
    checkpoint: String,
    #[schema(value_type = domain::Direction)]
    direction: String,
    #[schema(value_type = DocumentRequest)]
    document: Value,
    #[schema(value_type = domain::Channel)]
    channel: String,
    /// When the traveller crossed (RFC 3339): from 30 days ago to 10 minutes ahead.
    #[schema(value_type = Option<domain::schema::Instant>)]
    at: Option<String>,
    /// The decision already made where the traveller stood (an e-gate, a post working
    /// offline). Without it the platform decides, screens and raises alerts itself.
    #[schema(value_type = Option<domain::Decision>)]
    decision: Option<String>,
    /// `refused`: the traveller was turned back and did not cross. The refusal is kept and
    /// shown in the history, but it is not a movement: the entry/exit sequence passes over
    /// it. `crossed` when left out.
    #[schema(value_type = Option<domain::CrossingOutcome>)]
    outcome: Option<String>,
    /// The officer stamped the traveller's border pass at this crossing (at most once in ten
    /// days).
    #[serde(default)]
    stamped: bool,
}

/// A document as read: its MRZ as text, or its fields typed by hand.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Describes what `document_from_json` reads.
pub enum DocumentRequest {
    Mrz(MrzRequest),
    Fields(Box<domain::DocumentInput>),
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct MrzRequest {
    /// The machine-readable zone, its lines separated by line breaks.
    mrz: String,
}

/// `{"mrz": "..."}` or the fields, as JSON.
fn document_from_json(value: &Value) -> Result<DocumentAsked, ControlError> {
    let invalid = |m: &str| ControlError::InvalidDocument(m.to_string());
    let Value::Object(map) = value else {
        return Err(invalid("the document is a JSON object"));
    };
    if let Some(mrz) = map.get("mrz") {
        let Some(text) = mrz.as_str() else {
            return Err(invalid("mrz is the MRZ as text"));
        };
        if map.len() > 1 {
            return Err(invalid("send either the MRZ or the fields, not both"));
        }
        return Ok(DocumentAsked::Mrz(text.to_string()));
    }
    serde_json::from_value(value.clone())
        .map(|f| DocumentAsked::Fields(Box::new(f)))
        .map_err(|e| ControlError::InvalidDocument(e.to_string()))
}

/// One crossing of the API's JSON, in the API's order of refusals.
fn crossing_from_json(raw: &Value) -> Result<CrossingAsked, ControlError> {
    let req: CrossingRequest = serde_json::from_value(raw.clone())
        .map_err(|e| ControlError::InvalidJson(e.to_string()))?;
    let id = uuid::Uuid::parse_str(&req.id).map_err(|_| {
        ControlError::InvalidId(format!("{:?} is not a UUID", bounds::clip(&req.id)))
    })?;
    let checkpoint = CheckpointCode::parse(&req.checkpoint)?;
    let direction = Direction::parse(&req.direction)?;
    let channel = Channel::parse(&req.channel)?;
    let at = req.at.as_deref().map(|s| bounds::parse_time("at", s)).transpose()?;
    let decision = req.decision.as_deref().map(Decision::parse).transpose()?;
    let outcome = req.outcome.as_deref().map(CrossingOutcome::parse).transpose()?;
    Ok(CrossingAsked {
        id,
        checkpoint,
        direction,
        channel,
        at,
        decision,
        outcome: outcome.unwrap_or(CrossingOutcome::Crossed),
        refused_when_denied: false,
        seal_problems: Vec::new(),
        stamped: req.stamped,
        document: document_from_json(&req.document),
        // Serialised from a map, the body's keys come in one order, whatever the client's.
        body_hash: hex::encode(Sha256::digest(raw.to_string().as_bytes())),
    })
}
