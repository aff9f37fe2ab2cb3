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
    find: FindQuery,
    pager: crate::web::Pager,
    notice: Option<String>,
    errors: Vec<String>,
    form: WatchForm,
}

/// One entry's page: its form to change it, and its removal.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "watch_entry.html")]
pub struct WatchEntryPage {
    ctx: Ctx,
    id: String,
    form: WatchForm,
    errors: Vec<String>,
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
    #[serde(default)]
    valid_until: String,
}

impl WatchForm {
    fn of(e: &store::WatchEntry) -> WatchForm {
        let doc = e.documents.first();
        WatchForm {
            csrf: String::new(),
            name: e.name.clone(),
            aliases: e.aliases.join("; "),
            birth_date: dob_text(e.birth_date),
            nationality: e.nationality.map(|c| c.to_string()).unwrap_or_default(),
            sex: e.sex.map(|s| s.as_str().to_string()).unwrap_or_default(),
            document_state: doc
                .and_then(|d| d.issuing_state)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            document_number: doc.map(|d| d.number.to_string()).unwrap_or_default(),
            action: e.action.as_str().to_string(),
            reason: e.reason.clone(),
            valid_until: vn_date(e.valid_until),
        }
    }

    fn asked(&self) -> WatchRequest {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        WatchRequest {
            name: self.name.clone(),
            aliases: self
                .aliases
                .split(';')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
            birth_date: Some(crate::web::typed_date(&self.birth_date)),
            nationality: Some(self.nationality.clone()),
            sex: Some(self.sex.clone()),
            documents: if self.document_number.trim().is_empty() {
                Vec::new()
            } else {
                vec![WatchDocumentRequest {
                    issuing_state: Some(self.document_state.clone()),
                    number: self.document_number.clone(),
                }]
            },
            action: self.action.clone(),
            reason: self.reason.clone(),
            valid_until: opt(&self.valid_until).map(|d| crate::web::typed_date(&d)),
        }
    }
}

fn dob_text(d: Option<store::WatchDob>) -> String {
    d.map(|d| match d {
        store::WatchDob::Date(d) => vn_date(Some(d)),
        store::WatchDob::Month { year, month } => format!("{:02}/{year:04}", u8::from(month)),
        store::WatchDob::Year(y) => y.to_string(),
    })
    .unwrap_or_default()
}

/// The list's search: words of a name or an id, an action, a page, a file.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct FindQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    format: Option<String>,
}

impl FindQuery {
    fn filter(&self) -> crate::watchlist::service::WatchFilter {
        crate::watchlist::service::WatchFilter {
            text: domain::bounds::clip(&self.q),
            action: domain::WatchAction::parse(&self.action).ok(),
        }
    }
}

const PER_PAGE: u32 = 50;

async fn watchlist_page<S: Store>(
    app: &App<S>,
    page: &Page,
    find: FindQuery,
) -> Result<WatchlistPage, ApiError> {
    let t = page.ctx.t;
    let right = page.who.actor.manage_watchlist()?;
    let offset = find.offset.unwrap_or(0);
    let (list, total) = crate::watchlist::service::find_entries(
        app,
        &right,
        &page.who.acting(),
        &find.filter(),
        offset,
        PER_PAGE,
    )
    .await?;
    let params = [("q", find.q.trim().to_string()), ("action", find.action.clone())];
    let window = crate::web::Window {
        offset,
        shown: list.len(),
        per_page: u64::from(PER_PAGE),
        total,
        cap: u64::MAX,
    };
    Ok(WatchlistPage {
        ctx: page.ctx.clone(),
        total: thousands(total as i64, t.lang),
        pager: crate::web::Pager::new(t, "/watchlist", &params, window),
        entries: list
            .iter()
            .map(|e| EntryView {
                id: e.id.clone(),
                name: e.name.clone(),
                aliases: e.aliases.join("; "),
                birth_date: dob_text(e.birth_date),
                nationality: e.nationality.map(|c| c.to_string()).unwrap_or_default(),
                action: t.action_word(e.action),
                reason: e.reason.clone(),
            })
            .collect(),
        find,
        notice: None,
        errors: Vec::new(),
        form: WatchForm { action: "refer".into(), ..Default::default() },
    })
}

/// The list found as a file, up to the export's rows.
async fn watchlist_file<S: Store>(
    app: &App<S>,
    page: &Page,
    find: &FindQuery,
    format: crate::web::export::Format,
) -> Result<Response, ApiError> {
    use crate::web::export::Sheet;
    let t = page.ctx.t;
    let right = page.who.actor.manage_watchlist()?;
    let mut sheet = Sheet::new(
        "danh-sach-doi-tuong",
        vec![
            "ID",
            t.name,
            t.aliases,
            t.birth_date,
            t.nationality,
            t.sex,
            t.number,
            t.action,
            t.reason,
            t.valid_until,
        ],
    );
    let by = page.who.acting();
    let filter = find.filter();
    let batch = crate::web::export::FILL_BATCH;
    sheet
        .fill(|offset| {
            let (right, by, filter) = (&right, &by, &filter);
            async move {
                let found =
                    crate::watchlist::service::find_entries(app, right, by, filter, offset, batch);
                let (list, _) = found.await?;
                Ok::<_, WatchlistError>(list.iter().map(|e| entry_row(t, e)).collect())
            }
        })
        .await?;
    Ok(sheet.respond(format))
}

