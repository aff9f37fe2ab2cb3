//! The administrator's pages: accounts (open, bind to a checkpoint, reset a password, disable),
//! devices (issue a token, renew, revoke); and the audit trail searched, for administrators and
//! analysts.

use crate::accounts::service::{self, AccountsError, Password};
use crate::app::App;
use crate::http::error::ApiError;
use crate::web::Ctx;
use crate::web::Page;
use crate::web::check_csrf;
use crate::web::export::{Format, Sheet};
use crate::web::vn_time;
use crate::web::{Pager, Window};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{CheckpointCode, Role, Username};
use serde::Deserialize;
use store::Store;

/// A refusal of the account's service, said in the page's words; ours go out as the error page.
fn refused(page: &Page, e: AccountsError) -> Result<String, ApiError> {
    let e = ApiError::from(e);
    if e.status.is_client_error() { Ok(crate::web::said(page.ctx.t, &e)) } else { Err(e) }
}

/// The checkpoints for a select: code, name, selected.
fn checkpoint_options<S>(app: &App<S>, page: &Page, selected: &str) -> Vec<(String, String, bool)> {
    let mut list: Vec<(String, String, bool)> = app
        .checkpoints
        .values()
        .map(|c| {
            let name = crate::web::checkpoint_name(app, page.ctx.t, &c.code);
            (c.code.to_string(), name, c.code.as_str() == selected)
        })
        .collect();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    list
}

// ---------------------------------------------------------------- accounts

#[derive(Debug)]
pub struct AccountRow {
    pub username: String,
    pub role: &'static str,
    pub checkpoint: String,
    pub checkpoint_code: String,
    pub created: String,
    pub enabled: bool,
    pub bindable: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_accounts.html")]
pub struct AccountsPage {
    ctx: Ctx,
    accounts: Vec<AccountRow>,
    checkpoints: Vec<(String, String, bool)>,
    form: NewAccountForm,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewAccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    checkpoint: String,
    #[serde(default)]
    password: String,
}

fn role_word(page: &Page, role: Role) -> &'static str {
    let t = page.ctx.t;
    match role {
        Role::Admin => t.role_admin,
        Role::Analyst => t.role_analyst,
        Role::Commander => t.role_commander,
        Role::Officer => t.role_officer,
        Role::Agent => t.role_agent,
    }
}

async fn accounts_page<S: Store>(
    app: &App<S>,
    page: &Page,
    form: NewAccountForm,
) -> Result<AccountsPage, Response> {
    let right = page.who.actor.administer().map_err(|e| ApiError::from(e).into_response())?;
    let list = service::list_accounts(app, &right, &page.who.acting())
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    let accounts = list
        .iter()
        .map(|a| AccountRow {
            username: a.username.to_string(),
            role: role_word(page, a.role),
            checkpoint: a
                .checkpoint
                .as_ref()
                .map(|c| crate::web::checkpoint_name(app, page.ctx.t, c))
                .unwrap_or_default(),
            checkpoint_code: a.checkpoint.as_ref().map(ToString::to_string).unwrap_or_default(),
            created: vn_time(a.created_at),
            enabled: a.disabled_at.is_none(),
            bindable: a.role.needs_checkpoint(),
        })
        .collect();
    Ok(AccountsPage {
        ctx: page.ctx.clone(),
        accounts,
        checkpoints: checkpoint_options(app, page, &form.checkpoint),
        form,
        notice: None,
        error: None,
    })
}

pub async fn accounts<S: Store>(State(app): State<App<S>>, page: Page) -> Response {
    match accounts_page(
        &app,
        &page,
        NewAccountForm { role: "officer".into(), ..Default::default() },
    )
    .await
    {
        Ok(p) => p.into_response(),
        Err(r) => r,
    }
}

