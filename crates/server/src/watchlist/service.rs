//! Watchlist entries checked and stored, and alerts decided.

use crate::app::{Acting, App, AuditFailed};
use domain::Country;
use domain::DocumentNumber;
use domain::Sex;
use domain::WatchAction;
use domain::bounds;
use domain::{AlertScope, InvalidValue, WatchlistRight};
use serde::Deserialize;
use serde_json::json;
use store::AlertStatus;
use store::AuditAction;
use store::Store;
use store::StoreError;
use store::WatchDob;
use store::WatchDocument;
use store::WatchEntry;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchDocumentRequest {
    #[schema(value_type = Option<domain::Country>)]
    pub issuing_state: Option<String>,
    #[schema(value_type = domain::DocumentNumber)]
    pub number: String,
}

/// A watchlist entry as sent, and as read back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchRequest {
    /// At most 200 characters, with letters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// At most 20.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `YYYY-MM-DD`, or `YYYY` when only the year is known.
    pub birth_date: Option<String>,
    #[schema(value_type = Option<domain::Country>)]
    pub nationality: Option<String>,
    #[schema(value_type = Option<domain::Sex>)]
    pub sex: Option<String>,
    /// At most 20.
    #[serde(default)]
    pub documents: Vec<WatchDocumentRequest>,
    #[schema(value_type = domain::WatchAction)]
    pub action: String,
    /// Why the person is listed: at most 2,000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: String,
    #[schema(value_type = Option<domain::schema::Day>)]
    pub valid_until: Option<String>,
}

/// The most aliases and documents one watchlist entry may carry.
pub const MAX_ALIASES: usize = 20;

pub const MAX_DOCUMENTS: usize = 20;