/// An entry as a row of the list's file.
fn entry_row(t: &crate::web::i18n::Texts, e: &store::WatchEntry) -> Vec<crate::web::export::Cell> {
    let docs: Vec<String> = e
        .documents
        .iter()
        .map(|d| match d.issuing_state {
            Some(s) => format!("{s}/{}", d.number),
            None => d.number.to_string(),
        })
        .collect();
    vec![
        e.id.clone().into(),
        e.name.clone().into(),
        e.aliases.join("; ").into(),
        dob_text(e.birth_date).into(),
        e.nationality.map(|c| c.to_string()).unwrap_or_default().into(),
        e.sex.map(|s| s.as_str().to_string()).unwrap_or_default().into(),
        docs.join("; ").into(),
        t.action_word(e.action).into(),
        e.reason.clone().into(),
        vn_date(e.valid_until).into(),
    ]
}

pub async fn watchlist<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<FindQuery>,
) -> Response {
    if let Err(e) = page.who.actor.manage_watchlist() {
        return ApiError::from(e).into_response();
    }
    if let Some(format) = crate::web::export::Format::asked(q.format.as_deref()) {
        return watchlist_file(&app, &page, &q, format).await.unwrap_or_else(|e| e.into_response());
    }
    match watchlist_page(&app, &page, q).await {
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
    let right = match page.who.actor.manage_watchlist() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let result = put_watch_entry(&app, &right, &page.who.acting(), None, f.asked()).await;
    // Saved first, so that the page shown after counts the new entry.
    let (notice, error) = match result {
        Ok(entry) => (Some(format!("{}: {} ({})", page.ctx.t.saved, entry.name, entry.id)), None),
        Err(WatchlistError::Invalid(e)) => (None, Some(crate::web::said(page.ctx.t, &e.into()))),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut view = match watchlist_page(&app, &page, FindQuery::default()).await {
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

pub async fn watch_entry<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let right = match page.who.actor.manage_watchlist() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let by = page.who.acting();
    match crate::watchlist::service::read_watch_entry(&app, &right, &by, &id).await {
        Ok(e) => WatchEntryPage {
            ctx: page.ctx.clone(),
            id: e.id.clone(),
            form: WatchForm::of(&e),
            errors: Vec::new(),
        }
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

pub async fn watch_entry_save<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<WatchForm>,
) -> Response {
    if let Err(r) = check_csrf(&page, &f.csrf) {
        return r.into_response();
    }
    let right = match page.who.actor.manage_watchlist() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match put_watch_entry(&app, &right, &page.who.acting(), Some(id.clone()), f.asked()).await {
        Ok(_) => redirect(&format!("/watchlist/{}", urlencode(&id))),
        Err(WatchlistError::Invalid(e)) => {
            let message = crate::web::said(page.ctx.t, &e.into());
            let view = WatchEntryPage { ctx: page.ctx.clone(), id, form: f, errors: vec![message] };
            (StatusCode::BAD_REQUEST, view).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

pub async fn watch_entry_remove<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&page, &f.csrf) {
        return r.into_response();
    }
    let right = match page.who.actor.manage_watchlist() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let removed =
        crate::watchlist::service::remove_watch_entry(&app, &right, &page.who.acting(), &id).await;
    match removed {
        Ok(()) => {
            let mut view = match watchlist_page(&app, &page, FindQuery::default()).await {
                Ok(v) => v,
                Err(e) => return e.into_response(),
            };
            view.notice = Some(format!("{}: {id}", page.ctx.t.removed));
            view.into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap_or_default().trim_start_matches('=').to_string()
}

// ---------------------------------------------------------------- alerts

#[derive(Debug)]
pub struct AlertView {
    pub id: i64,
    pub when: String,
    pub checkpoint: String,
    pub traveller: String,
    pub document: String,
    /// The traveller's history page.
    pub history: String,
    pub entry: String,
    pub entry_id: String,
    pub action: &'static str,
    pub score: String,
    pub status: &'static str,
    pub open: bool,
    pub decided: String,
    pub note: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    ctx: Ctx,
    status: String,
    alerts: Vec<AlertView>,
    pager: crate::web::Pager,
    manages_watchlist: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct AlertsQuery {
    status: Option<String>,
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    format: Option<String>,
}

fn alert_views<S: Store>(
    app: &App<S>,
    t: &crate::web::i18n::Texts,
    list: &[store::AlertRecord],
) -> Vec<AlertView> {
    list.iter()
        .map(|a| {
            let (state, number) = a.traveller_document.split_once('/').unwrap_or(("", ""));
            let history =
                serde_urlencoded::to_string([("issuing_state", state), ("number", number)])
                    .map(|q| format!("/history?{q}"))
                    .unwrap_or_default();
            AlertView {
                id: a.id,
                when: vn_time(a.raised_at),
                checkpoint: crate::web::checkpoint_name(app, t, &a.checkpoint),
                traveller: a.traveller_name.clone(),
                document: a.traveller_document.clone(),
                history,
                entry: a.entry_name.clone(),
                entry_id: a.entry_id.clone(),
                action: t.action_word(a.action),
                score: crate::web::i18n::decimal(a.score, 2, t.lang),
                status: match a.status {
                    AlertStatus::Open => t.open,
                    AlertStatus::Confirmed => t.confirmed,
                    AlertStatus::Dismissed => t.dismissed,
                },
                open: a.status == AlertStatus::Open,
                decided: match (&a.decided_by, a.decided_at) {
                    (Some(by), Some(at)) => {
                        format!("{} · {}", by.trim_start_matches("user:"), vn_time(at))
                    }
                    _ => String::new(),
                },
                note: a.note.clone().unwrap_or_default(),
            }
        })
        .collect()
}

const ALERTS_PER_PAGE: u32 = 50;

async fn alerts_page<S: Store>(
    app: &App<S>,
    page: &Page,
    q: &AlertsQuery,
) -> Result<AlertsPage, ApiError> {
    let t = page.ctx.t;
    let scope = page.who.actor.alerts()?;
    let status = q.status.clone().unwrap_or_else(|| "open".into());
    let filter = AlertStatus::parse(&status);
    let offset = q.offset.unwrap_or(0);
    let (list, total) = crate::watchlist::service::list_alerts(
        app,
        &scope,
        &page.who.acting(),
        filter,
        offset,
        ALERTS_PER_PAGE,
    )
    .await?;
    let window = crate::web::Window {
        offset,
        shown: list.len(),
        per_page: u64::from(ALERTS_PER_PAGE),
        total,
        cap: u64::MAX,
    };
    Ok(AlertsPage {
        ctx: page.ctx.clone(),
        pager: crate::web::Pager::new(t, "/alerts", &[("status", status.clone())], window),
        alerts: alert_views(app, t, &list),
        status,
        manages_watchlist: page.who.actor.manage_watchlist().is_ok(),
    })
}

/// The alerts of a status as a file.
async fn alerts_file<S: Store>(
    app: &App<S>,
    page: &Page,
    q: &AlertsQuery,
    format: crate::web::export::Format,
) -> Result<Response, ApiError> {
    use crate::web::export::Sheet;
    let t = page.ctx.t;
    let scope = page.who.actor.alerts()?;
    let filter = AlertStatus::parse(q.status.as_deref().unwrap_or("open"));
    let mut sheet = Sheet::new(
        "canh-bao",
        vec![
            t.raised_at,
            t.checkpoint,
            t.traveller,
            t.document,
            t.watchlist,
            t.action,
            t.score,
            t.status,
            t.decided,
            t.note,
        ],
    );
    let by = page.who.acting();
    let batch = crate::web::export::FILL_BATCH;
    sheet
        .fill(|offset| {
            let (scope, by) = (&scope, &by);
            async move {
                let found =
                    crate::watchlist::service::list_alerts(app, scope, by, filter, offset, batch);
                let (list, _) = found.await?;
                let rows = alert_views(app, t, &list)
                    .into_iter()
                    .map(|a| {
                        vec![
                            a.when.into(),
                            a.checkpoint.into(),
                            a.traveller.into(),
                            a.document.into(),
                            format!("{} ({})", a.entry, a.entry_id).into(),
                            a.action.into(),
                            a.score.into(),
                            a.status.into(),
                            a.decided.into(),
                            a.note.into(),
                        ]
                    })
                    .collect();
                Ok::<_, WatchlistError>(rows)
            }
        })
        .await?;
    Ok(sheet.respond(format))
}

pub async fn alerts<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<AlertsQuery>,
) -> Response {
    let answer = match crate::web::export::Format::asked(q.format.as_deref()) {
        Some(format) => alerts_file(&app, &page, &q, format).await,
        None => alerts_page(&app, &page, &q).await.map(IntoResponse::into_response),
    };
    answer.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

pub async fn alert_decide<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path((id, verb)): Path<(i64, String)>,
    Form(f): Form<DecideForm>,
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
    let note = Some(f.note.as_str());
    if let Err(e) = decide_alert(&app, &scope, &page.who.acting(), id, status, note).await {
        return ApiError::from(e).into_response();
    }
    redirect("/alerts?status=open")
}