/// Shows the accounts again with what happened: a notice, or the refusal with the form kept.
async fn after<S: Store>(
    app: &App<S>,
    page: &Page,
    done: Result<String, AccountsError>,
    form: NewAccountForm,
) -> Response {
    let (notice, error) = match done {
        Ok(n) => (Some(n), None),
        Err(e) => match refused(page, e) {
            Ok(message) => (None, Some(message)),
            Err(e) => return e.into_response(),
        },
    };
    let keep = if error.is_some() {
        NewAccountForm { password: String::new(), ..form }
    } else {
        NewAccountForm { role: "officer".into(), ..Default::default() }
    };
    match accounts_page(app, page, keep).await {
        Ok(mut p) => {
            let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
            p.notice = notice;
            p.error = error;
            (status, p).into_response()
        }
        Err(r) => r,
    }
}

pub async fn account_add<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<NewAccountForm>,
) -> Response {
    if let Err(r) = check_csrf(&page, &f.csrf) {
        return r.into_response();
    }
    let right = match page.who.actor.administer() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let done = async {
        let username = Username::parse(&f.username)?;
        let role = Role::parse(&f.role)?;
        let checkpoint = match f.checkpoint.trim() {
            "" => None,
            c => Some(CheckpointCode::parse(c)?),
        };
        let password = Password::new(f.password.clone());
        service::create_account(
            &app,
            &right,
            &page.who.acting(),
            &username,
            role,
            checkpoint,
            password,
        )
        .await?;
        Ok::<_, AccountsError>(format!("{}: {username}", page.ctx.t.account_created))
    }
    .await;
    after(&app, &page, done, f).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    checkpoint: String,
}

pub async fn account_action<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path((username, verb)): Path<(String, String)>,
    Form(f): Form<AccountActionForm>,
) -> Response {
    if let Err(r) = check_csrf(&page, &f.csrf) {
        return r.into_response();
    }
    let right = match page.who.actor.administer() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let t = page.ctx.t;
    let by = page.who.acting();
    let done = async {
        let user = Username::parse(&username)?;
        match verb.as_str() {
            "password" => {
                service::reset_password(
                    &app,
                    &right,
                    &by,
                    &user,
                    Password::new(f.password.clone()),
                )
                .await?;
                Ok(format!("{}: {user}", t.password_reset))
            }
            "checkpoint" => {
                let cp = match f.checkpoint.trim() {
                    "" => None,
                    c => Some(CheckpointCode::parse(c)?),
                };
                service::bind_account(&app, &right, &by, &user, cp).await?;
                Ok(format!("{}: {user}", t.account_bound))
            }
            "disable" => {
                service::disable_user(&app.store, &by, &user, app.now()).await?;
                Ok(format!("{}: {user}", t.account_disabled))
            }
            _ => Err(AccountsError::NotFound(format!("action {verb}"))),
        }
    }
    .await;
    after(&app, &page, done, NewAccountForm::default()).await
}

// ---------------------------------------------------------------- devices

