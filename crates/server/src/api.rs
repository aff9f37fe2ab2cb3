//! The JSON API under `/api/v1`.

use std::time::Instant;
use store::AuditAction;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::bounds;
use domain::{
    Channel, CheckpointCode, Country, Decision, Direction, DocumentNumber, Sex, WatchAction,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::{
    AlertStatus, CrossingAlert, NewCrossing, NewToken, RecordOutcome, RecordedBy, Store, TokenKind,
    TokenOwner, WatchDob, WatchDocument, WatchEntry,
};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Password, Secret, dummy_hash, verify_password};
use crate::control::{self, Outcome, name_key, read_document};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, ClientIp};
use crate::state::App;

/// How long an API token lives.
const TOKEN_HOURS: i64 = 12;
/// The most crossings one batch may carry.
pub const BATCH_LIMIT: usize = 1_000;

pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    if has_nul(body) {
        return Err(ApiError::bad_request(
            "invalid_json",
            "a string holds a NUL character (\\u0000), which nothing stored may hold",
        ));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))
}

/// Whether a JSON text holds `\u0000` inside a string (an escape, not an escaped backslash
/// followed by `u0000`). JSON cannot hold a raw NUL at all.
fn has_nul(body: &[u8]) -> bool {
    let mut backslashes = 0usize;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if b == b'u' && backslashes % 2 == 1 && body.get(i + 1..i + 5) == Some(b"0000") {
            return true;
        }
        backslashes = 0;
    }
    body.contains(&0)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[schema(min_length = 1, max_length = 64)]
    username: String,
    #[schema(format = Password, min_length = 1, max_length = 256)]
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Checks a user's password, with the throttle; the user's record on success.
pub async fn sign_in<S: Store>(
    app: &App<S>,
    username: &str,
    password: &Password,
    ip: Option<std::net::IpAddr>,
) -> ApiResult<store::UserRecord> {
    // Whatever was typed goes into the throttle and the audit trail: bounded.
    let name: String = username.trim().to_lowercase().chars().take(64).collect();
    if let Some(wait) = app.throttle.blocked(&name, ip, Instant::now()) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed sign-ins: try again in {} s", wait.as_secs().max(1)),
        ));
    }
    let user = app.store.user_by_name(&name).await?;
    let hash = user.as_ref().map_or(dummy_hash(), |u| u.password_hash.as_str()).to_string();
    let pw = Password::new(password.expose().to_string());
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let event = |action: AuditAction| store::AuditEvent {
        actor: format!("user:{name}"),
        ip: ip.map(|i| i.to_string()),
        action,
        subject: format!("user:{name}"),
        detail: "{}".into(),
    };
    match user {
        Some(u) if ok => {
            app.throttle.succeeded(&name, ip, Instant::now());
            app.audit(event(AuditAction::SignIn)).await?;
            Ok(u)
        }
        _ => {
            app.throttle.failed(&name, ip, Instant::now());
            app.audit(event(AuditAction::SignInFailed)).await?;
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "wrong user name or password",
            ))
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// Seconds until it stops working.
    pub expires_in: i64,
}

/// A bearer token for a user's name and password.
#[utoipa::path(post, path = "/auth/token", tag = "accounts", security(()),
    request_body = Credentials,
    responses((status = 200, body = TokenResponse)))]
