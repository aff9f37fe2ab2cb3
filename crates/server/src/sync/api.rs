//! The sync's routes (`docs/sync.md`): at headquarters the nodes' protocol (enrol, up, down,
//! history, with the node's credential, bodies gzip-compressed JSON) and the network for
//! administrators and analysts; at a node its health, the switch of its link, and the refusal
//! of what only headquarters does.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::Store;
use store::sync::NodeRecord;
use utoipa::ToSchema;

use crate::accounts::credentials::token_digest;
use crate::app::{Acting, App};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Authed, ClientIp, client_ip};
use crate::http::json_body;
use crate::sync::service::{self, SyncError};
use crate::sync::wire;

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Invalid(e) => e.into(),
            SyncError::Protocol(m) => ApiError::bad_request("sync_protocol", m),
            SyncError::OtherCheckpoint(m) => {
                ApiError::new(StatusCode::FORBIDDEN, "other_checkpoint", m)
            }
            SyncError::UnknownSecret => ApiError::new(
                StatusCode::FORBIDDEN,
                "unknown_secret",
                "no such enrolment secret: it was used, revoked, or never issued",
            ),
            SyncError::UnknownCheckpoint(c) => ApiError::not_found(format!("checkpoint {c}")),
            SyncError::Store(e) => e.into(),
            SyncError::Audit(e) => e.into(),
        }
    }
}

/// A checkpoint node calling headquarters with its credential.
#[derive(Debug)]
pub struct NodeCaller {
    pub node: NodeRecord,
    pub ip: Option<String>,
}

impl<S: Store> FromRequestParts<App<S>> for NodeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "send the node's credential as a bearer token",
                )
            })?;
        let node =
            app.store.node_by_credential(&token_digest(token.trim())).await?.ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "this node's credential is unknown or revoked: enrol the node again",
                )
            })?;
        Ok(NodeCaller { node, ip: client_ip(parts).map(|i| i.to_string()) })
    }
}

/// A message's body, gzip-compressed JSON, read within its bounds.
fn read_packed<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> ApiResult<T> {
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    if !gzip {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "sync_protocol",
            "a sync message is gzip-compressed JSON (Content-Encoding: gzip)",
        ));
    }
    if body.len() > wire::MAX_COMPRESSED {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "a sync message is at most 8 MiB compressed",
        ));
    }
    wire::unpack(body).map_err(|e| ApiError::bad_request("sync_protocol", e.to_string()))
}

fn packed<T: Serialize>(value: &T) -> ApiResult<Response> {
    let body = wire::pack(value).map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "application/json"), (header::CONTENT_ENCODING, "gzip")], body)
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrolAsk {
    secret: String,
    protocol: u32,
}

#[derive(Serialize)]
struct EnrolAnswer {
    checkpoint: String,
    credential: String,
    /// The key the node links its audit trail under (hexadecimal), where headquarters has one.
    audit_key: Option<String>,
}

/// `POST /api/v1/sync/enrol`: a node spends its one-time secret for its credential.
pub async fn enrol<S: Store>(
    State(app): State<App<S>>,
    ClientIp(ip): ClientIp,
    body: Bytes,
) -> ApiResult<Response> {
    if let Some(link) = &app.node {
        return Err(at_headquarters(link));
    }
    let ask: EnrolAsk = json_body(&body)?;
    if ask.protocol != wire::PROTOCOL {
        return Err(ApiError::bad_request(
            "sync_protocol",
            format!("this headquarters speaks sync protocol {}", wire::PROTOCOL),
        ));
    }
    let by = Acting { actor: "node:enrolling".into(), ip: ip.map(|i| i.to_string()) };
    let enrolled = service::enrol(&app, &ask.secret, &by).await?;
    Ok(Json(EnrolAnswer {
        checkpoint: enrolled.checkpoint.to_string(),
        credential: enrolled.credential.expose().to_string(),
        audit_key: enrolled.audit_key.map(hex::encode),
    })
    .into_response())
}