#[derive(Debug)]
pub struct DeviceRow {
    pub id: i64,
    pub name: String,
    pub checkpoint: String,
    pub created: String,
    pub revoked: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_devices.html")]
pub struct DevicesPage {
    ctx: Ctx,
    devices: Vec<DeviceRow>,
    checkpoints: Vec<(String, String, bool)>,
    /// A token just issued: shown once, here.
    token: Option<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn devices_page<S: Store>(app: &App<S>, page: &Page) -> Result<DevicesPage, Response> {
    page.who.actor.administer().map_err(|e| ApiError::from(e).into_response())?;
    let list = app.store.devices().await.map_err(|e| ApiError::from(e).into_response())?;
    Ok(DevicesPage {
        ctx: page.ctx.clone(),
        devices: list
            .iter()
            .map(|d| DeviceRow {
                id: d.id,
                name: d.name.clone(),
                checkpoint: crate::web::checkpoint_name(app, page.ctx.t, &d.checkpoint),
                created: vn_time(d.created_at),
                revoked: d.revoked_at.map(vn_time).unwrap_or_default(),
            })
            .collect(),
        checkpoints: checkpoint_options(app, page, ""),
        token: None,
        notice: None,
        error: None,
    })
}

pub async fn devices<S: Store>(State(app): State<App<S>>, page: Page) -> Response {
    match devices_page(&app, &page).await {
        Ok(p) => p.into_response(),
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DeviceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    checkpoint: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

pub async fn device_action<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path(verb): Path<String>,
    Form(f): Form<DeviceForm>,
) -> Response {
    device_do(app, page, None, verb, f).await
}

pub async fn one_device_action<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Path((id, verb)): Path<(i64, String)>,
    Form(f): Form<DeviceForm>,
) -> Response {
    device_do(app, page, Some(id), verb, f).await
}

async fn device_do<S: Store>(
    app: App<S>,
    page: Page,
    id: Option<i64>,
    verb: String,
    f: DeviceForm,
) -> Response {
    if let Err(r) = check_csrf(&page, &f.csrf) {
        return r.into_response();
    }
    if let Err(e) = page.who.actor.administer() {
        return ApiError::from(e).into_response();
    }
    let t = page.ctx.t;
    let by = page.who.acting();
    let now = app.now();
    let days = || {
        let d = f.days.trim().parse::<i64>().unwrap_or(crate::DEVICE_TOKEN_DAYS);
        service::token_days(d)
    };
    let done: Result<(String, Option<(String, String)>), AccountsError> = async {
        match (verb.as_str(), id) {
            ("add", None) => {
                let cp = CheckpointCode::parse(&f.checkpoint)?;
                let name = service::device_name(&f.name)?;
                let (id, secret, until) =
                    service::add_device(&app.store, &by, &cp, &name, days()?, now).await?;
                let shown = (secret.expose().to_string(), vn_time(until));
                Ok((format!("{}: {name} (#{id})", t.device_added), Some(shown)))
            }
            ("token", Some(id)) => {
                let (secret, until) =
                    service::renew_device(&app.store, &by, id, days()?, now).await?;
                Ok((
                    format!("{}: #{id}", t.device_renewed),
                    Some((secret.expose().to_string(), vn_time(until))),
                ))
            }
            ("revoke", Some(id)) => {
                service::revoke_device(&app.store, &by, id, now).await?;
                Ok((format!("{}: #{id}", t.device_revoked), None))
            }
            _ => Err(AccountsError::NotFound(format!("action {verb}"))),
        }
    }
    .await;
    let mut view = match devices_page(&app, &page).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match done {
        Ok((notice, token)) => {
            view.notice = Some(notice);
            view.token = token;
            view.into_response()
        }
        Err(e) => match refused(&page, e) {
            Ok(message) => {
                view.error = Some(message);
                (StatusCode::BAD_REQUEST, view).into_response()
            }
            Err(e) => e.into_response(),
        },
    }
}

// ---------------------------------------------------------------- the audit trail

#[derive(Debug)]
pub struct AuditRow {
    pub seq: i64,
    pub when: String,
    pub actor: String,
    pub ip: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    ctx: Ctx,
    q: AuditQuery,
    actions: Vec<&'static str>,
    rows: Vec<AuditRow>,
    pager: Option<Pager>,
    error: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuditQuery {
    /// A part of the subject: a document number, a user name, a dossier.
    #[serde(default)]
    person: String,
    /// Who acted: a user name.
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    format: Option<String>,
}

impl AuditQuery {
    /// The search as the store takes it; the days are Việt Nam's.
    fn filter(&self) -> Result<store::AuditFilter, ApiError> {
        let day = |field: &'static str, s: &str| -> Result<Option<i64>, ApiError> {
            let s = crate::web::typed_date(s);
            if s.trim().is_empty() {
                return Ok(None);
            }
            let d = domain::bounds::parse_date(field, &s)?;
            let t = d.midnight().assume_offset(domain::bounds::VIETNAM);
            Ok(Some((t.unix_timestamp_nanos() / 1_000_000) as i64))
        };
        let from = day("from", &self.from)?.unwrap_or(0);
        let to = day("to", &self.to)?.map_or(i64::MAX, |t| t + 86_400_000);
        let user = domain::bounds::clean_line("user", &self.user, 64)?;
        let actor =
            if user.is_empty() || user.contains(':') { user } else { format!("user:{user}") };
        let action = self.action.trim();
        let action = if store::AuditAction::ALL.iter().any(|a| a.as_str() == action) {
            action.to_string()
        } else {
            String::new()
        };
        Ok(store::AuditFilter {
            actor,
            subject: domain::bounds::clean_line("person", &self.person, 80)?,
            action,
            from_ms: from,
            to_ms: to,
        })
    }