pub async fn token<S: Store>(
    State(app): State<App<S>>,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> ApiResult<Json<TokenResponse>> {
    let c: Credentials = json_body(&body)?;
    let user = sign_in(&app, &c.username, &Password::new(c.password), ip).await?;
    let secret = Secret::generate();
    let now = app.now();
    app.store
        .put_token(
            &NewToken {
                hash: secret.digest(),
                kind: TokenKind::Api,
                owner: TokenOwner::User(user.id),
                csrf: None,
                expires_at: Some(now + time::Duration::hours(TOKEN_HOURS)),
            },
            now,
        )
        .await?;
    Ok(Json(TokenResponse { token: secret.expose().to_string(), expires_in: TOKEN_HOURS * 3600 }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    #[schema(value_type = domain::CheckpointCode)]
    checkpoint: String,
    #[schema(value_type = domain::Direction)]
    direction: String,
    #[schema(value_type = DocumentRequest)]
    document: Value,
}

/// A document as read: its MRZ as text, or its fields typed by hand.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Describes what `control::read_document` reads.
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
    let reading = read_document(&req.document, app.today())?;
    let outcome = control::check(&app, &right, direction, &reading).await?;
    app.audit(outcome.audit(&who, &checkpoint, direction)).await?;
    Ok(Json(outcome))
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
    #[schema(format = DateTime)]
    at: Option<String>,
    /// The decision already made where the traveller stood (an e-gate, a post working
    /// offline). Without it the platform decides, screens and raises alerts itself.
    #[schema(value_type = Option<domain::Decision>)]
    decision: Option<String>,
}

#[derive(Debug)]
pub enum ItemResult {
    Stored { created: bool, record: store::CrossingRecord },
    Failed(ApiError),
}

/// Parses and authorises one crossing, and checks it: the platform always screens, decides and
/// alerts, whatever the client sent. A decision the client sent (a gate, a post that decided
/// offline) is kept beside the platform's; the crossing's decision is the stricter of the two,
/// so a client's clear where the platform refers or denies is referred, never taken as is.
///
/// With `defer`, a crossing that brings its own decision is stored at once and screened in the
/// background (`screening::run`): a batch of a thousand from a post that was offline must not
/// wait for a thousand screenings. Nothing is lost by it: the crossing is stored unscreened,
/// and the screening of every unscreened crossing is finished by whichever process gets to it.
async fn prepare<S: Store>(
    app: &App<S>,
    who: &Authed,
    raw: &Value,
    now: OffsetDateTime,
    defer: bool,
) -> ApiResult<NewCrossing> {
    let req: CrossingRequest = serde_json::from_value(raw.clone())
        .map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))?;
    let id = uuid::Uuid::parse_str(&req.id).map_err(|_| {
        ApiError::bad_request("invalid_id", format!("{:?} is not a UUID", bounds::clip(&req.id)))
    })?;
    let checkpoint = CheckpointCode::parse(&req.checkpoint)?;
    let direction = Direction::parse(&req.direction)?;
    let channel = Channel::parse(&req.channel)?;
    let at = match &req.at {
        Some(s) => {
            let t = bounds::parse_time("at", s)?;
            bounds::within("at", t, now, bounds::CROSSING_PAST, bounds::CROSSING_FUTURE).map_err(
                |e| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "at_out_of_range",
                        e.to_string(),
                    )
                },
            )?
        }
        None => now,
    };
    let client_decision = req.decision.as_deref().map(Decision::parse).transpose()?;
    let right = who.actor.act_at(&checkpoint)?;
    let reading = read_document(&req.document, app.today())?;
    let (decision, alerts, screened) = match client_decision {
        Some(client) if defer => (client, Vec::new(), false),
        _ => {
            let outcome = control::check(app, &right, direction, &reading).await?;
            let alerts = outcome
                .watchlist_hits
                .iter()
                .filter(|h| !h.dismissed)
                .map(|h| CrossingAlert { entry_id: h.entry_id.clone(), score: f64::from(h.score) })
                .collect();
            let decision = outcome.decision();
            (client_decision.map_or(decision, |c| c.max(decision)), alerts, true)
        }
    };
    // Serialised from a map, the body's keys come in one order, whatever the client's.
    let body_hash = hex::encode(Sha256::digest(raw.to_string().as_bytes()));
    let doc = reading.document;
    Ok(NewCrossing {
        id: id.hyphenated().to_string(),
        name_key: name_key(&doc.surname, &doc.given_names),
        document: doc,
        checkpoint,
        direction,
        channel,
        at,
        decision,
        client_decision,
        actor: who.actor.label(),
        body_hash,
        alerts,
        screened,
    })
}

