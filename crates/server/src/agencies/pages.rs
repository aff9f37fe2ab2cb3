//! A shipping agency's own account as pages: registering, its staff, closing it.

use crate::agencies::service::Registration;
use crate::app::App;
use crate::http::error::ApiError;
use crate::http::extract::ClientIp;
use crate::web::Ctx;
use crate::web::Page;
use crate::web::PageLang;
use crate::web::check_csrf;
use crate::web::i18n::AgencyTexts;
use crate::web::open_session;
use crate::web::vn_time;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::response::Response;
use serde::Deserialize;
use store::Store;

/// An error of the user's, named by the form's own label for the field it is about.
fn field_message(at: &AgencyTexts, e: &ApiError) -> String {
    let labels = [
        ("tax_code", at.tax_code),
        ("name", at.name),
        ("address", at.address),
        ("email", at.email),
        ("phone", at.phone),
    ];
    for (field, label) in labels {
        if let Some(rest) = e.message.strip_prefix(field).and_then(|r| r.strip_prefix(':')) {
            return format!("{label}:{rest}");
        }
    }
    e.message.clone()
}

// ---------------------------------------------------------------- registering

#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    tax_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    username: String,
}

/// The passwords travel apart from what the page shows back, so they are never echoed.
#[derive(Default, Deserialize)]
pub struct RegisterPost {
    #[serde(flatten)]
    form: RegisterForm,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

impl std::fmt::Debug for RegisterPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterPost").field("form", &self.form).finish_non_exhaustive()
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "register.html")]
pub struct RegisterPage {
    ctx: Ctx,
    at: &'static AgencyTexts,
    form: RegisterForm,
    error: Option<String>,
}

/// `GET /register`: no sign-in needed.
pub async fn register_form(PageLang(lang): PageLang, parts: Parts) -> RegisterPage {
    RegisterPage {
        ctx: Ctx::public(lang.texts(), parts.uri.path()),
        at: lang.agency(),
        form: RegisterForm::default(),
        error: None,
    }
}

/// `POST /register`: registers the agency and signs its first account in.
pub async fn register<S: Store>(
    State(app): State<App<S>>,
    _: crate::http::extract::FromOurPages,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    Form(post): Form<RegisterPost>,
) -> Response {
    let at = lang.agency();
    let refuse = |status: StatusCode, error: String, form: RegisterForm| {
        let page = RegisterPage {
            ctx: Ctx::public(lang.texts(), "/register"),
            at,
            form,
            error: Some(error),
        };
        (status, page).into_response()
    };
    let RegisterPost { form, password, password_again } = post;
    if password != password_again {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, at.passwords_differ.into(), form);
    }
    let r = Registration {
        tax_code: form.tax_code.clone(),
        name: form.name.clone(),
        address: form.address.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        username: form.username.clone(),
        password,
    };
    match crate::agencies::service::register_agency(&app, ip, r).await {
        Ok(done) => open_session(&app, done.user_id, "/agency").await,
        Err(e) => {
            let e = ApiError::from(e);
            let message = match e.status {
                StatusCode::TOO_MANY_REQUESTS => at.too_many_registrations.to_string(),
                StatusCode::CONFLICT => at.taken.to_string(),
                s if s.is_client_error() => field_message(at, &e),
                _ => return e.into_response(),
            };
            refuse(e.status, message, form)
        }
    }
}

// ---------------------------------------------------------------- the agency's account

#[derive(Debug)]
pub struct StaffRow {
    username: String,
    since: String,
    active: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "agency.html")]
pub struct AgencyPage {
    ctx: Ctx,
    at: &'static AgencyTexts,
    tax_code: String,
    name: String,
    address: String,
    email: String,
    phone: String,
    since: String,
    staff: Vec<StaffRow>,
    notice: Option<&'static str>,
    error: Option<String>,
    new_username: String,
}

async fn agency_page<S: Store>(
    app: &App<S>,
    page: Page,
    notice: Option<&'static str>,
    error: Option<String>,
    new_username: String,
) -> Result<AgencyPage, ApiError> {
    let id = page.who.actor.file_dossiers()?.agency();
    let a = app.store.agency(id).await?.ok_or_else(|| ApiError::not_found("agency not found"))?;
    let staff = app.store.agency_staff(id).await?;
    let at = PageLang::of(&page).agency();
    Ok(AgencyPage {
        at,
        tax_code: a.tax_code,
        name: a.name,
        address: a.address,
        email: a.email,
        phone: a.phone,
        since: vn_time(a.created_at),
        staff: staff
            .into_iter()
            .map(|s| StaffRow {
                username: s.username,
                since: vn_time(s.created_at),
                active: s.disabled_at.is_none(),
            })
            .collect(),
        notice,
        error,
        new_username,
        ctx: page.ctx,
    })
}

/// `GET /agency`: the agent's own agency, its staff, and the way to close it.
pub async fn agency<S: Store>(State(app): State<App<S>>, page: Page) -> Response {
    match agency_page(&app, page, None, None, String::new()).await {
        Ok(p) => p.into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct StaffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

impl std::fmt::Debug for StaffForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffForm").field("username", &self.username).finish_non_exhaustive()
    }
}

/// A form of the agent's own agency, its CSRF token checked: the agency's id.
fn own_agency(page: &Page, csrf: &str) -> Result<i64, ApiError> {
    check_csrf(page, csrf)?;
    Ok(page.who.actor.file_dossiers()?.agency())
}

/// `POST /agency/staff`.
pub async fn add_staff<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<StaffForm>,
) -> Response {
    let agency = match own_agency(&page, &f.csrf) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let result = match page.who.actor.file_dossiers() {
        Ok(right) => {
            crate::agencies::service::add_agency_staff(
                &app,
                &right,
                &page.who.acting(),
                agency,
                &f.username,
                f.password,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
    .map_err(ApiError::from);
    let at = PageLang::of(&page).agency();
    let (status, notice, error, username) = match result {
        Ok(_) => (StatusCode::OK, Some(at.staff_added), None, String::new()),
        Err(e) if e.status == StatusCode::CONFLICT => {
            (e.status, None, Some(at.taken.to_string()), f.username)
        }
        Err(e) if e.status.is_client_error() => (e.status, None, Some(e.message), f.username),
        Err(e) => return e.into_response(),
    };
    match agency_page(&app, page, notice, error, username).await {
        Ok(p) => (status, p).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /agency/close`: only with the agency's tax code typed again.
pub async fn close<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<CloseForm>,
) -> Response {
    let agency = match own_agency(&page, &f.csrf) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let record = match app.store.agency(agency).await {
        Ok(Some(a)) => a,
        Ok(None) => return ApiError::not_found("agency not found").into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let typed: String = f.confirm.chars().filter(char::is_ascii_digit).collect();
    let tax: String = record.tax_code.chars().filter(char::is_ascii_digit).collect();
    if typed != tax {
        let at = PageLang::of(&page).agency();
        return match agency_page(&app, page, None, Some(at.close_mismatch.into()), String::new())
            .await
        {
            Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, p).into_response(),
            Err(e) => e.into_response(),
        };
    }
    match crate::agencies::service::close_agency(&app, &page.who.actor, &page.who.acting(), agency)
        .await
    {
        // The agency's sessions are gone with it.
        Ok(()) => crate::web::redirect("/login"),
        Err(e) => ApiError::from(e).into_response(),
    }
}