/// `POST /api/v1/sync/up`: a node's crossings and audit records.
pub async fn up<S: Store>(
    State(app): State<App<S>>,
    caller: NodeCaller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let up: wire::Up = read_packed(&headers, &body)?;
    let answer = service::receive_up(&app, &caller.node, up, caller.ip).await?;
    packed(&answer)
}

/// `POST /api/v1/sync/down`: what changed for a node since where it stands.
pub async fn down<S: Store>(
    State(app): State<App<S>>,
    caller: NodeCaller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let down: wire::Down = read_packed(&headers, &body)?;
    let answer = service::answer_down(&app, &caller.node, down).await?;
    packed(&answer)
}

/// `POST /api/v1/sync/history`: a traveller's crossings nationwide, for a node's check.
pub async fn history<S: Store>(
    State(app): State<App<S>>,
    caller: NodeCaller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let ask: wire::HistoryAsk = read_packed(&headers, &body)?;
    let answer = service::history_for_node(&app, &caller.node, ask, caller.ip).await?;
    packed(&answer)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NodeView {
    /// The checkpoint whose node this is.
    pub checkpoint: String,
    /// When headquarters last heard from it (RFC 3339), if ever.
    #[schema(value_type = Option<domain::schema::Instant>)]
    pub last_contact: Option<String>,
    /// Records waiting at the node to come up, as it last said.
    pub backlog: i64,
    /// The node's version, as it last said.
    pub version: Option<String>,
    /// `waiting` (secret issued, not yet enrolled), `enrolled` or `revoked`.
    pub state: &'static str,
    /// The node's clock less headquarters', in milliseconds, as last measured.
    pub clock_offset_ms: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NodesResponse {
    pub nodes: Vec<NodeView>,
    /// Records nodes sent under ids already stored with another body, newest first (at most
    /// 50).
    pub conflicts: Vec<ConflictView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictView {
    pub node: String,
    pub kind: String,
    pub record_id: String,
    #[schema(value_type = domain::schema::Instant)]
    pub received_at: String,
}

pub fn node_state(n: &NodeRecord) -> &'static str {
    if n.revoked_at.is_some() {
        "revoked"
    } else if n.enrolled_at.is_some() {
        "enrolled"
    } else {
        "waiting"
    }
}

/// Every checkpoint node: its last contact, backlog and version; administrators and analysts.
#[utoipa::path(get, path = "/nodes", tag = "nodes",
    responses((status = 200, body = NodesResponse)))]
pub async fn nodes<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
) -> ApiResult<Json<NodesResponse>> {
    let right = who.actor.see_nodes()?;
    let (nodes, conflicts) = service::nodes(&app, &right, &who.acting()).await?;
    Ok(Json(NodesResponse {
        nodes: nodes
            .iter()
            .map(|n| NodeView {
                checkpoint: n.checkpoint.to_string(),
                last_contact: n.last_contact.map(domain::bounds::rfc3339),
                backlog: n.backlog,
                version: n.version.clone(),
                state: node_state(n),
                clock_offset_ms: n.clock_offset_ms,
            })
            .collect(),
        conflicts: conflicts
            .iter()
            .map(|c| ConflictView {
                node: c.node.to_string(),
                kind: c.kind.clone(),
                record_id: c.record_id.clone(),
                received_at: domain::bounds::rfc3339(c.received_at),
            })
            .collect(),
    }))
}

/// `GET /healthz`: `ok` at headquarters; a node's link, backlog and the age of what it holds.
pub async fn healthz<S: Store>(State(app): State<App<S>>) -> ApiResult<Response> {
    let Some(link) = app.node.clone() else {
        return Ok(Json(serde_json::json!({"role": "hq", "ok": true})).into_response());
    };
    let h = service::health(&app, &link).await?;
    let t = |t: Option<time::OffsetDateTime>| t.map(domain::bounds::rfc3339);
    Ok(Json(serde_json::json!({
        "role": "checkpoint",
        "checkpoint": h.checkpoint,
        "connected": h.connected,
        "switched_off": h.switched_off,
        "since": domain::bounds::rfc3339(h.since),
        "backlog": h.backlog,
        "watchlist_as_of": t(h.watchlist_as_of),
        "revocations_as_of": t(h.trust_as_of),
        "clock_offset_ms": h.clock_offset_ms,
        "clock_off": h.clock_off(),
        "last_error": h.last_error,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkAsk {
    up: bool,
}

/// `POST /api/v1/admin/link` at a node: `{"up": false}` cuts its link to headquarters by
/// hand, `{"up": true}` restores it; the post's commander.
pub async fn link<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: Bytes,
) -> ApiResult<Response> {
    let Some(link) = app.node.clone() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_a_node",
            "this is headquarters: only a checkpoint node has a link to cut",
        ));
    };
    match who.actor.role() {
        Some(domain::Role::Commander | domain::Role::Admin) => {}
        _ => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "only the post's commander switches the link",
            ));
        }
    }
    let ask: LinkAsk = json_body(&body)?;
    service::switch_link(&app, &link, ask.up, &who.acting()).await?;
    Ok(Json(serde_json::json!({"up": ask.up})).into_response())
}