    fn searched(&self) -> bool {
        [&self.person, &self.user, &self.action, &self.from, &self.to]
            .iter()
            .any(|s| !s.trim().is_empty())
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("person", self.person.trim().to_string()),
            ("user", self.user.trim().to_string()),
            ("action", self.action.trim().to_string()),
            ("from", self.from.trim().to_string()),
            ("to", self.to.trim().to_string()),
        ]
    }
}

fn audit_rows(list: &[store::AuditRecord]) -> Vec<AuditRow> {
    list.iter()
        .map(|r| AuditRow {
            seq: r.seq,
            when: time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(r.at_ms) * 1_000_000)
                .map(vn_time)
                .unwrap_or_default(),
            actor: r.actor.clone(),
            ip: r.ip.clone().unwrap_or_default(),
            action: r.action.clone(),
            subject: r.subject.clone(),
            detail: domain::bounds::clip(&r.detail),
        })
        .collect()
}

const AUDIT_PER_PAGE: u32 = 50;

pub async fn audit<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<AuditQuery>,
) -> Response {
    let right = match page.who.actor.read_audit() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let t = page.ctx.t;
    let mut view = AuditPage {
        ctx: page.ctx.clone(),
        q: q.clone(),
        actions: store::AuditAction::ALL.iter().map(|a| a.as_str()).collect(),
        rows: Vec::new(),
        pager: None,
        error: None,
    };
    view.actions.sort_unstable();
    if !q.searched() && q.format.is_none() {
        return view.into_response();
    }
    let filter = match q.filter() {
        Ok(f) => f,
        Err(e) => {
            view.error = Some(crate::web::said(t, &e));
            return (StatusCode::BAD_REQUEST, view).into_response();
        }
    };
    let by = page.who.acting();
    if let Some(format) = Format::asked(q.format.as_deref()) {
        let mut sheet =
            Sheet::new("nhat-ky", vec!["#", t.when, t.user, "IP", t.action, t.subject, t.detail]);
        let batch = crate::web::export::FILL_BATCH;
        let filled = sheet
            .fill(|offset| {
                let (app, right, by, filter) = (&app, &right, &by, &filter);
                async move {
                    let (list, _) =
                        service::search_audit(app, right, by, filter, offset, batch).await?;
                    let rows = audit_rows(&list)
                        .into_iter()
                        .zip(&list)
                        .map(|(r, full)| {
                            vec![
                                r.seq.into(),
                                r.when.into(),
                                r.actor.into(),
                                r.ip.into(),
                                r.action.into(),
                                r.subject.into(),
                                full.detail.clone().into(),
                            ]
                        })
                        .collect();
                    Ok::<_, AccountsError>(rows)
                }
            })
            .await;
        return match filled {
            Ok(()) => sheet.respond(format),
            Err(e) => ApiError::from(e).into_response(),
        };
    }
    let offset = q.offset.unwrap_or(0);
    match service::search_audit(&app, &right, &by, &filter, offset, AUDIT_PER_PAGE).await {
        Ok((list, total)) => {
            let window = Window {
                offset,
                shown: list.len(),
                per_page: u64::from(AUDIT_PER_PAGE),
                total,
                cap: store::TRAVELLER_COUNT_CAP,
            };
            view.pager = Some(Pager::new(t, "/audit", &q.params(), window));
            view.rows = audit_rows(&list);
            view.into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