/// Records crossings, each answering on its own: what cannot be parsed, is refused or fails
/// in the store is that item's error, never the whole batch's. The crossings stored, their
/// alerts and their audit record commit together. `defer`: see [`prepare`].
pub async fn record_many<S: Store>(
    app: &App<S>,
    who: &Authed,
    items: &[Value],
    defer: bool,
) -> Vec<ItemResult> {
    let now = app.now();
    let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(items.len());
    let mut batch = Vec::new();
    for raw in items {
        match prepare(app, who, raw, now, defer).await {
            Ok(c) => {
                results.push(None);
                batch.push(c);
            }
            Err(e) => results.push(Some(ItemResult::Failed(e))),
        }
    }
    let by = RecordedBy { actor: who.actor.label(), ip: who.ip.map(|i| i.to_string()) };
    let stored = if batch.is_empty() {
        Ok(Vec::new())
    } else {
        app.store.record_crossings(&batch, &by, now).await
    };
    if batch.iter().any(|c| !c.screened) {
        app.screening.notify_one();
    }
    let mut stored = match stored {
        Ok(s) => s.into_iter(),
        Err(e) => {
            let e = ApiError::from(e);
            for slot in results.iter_mut().filter(|r| r.is_none()) {
                *slot =
                    Some(ItemResult::Failed(ApiError::new(e.status, e.code, e.message.clone())));
            }
            Vec::new().into_iter()
        }
    };
    results
        .into_iter()
        .map(|slot| match slot {
            Some(done) => done,
            None => match stored.next() {
                Some(RecordOutcome::Created(record)) => {
                    ItemResult::Stored { created: true, record }
                }
                Some(RecordOutcome::Existing(record)) => {
                    ItemResult::Stored { created: false, record }
                }
                Some(RecordOutcome::Conflict(id)) => ItemResult::Failed(ApiError::new(
                    StatusCode::CONFLICT,
                    "id_conflict",
                    format!("crossing {id} was recorded with another body"),
                )),
                None => ItemResult::Failed(ApiError::internal(&std::io::Error::other(
                    "the store answered for fewer crossings than it was given",
                ))),
            },
        })
        .collect()
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
    let mut results = record_many(&app, &who, std::slice::from_ref(&raw), false).await;
    match results.pop() {
        Some(ItemResult::Stored { created, record }) => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            Ok((status, Json(record)).into_response())
        }
        Some(ItemResult::Failed(e)) => Err(e),
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
    pub error: Option<crate::openapi::ErrorDetail>,
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
    let results = record_many(&app, &who, &items, true).await;
    let results = results
        .into_iter()
        .map(|r| match r {
            ItemResult::Stored { created, record } => BatchItem {
                status: if created { 201 } else { 200 },
                record: Some(record),
                error: None,
            },
            ItemResult::Failed(e) => BatchItem {
                status: e.status.as_u16(),
                record: None,
                error: Some(crate::openapi::ErrorDetail {
                    code: e.code.to_string(),
                    message: e.message,
                    problems: None,
                }),
            },
        })
        .collect();
    Ok(Json(BatchResponse { results }))
}

/// By document (`issuing_state` and `number`), or by name (and `birth_date`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    #[param(value_type = Option<domain::Country>, inline)]
    pub issuing_state: Option<String>,
    #[param(value_type = Option<domain::DocumentNumber>, inline)]
    pub number: Option<String>,
    pub name: Option<String>,
    #[param(format = Date)]
    pub birth_date: Option<String>,
    /// The most crossings per traveller, 1 to 1,000 (100).
    pub limit: Option<u32>,
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
    Many { matches: Vec<HistoryMatch> },
}