/// Why a watchlist action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum WatchlistError {
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    #[error(transparent)]
    Forbidden(#[from] domain::Forbidden),
    #[error("{0} not found")]
    NotFound(String),
    #[error("alert {id} is already {status}")]
    AlertClosed { id: i64, status: &'static str },
    /// Ours: the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] AuditFailed),
}

type Result<T> = std::result::Result<T, WatchlistError>;

impl WatchRequest {
    /// The entry it asks for, every value checked.
    pub fn read(self, id: String) -> std::result::Result<WatchEntry, InvalidValue> {
        let r = self;
        let name = bounds::clean_line("name", &r.name, bounds::NAME_MAX)?;
        if screen::normalize::tokens(&name).is_empty() {
            return Err(InvalidValue::new("name", "a name has letters").vi("Họ tên phải có chữ"));
        }
        if r.aliases.len() > MAX_ALIASES {
            return Err(InvalidValue::new("aliases", format!("at most {MAX_ALIASES}")));
        }
        if r.documents.len() > MAX_DOCUMENTS {
            return Err(InvalidValue::new("documents", format!("at most {MAX_DOCUMENTS}")));
        }
        let aliases = r
            .aliases
            .iter()
            .map(|a| bounds::clean_line("aliases", a, bounds::NAME_MAX))
            .filter(|a| !a.as_ref().is_ok_and(String::is_empty))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let reason = bounds::clean_text("reason", &r.reason, bounds::NOTE_MAX)?;
        let nonblank = |s: &Option<String>| {
            s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
        };
        let birth_date = nonblank(&r.birth_date)
            .map(|s| {
                WatchDob::parse(&s).ok_or_else(|| {
                    InvalidValue::new(
                        "birth_date",
                        format!("{s:?} is not YYYY-MM-DD, YYYY-MM or YYYY"),
                    )
                    .vi(format!("«{s}» không phải ngày sinh (ngày/tháng/năm) hay năm sinh"))
                })
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
            .collect::<std::result::Result<Vec<_>, InvalidValue>>()?;
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
}

/// Lists a person (`replacing` none), or replaces the entry of that id, which must exist; the
/// index of this process is updated at once, the others' by the change log.
pub async fn put_watch_entry<S: Store>(
    app: &App<S>,
    _right: &WatchlistRight,
    by: &Acting,
    replacing: Option<String>,
    asked: WatchRequest,
) -> Result<WatchEntry> {
    let id = match replacing {
        Some(id) => {
            if app.store.watch_entry(&id).await?.is_none() {
                return Err(WatchlistError::NotFound(format!("watchlist entry {id}")));
            }
            id
        }
        None => new_watch_id(),
    };
    let entry = asked.read(id)?;
    app.store.put_watch_entry(&entry, &by.actor, app.now()).await?;
    let entry = &entry;
    if let Err(e) = app.watchlist_mut().put(entry) {
        tracing::warn!(entry = %entry.id, error = %e, "watchlist entry not indexed");
    }
    app.audit(by.audit(AuditAction::WatchlistPut, format!("watch:{}", entry.id), json!({})))
        .await?;
    Ok(entry.clone())
}

/// Takes an entry off the list, here at once and in the other processes by the change log.
pub async fn remove_watch_entry<S: Store>(
    app: &App<S>,
    _right: &WatchlistRight,
    by: &Acting,
    id: &str,
) -> Result<()> {
    if !app.store.remove_watch_entry(id, app.now()).await? {
        return Err(WatchlistError::NotFound(format!("watchlist entry {id}")));
    }
    app.watchlist_mut().remove(id);
    app.audit(by.audit(AuditAction::WatchlistRemove, format!("watch:{id}"), json!({}))).await?;
    Ok(())
}

/// An entry, its reading audited.
pub async fn read_watch_entry<S: Store>(
    app: &App<S>,
    _right: &WatchlistRight,
    by: &Acting,
    id: &str,
) -> Result<WatchEntry> {
    let e = app
        .store
        .watch_entry(id)
        .await?
        .ok_or_else(|| WatchlistError::NotFound(format!("watchlist entry {id}")))?;
    app.audit(by.audit(AuditAction::WatchlistRead, format!("watch:{id}"), json!({}))).await?;
    Ok(e)
}

fn new_watch_id() -> String {
    format!("W{}", &uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase())
}

/// An officer's decision on an alert of their scope.
pub async fn decide_alert<S: Store>(
    app: &App<S>,
    scope: &AlertScope,
    by: &Acting,
    id: i64,
    status: AlertStatus,
    note: Option<&str>,
) -> Result<store::AlertRecord> {
    let note = note
        .map(|n| domain::bounds::clean_text("note", n, 1_000))
        .transpose()?
        .filter(|n| !n.is_empty());
    let not_found = || WatchlistError::NotFound(format!("alert {id}"));
    let alert = app.store.alert(id).await?.ok_or_else(not_found)?;
    if let AlertScope::Checkpoint(cp) = scope
        && &alert.checkpoint != cp
    {
        return Err(domain::Forbidden(format!("alert {id} belongs to {}", alert.checkpoint)).into());
    }
    if !app.store.decide_alert(id, status, &by.actor, note.as_deref(), app.now()).await? {
        return Err(WatchlistError::AlertClosed { id, status: alert.status.as_str() });
    }
    app.audit(by.audit(AuditAction::AlertDecide, format!("alert:{id}"), json!({"status": status})))
        .await?;
    app.store.alert(id).await?.ok_or_else(not_found)
}

/// Applies to this process's index the watchlist changes made since it was last brought up to
/// date, by this process or another; how many entries changed.
pub async fn catch_up<S: Store>(app: &App<S>) -> store::Result<usize> {
    let mut total = 0;
    loop {
        let after = app.watchlist().applied_seq;
        let (ids, seq) = crate::watchlist::index::Watchlist::pending(&app.store, after).await?;
        if seq == after {
            return Ok(total);
        }
        // Many to a statement: a node's first copy of the list brings a million changes.
        let fresh = app.store.watch_entries_by_id(&ids).await?;
        let live: std::collections::HashSet<&str> = fresh.iter().map(|e| e.id.as_str()).collect();
        let mut list = app.watchlist_mut();
        for e in &fresh {
            if let Err(err) = list.put(e) {
                tracing::warn!(entry = %e.id, error = %err, "watchlist entry not indexed");
            }
        }
        for id in ids.iter().filter(|id| !live.contains(id.as_str())) {
            list.remove(id);
        }
        list.applied_seq = list.applied_seq.max(seq);
        total += ids.len();
    }
}

/// The alerts of a scope, newest first, `limit` from the `offset`th, with how many there are;
/// the reading audited.
pub async fn list_alerts<S: Store>(
    app: &App<S>,
    scope: &AlertScope,
    by: &Acting,
    status: Option<AlertStatus>,
    offset: u64,
    limit: u32,
) -> Result<(Vec<store::AlertRecord>, u64)> {
    let (list, total) = app.store.alerts(scope, status, offset, limit.clamp(1, 5_000)).await?;
    let detail = json!({"count": list.len(), "offset": offset});
    app.audit(by.audit(AuditAction::AlertsRead, "alerts".into(), detail)).await?;
    Ok((list, total))
}

/// What the list's page asks for: words of a name or an id, and an action.
#[derive(Debug, Clone, Default)]
pub struct WatchFilter {
    pub text: String,
    pub action: Option<domain::WatchAction>,
}

/// A page of the list (`limit` entries from the `offset`th, in id order) with how many match;
/// the reading audited.
pub async fn find_entries<S: Store>(
    app: &App<S>,
    _right: &WatchlistRight,
    by: &Acting,
    filter: &WatchFilter,
    offset: u64,
    limit: u32,
) -> Result<(Vec<WatchEntry>, u64)> {
    let (list, total) = if filter.text.trim().is_empty() && filter.action.is_none() {
        let list = app.store.watch_entries_at(offset, limit).await?;
        (list, app.store.watch_entry_count().await?)
    } else {
        let ids = app.watchlist().find(&filter.text, filter.action);
        let total = ids.len() as u64;
        let mut list = Vec::with_capacity(limit as usize);
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        for id in ids.iter().skip(start).take(limit as usize) {
            if let Some(e) = app.store.watch_entry(id).await? {
                list.push(e);
            }
        }
        (list, total)
    };
    app.audit(by.audit(
        AuditAction::WatchlistList,
        format!("watchlist:find:{}", domain::bounds::clip(&filter.text)),
        json!({"count": list.len(), "offset": offset,
               "action": filter.action.map(|a| a.as_str())}),
    ))
    .await?;
    Ok((list, total))
}
