//! Watchlist entries checked and stored, and alerts decided.

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::Authed;
use crate::http::json_body;
use axum::http::StatusCode;
use domain::Country;
use domain::DocumentNumber;
use domain::Sex;
use domain::WatchAction;
use domain::bounds;
use serde::Deserialize;
use serde_json::json;
use store::AlertStatus;
use store::AuditAction;
use store::Store;
use store::WatchDob;
use store::WatchDocument;
use store::WatchEntry;
use utoipa::ToSchema;

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