/// Travellers' histories for a query by document or by name, the look audited.
pub async fn find_history<S: Store>(
    app: &App<S>,
    who: &Authed,
    q: &HistoryQuery,
) -> ApiResult<Vec<(store::TravellerRecord, Vec<store::CrossingRecord>)>> {
    who.actor.read_history()?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1_000);
    let (subject, found) = match (&q.issuing_state, &q.number, &q.name) {
        (Some(state), Some(number), _) => {
            let state = Country::parse_field("issuing_state", state)?;
            let number = DocumentNumber::parse(number)?;
            let found = app.store.traveller_with_crossings(state, &number, limit).await?;
            (format!("traveller:{state}/{number}"), found.into_iter().collect::<Vec<_>>())
        }
        (None, None, Some(name)) => {
            let name = bounds::clean_line("name", name, bounds::NAME_MAX)?;
            let key = screen::normalize::tokens(&name).join(" ");
            if key.is_empty() {
                return Err(ApiError::bad_request("invalid_field", "name: give a name"));
            }
            let dob = q.birth_date.as_deref().map(str::trim).filter(|s| !s.is_empty());
            if let Some(d) = dob {
                bounds::parse_date("birth_date", d)?;
            }
            let travellers = app.store.travellers_by_name(&key, dob, 50).await?;
            let mut found = Vec::with_capacity(travellers.len());
            for t in travellers {
                let crossings = app.store.crossings_of(t.id, limit).await?;
                found.push((t, crossings));
            }
            (format!("name:{key}/{}", dob.unwrap_or("")), found)
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "give issuing_state and number, or name (and birth_date)",
            ));
        }
    };
    app.audit(who.audit(AuditAction::HistoryRead, subject, json!({"found": found.len()}))).await?;
    Ok(found)
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
    let found = find_history(&app, &who, &q).await?;
    let mut matches: Vec<HistoryMatch> = found
        .into_iter()
        .map(|(t, crossings)| HistoryMatch { traveller: t.document, crossings })
        .collect();
    if q.name.is_some() {
        return Ok(Json(HistoryResponse::Many { matches }));
    }
    matches
        .pop()
        .map(|m| Json(HistoryResponse::One(m)))
        .ok_or_else(|| ApiError::not_found("no traveller with this document has crossed"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchDocumentRequest {
    #[schema(value_type = Option<domain::Country>)]
    issuing_state: Option<String>,
    #[schema(value_type = domain::DocumentNumber)]
    number: String,
}

/// A watchlist entry as sent, and as read back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchRequest {
    /// At most 200 characters, with letters.
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// At most 20.
    #[serde(default)]
    aliases: Vec<String>,
    /// `YYYY-MM-DD`, or `YYYY` when only the year is known.
    birth_date: Option<String>,
    #[schema(value_type = Option<domain::Country>)]
    nationality: Option<String>,
    #[schema(value_type = Option<domain::Sex>)]
    sex: Option<String>,
    /// At most 20.
    #[serde(default)]
    documents: Vec<WatchDocumentRequest>,
    #[schema(value_type = domain::WatchAction)]
    action: String,
    /// Why the person is listed: at most 2,000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    reason: String,
    #[schema(format = Date)]
    valid_until: Option<String>,
}

/// A watchlist entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchEntryView {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    /// `YYYY-MM-DD`, or `YYYY` when only the year is known.
    pub birth_date: Option<String>,
    pub nationality: Option<domain::Country>,
    pub sex: Option<domain::Sex>,
    pub documents: Vec<WatchDocumentView>,
    pub action: WatchAction,
    pub reason: String,
    #[schema(format = Date)]
    pub valid_until: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WatchDocumentView {
    pub issuing_state: Option<domain::Country>,
    pub number: DocumentNumber,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IdResponse {
    pub id: String,
}

/// The most aliases and documents one watchlist entry may carry.
pub const MAX_ALIASES: usize = 20;
pub const MAX_DOCUMENTS: usize = 20;

pub fn parse_watch_entry(id: String, body: &[u8]) -> ApiResult<WatchEntry> {
    let r: WatchRequest = json_body(body)?;
    let field =
        |f: &'static str, m: String| ApiError::bad_request("invalid_field", format!("{f}: {m}"));
    let name = bounds::clean_line("name", &r.name, bounds::NAME_MAX)?;
    if screen::normalize::tokens(&name).is_empty() {
        return Err(field("name", "a name has letters".into()));
    }
    if r.aliases.len() > MAX_ALIASES {
        return Err(field("aliases", format!("at most {MAX_ALIASES}")));
    }
    if r.documents.len() > MAX_DOCUMENTS {
        return Err(field("documents", format!("at most {MAX_DOCUMENTS}")));
    }
    let aliases = r
        .aliases
        .iter()
        .map(|a| bounds::clean_line("aliases", a, bounds::NAME_MAX))
        .filter(|a| !a.as_ref().is_ok_and(String::is_empty))
        .collect::<Result<Vec<_>, _>>()?;
    let reason = bounds::clean_text("reason", &r.reason, bounds::NOTE_MAX)?;
    let nonblank = |s: &Option<String>| {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    };
    let birth_date = nonblank(&r.birth_date)
        .map(|s| {
            WatchDob::parse(&s)
                .ok_or_else(|| field("birth_date", format!("{s:?} is not YYYY-MM-DD or YYYY")))
        })
        .transpose()?;
    let valid_until =
        nonblank(&r.valid_until).map(|s| bounds::parse_date("valid_until", &s)).transpose()?;
    let documents = r
        .documents
        .iter()
        .map(|d| {
            Ok(WatchDocument {
                issuing_state: nonblank(&d.issuing_state)
                    .map(|s| Country::parse_field("issuing_state", &s))
                    .transpose()?,
                number: DocumentNumber::parse(&d.number)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(WatchEntry {
        id,
        name,
        aliases,
        birth_date,
        nationality: nonblank(&r.nationality)
            .map(|s| Country::parse_field("nationality", &s))
            .transpose()?,
        sex: nonblank(&r.sex).map(|s| Sex::parse(&s.to_ascii_uppercase())).transpose()?,
        documents,
        action: WatchAction::parse(&r.action)?,
        reason,
        valid_until,
    })
}

/// Stores an entry and updates this process's index at once (others follow the change log).
pub async fn save_watch_entry<S: Store>(
    app: &App<S>,
    who: &Authed,
    entry: &WatchEntry,
) -> ApiResult<()> {
    app.store.put_watch_entry(entry, &who.actor.label(), app.now()).await?;
    if let Err(e) = app.watchlist_mut().put(entry) {
        tracing::warn!(entry = %entry.id, error = %e, "watchlist entry not indexed");
    }
    app.audit(who.audit(AuditAction::WatchlistPut, format!("watch:{}", entry.id), json!({})))
        .await?;
    Ok(())
}

pub fn new_watch_id() -> String {
    format!("W{}", &uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase())
}

/// Lists a person (headquarters' analysts and administrators).
#[utoipa::path(post, path = "/watchlist", tag = "watchlist",
    request_body = WatchRequest,
    responses((status = 201, body = IdResponse)))]
pub async fn watch_create<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    who.actor.manage_watchlist()?;
    let entry = parse_watch_entry(new_watch_id(), &body)?;
    save_watch_entry(&app, &who, &entry).await?;
    Ok((StatusCode::CREATED, Json(IdResponse { id: entry.id })).into_response())
}

/// Replaces a watchlist entry.
#[utoipa::path(put, path = "/watchlist/{id}", tag = "watchlist",
    params(("id" = String, Path)),
    request_body = WatchRequest,
    responses((status = 200, body = IdResponse)))]
pub async fn watch_update<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<IdResponse>> {
    who.actor.manage_watchlist()?;
    if app.store.watch_entry(&id).await?.is_none() {
        return Err(ApiError::not_found(format!("watchlist entry {id}")));
    }
    let entry = parse_watch_entry(id, &body)?;
    save_watch_entry(&app, &who, &entry).await?;
    Ok(Json(IdResponse { id: entry.id }))
}

/// Takes a person off the watchlist.
#[utoipa::path(delete, path = "/watchlist/{id}", tag = "watchlist",
    params(("id" = String, Path)),
    responses((status = 204, description = "removed")))]
