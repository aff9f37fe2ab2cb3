//! The JSON API under `/api/v1`.

use std::time::Instant;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::bounds;
use domain::{
    Channel, CheckpointCode, Country, Decision, Direction, DocumentNumber, Sex, WatchAction,
};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::{
    AlertStatus, CrossingAlert, NewCrossing, NewToken, RecordOutcome, RecordedBy, Store, TokenKind,
    TokenOwner, WatchDob, WatchDocument, WatchEntry,
};
use time::OffsetDateTime;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    username: String,
    password: String,
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
    let event = |action: &str| store::AuditEvent {
        actor: format!("user:{name}"),
        ip: ip.map(|i| i.to_string()),
        action: action.into(),
        subject: format!("user:{name}"),
        detail: "{}".into(),
    };
    match user {
        Some(u) if ok => {
            app.throttle.succeeded(&name, ip, Instant::now());
            app.audit(event("auth.sign_in")).await?;
            Ok(u)
        }
        _ => {
            app.throttle.failed(&name, ip, Instant::now());
            app.audit(event("auth.sign_in_failed")).await?;
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "wrong user name or password",
            ))
        }
    }
}

pub async fn token<S: Store>(
    State(app): State<App<S>>,
    ClientIp(ip): ClientIp,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
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
    Ok(Json(json!({"token": secret.expose(), "expires_in": TOKEN_HOURS * 3600})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    checkpoint: String,
    direction: String,
    document: Value,
}

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
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CrossingRequest {
    id: String,
    checkpoint: String,
    direction: String,
    document: Value,
    channel: String,
    at: Option<String>,
    /// The decision already made where the traveller stood (an e-gate, a post working
    /// offline). Without it the platform decides, screens and raises alerts itself.
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

pub async fn record_batch<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
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
    let answers: Vec<Value> = results
        .into_iter()
        .map(|r| match r {
            ItemResult::Stored { created, record } => json!({
                "status": if created { 201 } else { 200 },
                "record": record,
            }),
            ItemResult::Failed(e) => json!({
                "status": e.status.as_u16(),
                "error": {"code": e.code, "message": e.message},
            }),
        })
        .collect();
    Ok(Json(json!({"results": answers})))
}

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    pub issuing_state: Option<String>,
    pub number: Option<String>,
    pub name: Option<String>,
    pub birth_date: Option<String>,
    pub limit: Option<u32>,
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
    app.audit(who.audit("history.read", subject, json!({"found": found.len()}))).await?;
    Ok(found)
}

pub async fn history<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<Value>> {
    let found = find_history(&app, &who, &q).await?;
    let mut matches: Vec<Value> = found
        .iter()
        .map(|(t, crossings)| json!({"traveller": t.document, "crossings": crossings}))
        .collect();
    if q.name.is_some() {
        return Ok(Json(json!({"matches": matches})));
    }
    matches
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no traveller with this document has crossed"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchDocumentRequest {
    issuing_state: Option<String>,
    number: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchRequest {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    birth_date: Option<String>,
    nationality: Option<String>,
    sex: Option<String>,
    #[serde(default)]
    documents: Vec<WatchDocumentRequest>,
    action: String,
    #[serde(default)]
    reason: String,
    valid_until: Option<String>,
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
    app.audit(who.audit("watchlist.put", format!("watch:{}", entry.id), json!({}))).await?;
    Ok(())
}

pub fn new_watch_id() -> String {
    format!("W{}", &uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase())
}

pub async fn watch_create<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    who.actor.manage_watchlist()?;
    let entry = parse_watch_entry(new_watch_id(), &body)?;
    save_watch_entry(&app, &who, &entry).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": entry.id}))).into_response())
}

pub async fn watch_update<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    who.actor.manage_watchlist()?;
    if app.store.watch_entry(&id).await?.is_none() {
        return Err(ApiError::not_found(format!("watchlist entry {id}")));
    }
    let entry = parse_watch_entry(id, &body)?;
    save_watch_entry(&app, &who, &entry).await?;
    Ok(Json(json!({"id": entry.id})))
}

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
    app.audit(who.audit("watchlist.remove", format!("watch:{id}"), json!({}))).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn watch_json(e: &WatchEntry) -> Value {
    json!({
        "id": e.id,
        "name": e.name,
        "aliases": e.aliases,
        "birth_date": e.birth_date.map(|d| d.to_string()),
        "nationality": e.nationality,
        "sex": e.sex,
        "documents": e.documents.iter().map(|d| json!({"issuing_state": d.issuing_state, "number": d.number})).collect::<Vec<_>>(),
        "action": e.action,
        "reason": e.reason,
        "valid_until": e.valid_until.map(|d| d.to_string()),
    })
}

pub async fn watch_get<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    who.actor.manage_watchlist()?;
    let e = app
        .store
        .watch_entry(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("watchlist entry {id}")))?;
    app.audit(who.audit("watchlist.read", format!("watch:{id}"), json!({}))).await?;
    Ok(Json(watch_json(&e)))
}

#[derive(Debug, Deserialize)]
pub struct AlertQuery {
    status: Option<String>,
    limit: Option<u32>,
}

pub async fn alerts<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Query(q): Query<AlertQuery>,
) -> ApiResult<Json<Value>> {
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
    app.audit(who.audit("alerts.read", "alerts".into(), json!({"count": list.len()}))).await?;
    Ok(Json(json!({"alerts": list})))
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
    app.audit(who.audit("alert.decide", format!("alert:{id}"), json!({"status": status}))).await?;
    app.store.alert(id).await?.ok_or_else(|| ApiError::not_found(format!("alert {id}")))
}

pub async fn alert_confirm<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<i64>,
) -> ApiResult<Json<store::AlertRecord>> {
    decide_alert(&app, &who, id, AlertStatus::Confirmed).await.map(Json)
}

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

pub async fn devices<S: Store>(State(app): State<App<S>>, who: Authed) -> ApiResult<Json<Value>> {
    admin(&who)?;
    Ok(Json(json!({"devices": app.store.devices().await?})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceRequest {
    checkpoint: String,
    name: String,
    days: Option<i64>,
}

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
        Json(json!({
            "id": id, "checkpoint": checkpoint, "name": name, "token": secret.expose(),
            "expires_at": bounds::rfc3339(expires_at),
        })),
    )
        .into_response())
}

pub async fn device_revoke<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let by = admin(&who)?;
    crate::accounts::revoke_device(&app.store, &by, id, app.now()).await?;
    Ok(Json(json!({"id": id, "revoked": true})))
}

pub async fn user_disable<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(username): Path<String>,
) -> ApiResult<Json<Value>> {
    let by = admin(&who)?;
    let username = domain::Username::parse(&username)?;
    crate::accounts::disable_user(&app.store, &by, &username, app.now()).await?;
    Ok(Json(json!({"username": username, "disabled": true})))
}

pub async fn me(who: Authed) -> Json<Value> {
    Json(json!({"actor": who.actor}))
}

pub async fn checkpoints<S: Store>(State(app): State<App<S>>) -> Json<Value> {
    let mut list: Vec<&domain::Checkpoint> = app.checkpoints.values().collect();
    list.sort_by(|a, b| a.code.cmp(&b.code));
    Json(json!({"checkpoints": list}))
}

pub async fn openapi() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], include_str!("../openapi.json"))
        .into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}
