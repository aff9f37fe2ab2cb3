//! The watchlist and alerts as pages.

use crate::app::App;
use crate::http::error::ApiError;
use crate::watchlist::service::{
    WatchDocumentRequest, WatchRequest, WatchlistError, decide_alert, put_watch_entry,
};
use crate::web::CsrfForm;
use crate::web::Ctx;
use crate::web::Page;
use crate::web::check_csrf;
use crate::web::i18n::thousands;
use crate::web::redirect;
use crate::web::vn_date;
use crate::web::vn_time;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use serde::Deserialize;
use store::AlertStatus;
use store::Store;

// ---------------------------------------------------------------- watchlist

#[derive(Debug)]
pub struct EntryView {
    pub id: String,
    pub name: String,
    pub aliases: String,
    pub birth_date: String,
    pub nationality: String,
    pub action: &'static str,
    pub reason: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "watchlist.html")]
pub struct WatchlistPage {
    ctx: Ctx,
    total: String,
    entries: Vec<EntryView>,
    next_after: Option<String>,
    notice: Option<String>,
    errors: Vec<String>,
    form: WatchForm,
}

#[derive(Debug, Default, Deserialize)]
pub struct WatchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    aliases: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    document_state: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Deserialize)]
pub struct AfterQuery {
    after: Option<String>,
}

async fn watchlist_page<S: Store>(
    app: &App<S>,
    page: &Page,
    after: Option<&str>,
) -> Result<WatchlistPage, ApiError> {
    let t = page.ctx.t;
    let right = page.who.actor.manage_watchlist()?;
    let (list, total) =
        crate::watchlist::service::list_entries(app, &right, &page.who.acting(), after, 50).await?;
    let next_after = (list.len() == 50).then(|| list.last().map(|e| e.id.clone())).flatten();
    Ok(WatchlistPage {
        ctx: page.ctx.clone(),
        total: thousands(total as i64, t.lang),
        entries: list
            .iter()
            .map(|e| EntryView {
                id: e.id.clone(),
                name: e.name.clone(),
                aliases: e.aliases.join("; "),
                birth_date: e
                    .birth_date
                    .map(|d| match d {
                        store::WatchDob::Date(d) => vn_date(Some(d)),
                        store::WatchDob::Year(y) => y.to_string(),
                    })
                    .unwrap_or_default(),
                nationality: e.nationality.map(|c| c.to_string()).unwrap_or_default(),
                action: t.action_word(e.action),
                reason: e.reason.clone(),
            })
            .collect(),
        next_after,
        notice: None,
        errors: Vec::new(),
        form: WatchForm { action: "refer".into(), ..Default::default() },
    })
}

pub async fn watchlist<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<AfterQuery>,
) -> Response {
    if let Err(e) = page.who.actor.manage_watchlist() {
        return ApiError::from(e).into_response();
    }
    match watchlist_page(&app, &page, q.after.as_deref()).await {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn watchlist_add<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<WatchForm>,
) -> Response {
    if let Err(r) = check_csrf(&page, &f.csrf) {
        return r.into_response();
    }
    if let Err(e) = page.who.actor.manage_watchlist() {
        return ApiError::from(e).into_response();
    }
    let asked = WatchRequest {
        name: f.name.clone(),
        aliases: f
            .aliases
            .split(';')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect(),
        birth_date: Some(crate::web::typed_date(&f.birth_date)),
        nationality: Some(f.nationality.clone()),
        sex: Some(f.sex.clone()),
        documents: if f.document_number.trim().is_empty() {
            Vec::new()
        } else {
            vec![WatchDocumentRequest {
                issuing_state: Some(f.document_state.clone()),
                number: f.document_number.clone(),
            }]
        },
        action: f.action.clone(),
        reason: f.reason.clone(),
        valid_until: None,
    };
    let right = match page.who.actor.manage_watchlist() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let result = put_watch_entry(&app, &right, &page.who.acting(), None, asked).await;
    // Saved first, so that the page shown after counts the new entry.
    let (notice, error) = match result {
        Ok(entry) => (Some(format!("{}: {} ({})", page.ctx.t.saved, entry.name, entry.id)), None),
        Err(WatchlistError::Invalid(e)) => (None, Some(e.to_string())),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut view = match watchlist_page(&app, &page, None).await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    view.notice = notice;
    match error {
        None => view.into_response(),
        Some(message) => {
            view.errors.push(message);
            view.form = f;
            (StatusCode::BAD_REQUEST, view).into_response()
        }
    }
}

// ---------------------------------------------------------------- alerts

#[derive(Debug)]
pub struct AlertView {
    pub id: i64,
    pub when: String,
    pub checkpoint: String,
    pub traveller: String,
    pub document: String,
    pub entry: String,
    pub action: &'static str,
    pub score: String,
    pub status: &'static str,
    pub open: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    ctx: Ctx,
    status: String,
    alerts: Vec<AlertView>,
}

#[derive(Debug, Deserialize)]
pub struct StatusQuery {
    status: Option<String>,
}

async fn alerts_page<S: Store>(
    app: &App<S>,
    page: &Page,
    status: &str,
) -> Result<AlertsPage, ApiError> {
    let t = page.ctx.t;
    let scope = page.who.actor.alerts()?;
    let filter = AlertStatus::parse(status);
    let list = crate::watchlist::service::list_alerts(app, &scope, &page.who.acting(), filter, 200)
        .await?;
    Ok(AlertsPage {
        ctx: page.ctx.clone(),
        status: status.to_string(),
        alerts: list
            .iter()
            .map(|a| AlertView {
                id: a.id,
                when: vn_time(a.raised_at),
                checkpoint: a.checkpoint.to_string(),
                traveller: a.traveller_name.clone(),
                document: a.traveller_document.clone(),
                entry: format!("{} ({})", a.entry_name, a.entry_id),
                action: t.action_word(a.action),
                score: format!("{:.2}", a.score),
                status: match a.status {
                    AlertStatus::Open => t.open,
                    AlertStatus::Confirmed => t.confirmed,
                    AlertStatus::Dismissed => t.dismissed,
                },
                open: a.status == AlertStatus::Open,
            })
            .collect(),
    })
}

pub async fn alerts<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<StatusQuery>,
) -> Response {
    let status = q.status.unwrap_or_else(|| "open".into());
    match alerts_page(&app, &page, &status).await {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn alert_decide<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path((id, verb)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&page, &f.csrf) {
        return r.into_response();
    }
    let status = match verb.as_str() {
        "confirm" => AlertStatus::Confirmed,
        "dismiss" => AlertStatus::Dismissed,
        _ => return ApiError::not_found("no such page").into_response(),
    };
    let scope = match page.who.actor.alerts() {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Err(e) = decide_alert(&app, &scope, &page.who.acting(), id, status).await {
        return ApiError::from(e).into_response();
    }
    redirect("/alerts?status=open")
}