pub async fn watch_delete<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    who.actor.manage_watchlist()?;
    if !app.store.remove_watch_entry(&id, app.now()).await? {
        return Err(ApiError::not_found(format!("watchlist entry {id}")));
    }
    app.watchlist_mut().remove(&id);
    app.audit(who.audit(AuditAction::WatchlistRemove, format!("watch:{id}"), json!({}))).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn watch_view(e: &WatchEntry) -> WatchEntryView {
    WatchEntryView {
        id: e.id.clone(),
        name: e.name.clone(),
        aliases: e.aliases.clone(),
        birth_date: e.birth_date.map(|d| d.to_string()),
        nationality: e.nationality,
        sex: e.sex,
        documents: e
            .documents
            .iter()
            .map(|d| WatchDocumentView { issuing_state: d.issuing_state, number: d.number.clone() })
            .collect(),
        action: e.action,
        reason: e.reason.clone(),
        valid_until: e.valid_until.map(|d| d.to_string()),
    }
}

/// A watchlist entry (read audited).
#[utoipa::path(get, path = "/watchlist/{id}", tag = "watchlist",
    params(("id" = String, Path)),
    responses((status = 200, body = WatchEntryView)))]
pub async fn watch_get<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<WatchEntryView>> {
    who.actor.manage_watchlist()?;
    let e = app
        .store
        .watch_entry(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("watchlist entry {id}")))?;
    app.audit(who.audit(AuditAction::WatchlistRead, format!("watch:{id}"), json!({}))).await?;
    Ok(Json(watch_view(&e)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// `all` by default.
    #[param(value_type = Option<AlertFilter>, inline)]
    status: Option<String>,
    /// 1 to 1,000 (100).
    limit: Option<u32>,
}

/// Which alerts to list.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // Describes what `alerts` reads.
pub enum AlertFilter {
    Open,
    Confirmed,
    Dismissed,
    All,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertsResponse {
    pub alerts: Vec<store::AlertRecord>,
}

/// The alerts an actor handles: a checkpoint's own, or all of them at headquarters.
#[utoipa::path(get, path = "/alerts", tag = "watchlist",
    params(AlertQuery),
    responses((status = 200, body = AlertsResponse)))]
