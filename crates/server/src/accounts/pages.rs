//! Signing in and out, the language, and the account's own page.

use crate::accounts::credentials::Password;
use crate::accounts::service::AccountsError;
use crate::app::App;
use crate::http::error::ApiError;
use crate::http::extract::ClientIp;
use crate::web::CsrfForm;
use crate::web::Ctx;
use crate::web::NextQuery;
use crate::web::Page;
use crate::web::PageLang;
use crate::web::check_csrf;
use crate::web::home;
use crate::web::i18n::LANG_COOKIE;
use crate::web::i18n::Texts;
use crate::web::local;
use crate::web::open_session;
use crate::web::redirect;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::FromRequestParts;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::response::Response;
use serde::Deserialize;
use store::Store;

// ---------------------------------------------------------------- sign-in

#[derive(Debug, Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    t: &'static Texts,
    error: Option<&'static str>,
    username: String,
    next: String,
}

pub async fn login_form(PageLang(lang): PageLang, Query(q): Query<NextQuery>) -> LoginPage {
    LoginPage {
        t: lang.texts(),
        error: None,
        username: String::new(),
        next: local(q.next.as_deref()).unwrap_or_default(),
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm").field("username", &self.username).finish_non_exhaustive()
    }
}

pub async fn login<S: Store>(
    State(app): State<App<S>>,
    _: crate::http::extract::FromOurPages,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = lang.texts();
    let user = match crate::accounts::service::sign_in(
        &app,
        &form.username,
        &Password::new(form.password),
        ip,
    )
    .await
    {
        Ok(u) => u,
        Err(e) => {
            let (status, error) = match e {
                AccountsError::TooManyAttempts(_) => {
                    (StatusCode::TOO_MANY_REQUESTS, t.too_many_attempts)
                }
                AccountsError::BadCredentials => (StatusCode::UNAUTHORIZED, t.bad_credentials),
                other => return ApiError::from(other).into_response(),
            };
            let page =
                LoginPage { t, error: Some(error), username: form.username, next: form.next };
            return (status, page).into_response();
        }
    };
    let to = local(Some(&form.next)).unwrap_or_else(|| home(&user.actor()).to_string());
    open_session(&app, user.id, &to).await
}

pub async fn logout<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&page, &f.csrf) {
        return r.into_response();
    }
    if let Some(d) = &page.who.session_digest
        && let Err(e) = app.store.delete_token(d).await
    {
        return ApiError::from(e).into_response();
    }
    let mut res = redirect("/login");
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("bp_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    res
}

pub async fn set_lang(Path(lang): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let value = if lang == "en" { "en" } else { "vi" };
    let to = local(q.next.as_deref()).unwrap_or_else(|| "/".into());
    let mut res = redirect(&to);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={value}; Path=/; SameSite=Lax; Max-Age=31536000"
    )) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

pub async fn root<S: Store>(State(app): State<App<S>>, parts: Parts) -> Response {
    let mut parts = parts;
    match Page::from_request_parts(&mut parts, &app).await {
        Ok(p) => redirect(home(&p.who.actor)),
        Err(r) => r,
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    ctx: Ctx,
}

pub async fn account(page: Page) -> AccountPage {
    AccountPage { ctx: page.ctx }
}