/// The refusal of what only headquarters does, with where the link stands: where to go while
/// it is up, since when it is down otherwise.
fn at_headquarters(link: &crate::sync::link::NodeLink) -> ApiError {
    let st = link.status();
    let local = domain::bounds::at_offset(st.since, domain::bounds::VIETNAM);
    let hm = format!("{:02}:{:02}", local.hour(), local.minute());
    let (en, vi) = if st.connected {
        (
            format!("this is a checkpoint node: this is done at headquarters, {}", link.hq_url),
            format!(
                "Đây là máy trạm của cửa khẩu: việc này làm tại Bộ Tư lệnh (trung tâm), {}",
                link.hq_url
            ),
        )
    } else {
        let day = domain::day_vi(local.date());
        let (why_en, why_vi) = if link.switched_off() {
            ("its link switched off here", "đường truyền bị tắt tại đây")
        } else {
            ("unreachable", "mất liên lạc")
        };
        (
            format!(
                "this is a checkpoint node: this is done at headquarters, {why_en} since {hm} on {}; \
                 what this post records meanwhile goes up when the link is back",
                local.date()
            ),
            format!(
                "Đây là máy trạm của cửa khẩu: việc này làm tại Bộ Tư lệnh (trung tâm), {why_vi} \
                 từ {hm} ngày {day}; những gì cửa khẩu ghi trong lúc này sẽ gửi lên khi có lại đường truyền"
            ),
        )
    };
    let mut e = ApiError::new(StatusCode::CONFLICT, "headquarters_only", en);
    e.vietnamese = Some(vi);
    e
}

/// At a node, what only headquarters does is refused plainly: the watchlist's, accounts' and
/// keys' changes, the nation's statistics, the port's filings and the permits' issue. This is
/// the API's layer; the pages have [`headquarters_only_pages`], inside the layer that makes
/// every page's error a page.
pub async fn headquarters_only<S: Store>(
    State(app): State<App<S>>,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    headquarters_only_pages(State(app), request, next).await
}

pub async fn headquarters_only_pages<S: Store>(
    State(app): State<App<S>>,
    request: Request,
    next: Next,
) -> Response {
    match &app.node {
        Some(link) if hq_only(request.method(), request.uri().path()) => {
            at_headquarters(link).into_response()
        }
        _ => next.run(request).await,
    }
}

fn hq_only(method: &Method, path: &str) -> bool {
    let write = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    // Pages and API alike.
    if under("/stats")
        || under("/api/v1/stats")
        || under("/register")
        || under("/admin/accounts")
        || under("/admin/devices")
        || under("/api/v1/agencies")
        || under("/agency")
    {
        return true;
    }
    if !write {
        return false;
    }
    under("/watchlist")
        || under("/api/v1/watchlist")
        || under("/api/v1/devices")
        || under("/api/v1/users")
        || under("/dossiers")
        || under("/api/v1/dossiers")
        || path == "/permits"
        || path == "/api/v1/permits"
        || (path.starts_with("/permits/") && path.ends_with("/revoke"))
        || (path.starts_with("/api/v1/permits/") && path.ends_with("/revoke"))
        || under("/api/v1/sync")
        || path == "/api/v1/egate/thresholds"
        || path == "/gates/thresholds"
}