pub async fn alerts<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Query(q): Query<AlertQuery>,
) -> ApiResult<Json<AlertsResponse>> {
    let scope = who.actor.alerts()?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("all") => None,
        Some(s) => Some(AlertStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_field",
                format!("status: {s:?} is not open, confirmed, dismissed or all"),
            )
        })?),
    };
    let list = app.store.alerts(&scope, status, q.limit.unwrap_or(100).clamp(1, 1_000)).await?;
    app.audit(who.audit(AuditAction::AlertsRead, "alerts".into(), json!({"count": list.len()})))
        .await?;
    Ok(Json(AlertsResponse { alerts: list }))
}

pub async fn decide_alert<S: Store>(
    app: &App<S>,
    who: &Authed,
    id: i64,
    status: AlertStatus,
) -> ApiResult<store::AlertRecord> {
    let scope = who.actor.alerts()?;
    let alert =
        app.store.alert(id).await?.ok_or_else(|| ApiError::not_found(format!("alert {id}")))?;
    if let domain::AlertScope::Checkpoint(cp) = &scope
        && &alert.checkpoint != cp
    {
        return Err(domain::Forbidden(format!("alert {id} belongs to {}", alert.checkpoint)).into());
    }
    if !app.store.decide_alert(id, status, &who.actor.label(), app.now()).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "alert_closed",
            format!("alert {id} is already {}", alert.status.as_str()),
        ));
    }
    app.audit(who.audit(
        AuditAction::AlertDecide,
        format!("alert:{id}"),
        json!({"status": status}),
    ))
    .await?;
    app.store.alert(id).await?.ok_or_else(|| ApiError::not_found(format!("alert {id}")))
}

/// The officer confirms the hit: the traveller is the listed person.
#[utoipa::path(post, path = "/alerts/{id}/confirm", tag = "watchlist",
    params(("id" = i64, Path)),
    responses((status = 200, body = store::AlertRecord)))]
pub async fn alert_confirm<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<i64>,
) -> ApiResult<Json<store::AlertRecord>> {
    decide_alert(&app, &who, id, AlertStatus::Confirmed).await.map(Json)
}

/// The officer dismisses the hit: the traveller is not the listed person, and this pair no
/// longer decides.
#[utoipa::path(post, path = "/alerts/{id}/dismiss", tag = "watchlist",
    params(("id" = i64, Path)),
    responses((status = 200, body = store::AlertRecord)))]
