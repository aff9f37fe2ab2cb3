//! The watchlist's and the alerts' API.

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::Authed;
use crate::http::json_body;
use crate::watchlist::service::WatchRequest;
use crate::watchlist::service::{
    WatchlistError, decide_alert, list_alerts, put_watch_entry, read_watch_entry,
    remove_watch_entry,
};
use axum::Json;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use domain::DocumentNumber;
use domain::WatchAction;
use serde::Deserialize;
use serde::Serialize;
use store::AlertStatus;
use store::Store;
use store::WatchEntry;
use utoipa::IntoParams;
use utoipa::ToSchema;

impl From<WatchlistError> for ApiError {
    fn from(e: WatchlistError) -> Self {
        match e {
            WatchlistError::Invalid(e) => e.into(),
            WatchlistError::Forbidden(e) => e.into(),
            WatchlistError::NotFound(_) => ApiError::not_found(e.to_string()),
            WatchlistError::AlertClosed { .. } => {
                ApiError::new(StatusCode::CONFLICT, "alert_closed", e.to_string())
            }
            WatchlistError::Store(e) => e.into(),
            WatchlistError::Audit(e) => e.into(),
        }
    }
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
    #[schema(value_type = Option<domain::schema::Day>)]
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

/// Lists a person (headquarters' analysts and administrators).
#[utoipa::path(post, path = "/watchlist", tag = "watchlist",
    request_body = WatchRequest,
    responses((status = 201, body = IdResponse)))]
pub async fn watch_create<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let right = who.actor.manage_watchlist()?;
    let asked: WatchRequest = json_body(&body)?;
    let entry = put_watch_entry(&app, &right, &who.acting(), None, asked).await?;
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
    let right = who.actor.manage_watchlist()?;
    let asked: WatchRequest = json_body(&body)?;
    let entry = put_watch_entry(&app, &right, &who.acting(), Some(id), asked).await?;
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
    let right = who.actor.manage_watchlist()?;
    remove_watch_entry(&app, &right, &who.acting(), &id).await?;
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
    let right = who.actor.manage_watchlist()?;
    let e = read_watch_entry(&app, &right, &who.acting(), &id).await?;
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
    /// Alerts to pass over, newest first (0).
    offset: Option<u32>,
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
    /// How many alerts of this status the caller handles in all.
    pub total: u64,
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
    let limit = q.limit.unwrap_or(100).min(1_000);
    let offset = u64::from(q.offset.unwrap_or(0));
    let (alerts, total) = list_alerts(&app, &scope, &who.acting(), status, offset, limit).await?;
    Ok(Json(AlertsResponse { alerts, total }))
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
    let scope = who.actor.alerts()?;
    Ok(Json(decide_alert(&app, &scope, &who.acting(), id, AlertStatus::Confirmed, None).await?))
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
    let scope = who.actor.alerts()?;
    Ok(Json(decide_alert(&app, &scope, &who.acting(), id, AlertStatus::Dismissed, None).await?))
}