pub async fn alert_dismiss<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<i64>,
) -> ApiResult<Json<store::AlertRecord>> {
    decide_alert(&app, &who, id, AlertStatus::Dismissed).await.map(Json)
}

fn admin(who: &Authed) -> ApiResult<crate::accounts::Acting> {
    if !who.actor.is_admin() {
        return Err(
            domain::Forbidden("only an administrator manages devices and accounts".into()).into()
        );
    }
    Ok(crate::accounts::Acting { actor: who.actor.label(), ip: who.ip.map(|i| i.to_string()) })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DevicesResponse {
    pub devices: Vec<store::DeviceRecord>,
}

/// Every device, revoked ones too (administrators).
#[utoipa::path(get, path = "/devices", tag = "accounts",
    responses((status = 200, body = DevicesResponse)))]
pub async fn devices<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
) -> ApiResult<Json<DevicesResponse>> {
    admin(&who)?;
    Ok(Json(DevicesResponse { devices: app.store.devices().await? }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceRequest {
    #[schema(value_type = domain::CheckpointCode)]
    checkpoint: String,
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// How long its token works, 1 to 3,650 days (365).
    #[schema(minimum = 1, maximum = 3650)]
    days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceCreated {
    pub id: i64,
    pub checkpoint: CheckpointCode,
    pub name: String,
    /// Shown once: the device sends it as its bearer token.
    pub token: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceRevoked {
    pub id: i64,
    pub revoked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDisabled {
    pub username: domain::Username,
    pub disabled: bool,
}

/// Registers a device (an e-gate, a reader) and gives its token (administrators).
#[utoipa::path(post, path = "/devices", tag = "accounts",
    request_body = DeviceRequest,
    responses((status = 201, body = DeviceCreated)))]
pub async fn device_add<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let by = admin(&who)?;
    let r: DeviceRequest = json_body(&body)?;
    let checkpoint = CheckpointCode::parse(&r.checkpoint)?;
    if !app.checkpoints.contains_key(&checkpoint) {
        return Err(ApiError::not_found(format!("checkpoint {checkpoint}")));
    }
    let name = crate::accounts::device_name(&r.name)?;
    let days = crate::accounts::token_days(r.days.unwrap_or(crate::DEVICE_TOKEN_DAYS))?;
    let (id, secret, expires_at) =
        crate::accounts::add_device(&app.store, &by, &checkpoint, &name, days, app.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(DeviceCreated {
            id,
            checkpoint,
            name,
            token: secret.expose().to_string(),
            expires_at: bounds::rfc3339(expires_at),
        }),
    )
        .into_response())
}

/// Revokes a device: its tokens stop working at once (administrators).
#[utoipa::path(post, path = "/devices/{id}/revoke", tag = "accounts",
    params(("id" = i64, Path)),
    responses((status = 200, body = DeviceRevoked)))]
pub async fn device_revoke<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeviceRevoked>> {
    let by = admin(&who)?;
    crate::accounts::revoke_device(&app.store, &by, id, app.now()).await?;
    Ok(Json(DeviceRevoked { id, revoked: true }))
}

/// Disables an account: it can no longer sign in, and its sessions and tokens stop working
/// (administrators).
#[utoipa::path(post, path = "/users/{username}/disable", tag = "accounts",
    params(("username" = inline(domain::Username), Path)),
    responses((status = 200, body = UserDisabled)))]
pub async fn user_disable<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(username): Path<String>,
) -> ApiResult<Json<UserDisabled>> {
    let by = admin(&who)?;
    let username = domain::Username::parse(&username)?;
    crate::accounts::disable_user(&app.store, &by, &username, app.now()).await?;
    Ok(Json(UserDisabled { username, disabled: true }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub actor: domain::Actor,
}

/// Who the token or session belongs to.
#[utoipa::path(get, path = "/me", tag = "accounts",
    responses((status = 200, body = MeResponse)))]
pub async fn me(who: Authed) -> Json<MeResponse> {
    Json(MeResponse { actor: who.actor })
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

/// This description of the API (OpenAPI 3.1).
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "the OpenAPI document", content_type = "application/json")))]
pub async fn openapi() -> Response {
    crate::openapi::serve()
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}
