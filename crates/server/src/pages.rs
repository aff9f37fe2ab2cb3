//! The web pages: server-rendered, compile-time-checked templates; forms that work without
//! JavaScript, and a little script for the desk's keys and the reader's input.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Actor, CheckpointCode, Decision, Direction, Role};
use serde::Deserialize;
use serde_json::json;
use store::AuditAction;
use store::{AlertStatus, NewToken, Store, TokenKind, TokenOwner};
use time::{Date, OffsetDateTime};

use crate::api;
use crate::auth::{Password, Secret};
use crate::control::{self, Outcome, read_document};
use crate::error::ApiError;
use crate::extract::{Authed, ClientIp, SESSION_COOKIE, cookie};
use crate::i18n::{Lang, Texts, thousands};
use crate::state::{App, VIETNAM};

const LANG_COOKIE: &str = "bp_lang";
const SESSION_HOURS: i64 = 12;

pub fn lang_of(parts: &Parts) -> Lang {
    Lang::from_cookie(cookie(parts, LANG_COOKIE))
}

/// The page's language, from its cookie.
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(lang_of(parts)))
    }
}

/// A signed-in user on a page; anyone else is sent to the sign-in page.
#[derive(Debug, Clone)]
pub struct Page {
    pub who: Authed,
    pub ctx: Ctx,
}

/// What every page shows around its content.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub t: &'static Texts,
    pub user: String,
    pub role: String,
    pub checkpoint: String,
    pub csrf: String,
    pub path: String,
    pub nav: Vec<(&'static str, &'static str, bool)>,
}

impl Ctx {
    /// A page anyone may see, signed in or not.
    pub fn public(t: &'static Texts, path: &str) -> Ctx {
        Ctx {
            t,
            user: String::new(),
            role: String::new(),
            checkpoint: String::new(),
            csrf: String::new(),
            path: path.to_string(),
            nav: Vec::new(),
        }
    }
}

fn nav(actor: &Actor, t: &'static Texts, path: &str) -> Vec<(&'static str, &'static str, bool)> {
    let mut items = Vec::new();
    let role = actor.role();
    if matches!(role, Some(Role::Officer | Role::Commander)) {
        items.push(("/desk", t.desk));
    }
    if actor.read_history().is_ok() {
        items.push(("/history", t.history));
    }
    if actor.manage_watchlist().is_ok() {
        items.push(("/watchlist", t.watchlist));
    }
    if actor.alerts().is_ok() {
        items.push(("/alerts", t.alerts));
    }
    if matches!(role, Some(Role::Officer | Role::Commander | Role::Analyst)) {
        items.push(("/board", t.board));
    }
    let lang = if t.lang == "en" { crate::i18n::Lang::En } else { crate::i18n::Lang::Vi };
    if crate::port_pages::sees_dossiers(role) {
        items.push(("/dossiers", lang.port().dossiers));
    }
    if crate::permit_pages::sees_permits(role) {
        if matches!(role, Some(Role::Officer | Role::Commander)) {
            items.push(("/scan", lang.permit().scan));
        }
        items.push(("/permits", lang.permit().permits));
    }
    if crate::agency_pages::sees_stats(actor) {
        items.push(("/stats", lang.agency().stats));
    }
    if actor.file_dossiers().is_ok() {
        items.push(("/agency", lang.agency().account));
    }
    items.into_iter().map(|(href, label)| (href, label, path.starts_with(href))).collect()
}

impl<S: Store> FromRequestParts<App<S>> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, Response> {
        // Where the language switch and the sign-in come back to: a page one can GET.
        let path = if parts.method == axum::http::Method::GET {
            parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string()
        } else {
            let first = parts.uri.path().split('/').find(|s| !s.is_empty()).unwrap_or("");
            format!("/{first}")
        };
        let login = || {
            let next = urlencode(&path);
            redirect(&format!("/login?next={next}"))
        };
        if cookie(parts, SESSION_COOKIE).is_none() {
            return Err(login());
        }
        let who = match Authed::from_request_parts(parts, app).await {
            Ok(w) => w,
            Err(e) if e.status == StatusCode::UNAUTHORIZED => return Err(login()),
            Err(e) => return Err(e.into_response()),
        };
        let t = lang_of(parts).texts();
        let (user, role) = match &who.actor.kind {
            domain::ActorKind::User { username, role, .. } => {
                (username.to_string(), role.to_string())
            }
            domain::ActorKind::Device { name, .. } => (name.clone(), "device".into()),
        };
        let ctx = Ctx {
            t,
            user,
            role,
            checkpoint: who.actor.checkpoint.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            csrf: who.csrf.clone().unwrap_or_default(),
            nav: nav(&who.actor, t, parts.uri.path()),
            path,
        };
        Ok(Page { who, ctx })
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Only a path on this server: never an open redirect. Printable ASCII alone (a page's own
/// path and query are percent-encoded), since browsers drop tabs and line breaks from a URL
/// and would read `/\t/evil.example` as `//evil.example`; neither `//` nor `/\` at its start.
fn local(next: Option<&str>) -> Option<String> {
    let n = next?;
    let b = n.as_bytes();
    let ok = n.len() <= 2_048
        && b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.iter().all(|&c| (0x21..=0x7e).contains(&c) && c != b'\\');
    ok.then(|| n.to_string())
}

/// A redirect that cannot panic: a target that is no header value goes home instead.
pub fn redirect(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(_) => Redirect::to(to).into_response(),
        Err(_) => Redirect::to("/").into_response(),
    }
}

fn home(actor: &Actor) -> &'static str {
    match actor.role() {
        Some(Role::Officer | Role::Commander) => "/desk",
        Some(Role::Analyst) => "/history",
        Some(Role::Admin) => "/watchlist",
        Some(Role::Agent) => "/dossiers",
        _ => "/account",
    }
}

/// A form's CSRF token must be the session's.
pub(crate) fn check_csrf(page: &Page, sent: &str) -> Result<(), ApiError> {
    if !page.ctx.csrf.is_empty() && page.ctx.csrf == sent {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "csrf", "the form has expired: reload the page"))
    }
}

pub fn vn_date(d: Option<Date>) -> String {
    d.map(|d| format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year()))
        .unwrap_or_default()
}

pub fn vn_time(t: OffsetDateTime) -> String {
    let t = domain::bounds::at_offset(t, VIETNAM);
    format!("{:02}:{:02} {}", t.hour(), t.minute(), vn_date(Some(t.date())))
}

// ---------------------------------------------------------------- sign-in

#[derive(Debug, Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    t: &'static Texts,
    error: Option<&'static str>,
    username: String,
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
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
    _: crate::extract::FromOurPages,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = lang.texts();
    let user = match api::sign_in(&app, &form.username, &Password::new(form.password), ip).await {
        Ok(u) => u,
        Err(e) => {
            let error = match e.status {
                StatusCode::TOO_MANY_REQUESTS => t.too_many_attempts,
                StatusCode::UNAUTHORIZED => t.bad_credentials,
                _ => return e.into_response(),
            };
            let page =
                LoginPage { t, error: Some(error), username: form.username, next: form.next };
            return (e.status, page).into_response();
        }
    };
    let to = local(Some(&form.next)).unwrap_or_else(|| home(&user.actor()).to_string());
    open_session(&app, user.id, &to).await
}

/// Starts a web session for the user and sends the browser on to `to`.
pub(crate) async fn open_session<S: Store>(app: &App<S>, user_id: i64, to: &str) -> Response {
    let secret = Secret::generate();
    let csrf = Secret::generate();
    let now = app.now();
    let token = NewToken {
        hash: secret.digest(),
        kind: TokenKind::Session,
        owner: TokenOwner::User(user_id),
        csrf: Some(csrf.expose().to_string()),
        expires_at: Some(now + time::Duration::hours(SESSION_HOURS)),
    };
    if let Err(e) = app.store.put_token(&token, now).await {
        return ApiError::from(e).into_response();
    }
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    let set = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        secret.expose(),
        SESSION_HOURS * 3600
    );
    let mut res = redirect(to);
    if let Ok(v) = HeaderValue::from_str(&set) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
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

// ---------------------------------------------------------------- the desk

#[derive(Debug)]
pub struct VerdictView {
    pub class: &'static str,
    pub word: &'static str,
    pub reasons: Vec<String>,
    pub name: String,
    pub document: String,
    pub nationality: String,
    pub birth_date: String,
    pub sex: String,
    pub expiry_date: String,
    pub hits: Vec<HitView>,
}

#[derive(Debug)]
pub struct HitView {
    pub entry_id: String,
    pub name: String,
    pub score: String,
    pub action: &'static str,
    pub reasons: String,
    pub dismissed: bool,
}

#[derive(Debug)]
pub struct CrossingView {
    pub when: String,
    pub checkpoint: String,
    pub direction: &'static str,
    pub channel: String,
    pub decision: &'static str,
    pub decision_class: &'static str,
}

fn decision_class(d: Decision) -> &'static str {
    match d {
        Decision::Clear => "clear",
        Decision::Refer => "refer",
        Decision::Deny => "deny",
    }
}

fn crossing_views(t: &Texts, list: &[store::CrossingRecord]) -> Vec<CrossingView> {
    list.iter()
        .map(|c| CrossingView {
            when: vn_time(c.at),
            checkpoint: c.checkpoint.to_string(),
            direction: t.direction_word(c.direction),
            channel: c.channel.to_string(),
            decision: t.verdict(c.decision),
            decision_class: decision_class(c.decision),
        })
        .collect()
}

fn verdict_view(t: &Texts, o: &Outcome) -> VerdictView {
    let d = &o.traveller;
    VerdictView {
        class: decision_class(o.decision()),
        word: t.verdict(o.decision()),
        reasons: o.verdict.reasons.iter().map(|r| t.reason(&r.code, &r.message)).collect(),
        name: d.full_name(),
        document: format!("{} {}/{}", t.doc_type_word(d.doc_type), d.issuing_state, d.number),
        nationality: d.nationality.map(|c| c.to_string()).unwrap_or_default(),
        birth_date: vn_date(d.birth_date),
        sex: d.sex.map(|s| s.as_str().to_string()).unwrap_or_default(),
        expiry_date: vn_date(d.expiry_date),
        hits: o
            .watchlist_hits
            .iter()
            .map(|h| HitView {
                entry_id: h.entry_id.clone(),
                name: h.matched_name.clone(),
                score: format!("{:.2}", h.score),
                action: t.action_word(h.action),
                reasons: h.reasons.join("; "),
                dismissed: h.dismissed,
            })
            .collect(),
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "desk.html")]
pub struct DeskPage {
    ctx: Ctx,
    entry_selected: bool,
    mrz: String,
    verdict: Option<VerdictView>,
    crossings: Vec<CrossingView>,
    crossing_id: String,
    document: String,
    manual: ManualFields,
    notice: Option<String>,
    error: Option<String>,
}

impl DeskPage {
    fn new(ctx: Ctx, direction: Direction) -> Self {
        DeskPage {
            ctx,
            entry_selected: direction == Direction::Entry,
            mrz: String::new(),
            verdict: None,
            crossings: Vec::new(),
            crossing_id: String::new(),
            document: String::new(),
            manual: ManualFields::default(),
            notice: None,
            error: None,
        }
    }
}

fn may_use_desk(page: &Page) -> Result<CheckpointCode, ApiError> {
    let cp = page.who.actor.checkpoint.clone();
    match cp {
        Some(cp) if page.who.actor.act_at(&cp).is_ok() => Ok(cp),
        _ => Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", page.ctx.t.forbidden)),
    }
}

pub async fn desk(page: Page) -> Response {
    if let Err(r) = may_use_desk(&page) {
        return r.into_response();
    }
    DeskPage::new(page.ctx, Direction::Exit).into_response()
}

#[derive(Debug, Deserialize)]
pub struct DeskForm {
    #[serde(default)]
    csrf: String,
    direction: String,
    #[serde(default)]
    mrz: String,
    #[serde(default)]
    crossing_id: String,
    /// The document the check read, as JSON, carried to the record.
    #[serde(default)]
    document: String,
    #[serde(flatten)]
    manual: ManualFields,
}

/// A document typed by hand at the desk (a border pass without an MRZ, a damaged one).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ManualFields {
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issuing_state: String,
    #[serde(default)]
    surname: String,
    #[serde(default)]
    given_names: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    expiry_date: String,
    #[serde(default)]
    issuing_area: String,
}

/// `dd/mm/yyyy` as the pages show dates, or `YYYY-MM-DD`.
fn iso_date(s: &str) -> String {
    let t = s.trim();
    let parts: Vec<&str> = t.split('/').collect();
    match parts[..] {
        [d, m, y] if y.len() == 4 => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => t.to_string(),
    }
}

impl ManualFields {
    fn is_empty(&self) -> bool {
        self.number.trim().is_empty() && self.surname.trim().is_empty()
    }

    fn document(&self) -> serde_json::Value {
        let opt = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string);
        json!({
            "type": opt(&self.doc_type).unwrap_or_else(|| "passport".into()),
            "number": self.number.trim(),
            "issuing_state": self.issuing_state.trim(),
            "surname": self.surname.trim(),
            "given_names": opt(&self.given_names),
            "nationality": opt(&self.nationality),
            "birth_date": opt(&self.birth_date).map(|d| iso_date(&d)),
            "sex": opt(&self.sex),
            "expiry_date": opt(&self.expiry_date).map(|d| iso_date(&d)),
            "issuing_area": opt(&self.issuing_area),
        })
    }
}

/// A desk form's own checks: its CSRF token, the user's checkpoint, the direction.
fn desk_form(page: &Page, f: &DeskForm) -> Result<(CheckpointCode, Direction), ApiError> {
    check_csrf(page, &f.csrf)?;
    let cp = may_use_desk(page)?;
    Ok((cp, Direction::parse(&f.direction)?))
}

pub async fn desk_check<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<DeskForm>,
) -> Response {
    let (cp, direction) = match desk_form(&page, &f) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let t = page.ctx.t;
    let mut view = DeskPage::new(page.ctx.clone(), direction);
    view.mrz = f.mrz.clone();
    view.manual = f.manual.clone();
    let document = if f.mrz.trim().is_empty() && !f.manual.is_empty() {
        f.manual.document()
    } else {
        json!({"mrz": f.mrz})
    };
    view.document = document.to_string();
    let reading = match read_document(&document, app.today()) {
        Ok(r) => r,
        Err(e) => {
            view.error = Some(e.message);
            return (StatusCode::BAD_REQUEST, view).into_response();
        }
    };
    let right = match page.who.actor.act_at(&cp) {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let outcome = match control::check(&app, &right, direction, &reading).await {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = app.audit(outcome.audit(&page.who, &cp, direction)).await {
        return e.into_response();
    }
    view.crossings = crossing_views(t, &outcome.recent_crossings);
    view.verdict = Some(verdict_view(t, &outcome));
    // Made now, so that pressing the key twice records once.
    view.crossing_id = uuid::Uuid::new_v4().hyphenated().to_string();
    view.into_response()
}

pub async fn desk_record<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Form(f): Form<DeskForm>,
) -> Response {
    let (cp, direction) = match desk_form(&page, &f) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let t = page.ctx.t;
    let document: serde_json::Value =
        serde_json::from_str(&f.document).unwrap_or_else(|_| json!({"mrz": f.mrz}));
    let item = json!({
        "id": f.crossing_id, "checkpoint": cp, "direction": direction,
        "document": document, "channel": "manual",
    });
    let mut view = DeskPage::new(page.ctx.clone(), direction);
    match api::record_many(&app, &page.who, std::slice::from_ref(&item), false).await.pop() {
        Some(api::ItemResult::Stored { created, record }) => {
            let word = if created { t.recorded } else { t.recorded_before };
            view.notice = Some(format!(
                "{word}: {} — {} — {}",
                t.direction_word(record.direction),
                t.verdict(record.decision),
                vn_time(record.at)
            ));
            if let Ok(list) = app.store.crossings_of(record.traveller_id, 5).await {
                view.crossings = crossing_views(t, &list);
            }
            view.into_response()
        }
        Some(api::ItemResult::Failed(e)) => {
            view.mrz = f.mrz;
            view.error = Some(e.message);
            (e.status, view).into_response()
        }
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

// ---------------------------------------------------------------- history

#[derive(Debug, Template, WebTemplate)]
#[template(path = "history.html")]
pub struct HistoryPage {
    ctx: Ctx,
    q: HistoryForm,
    searched: bool,
    results: Vec<(String, String, Vec<CrossingView>)>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryForm {
    #[serde(default)]
    issuing_state: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    birth_date: String,
}

pub async fn history<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<HistoryForm>,
) -> Response {
    if let Err(e) = page.who.actor.read_history() {
        return ApiError::from(e).into_response();
    }
    let t = page.ctx.t;
    let searched = !(q.number.trim().is_empty() && q.name.trim().is_empty());
    let mut view = HistoryPage {
        ctx: page.ctx.clone(),
        q: HistoryForm::default(),
        searched,
        results: Vec::new(),
        error: None,
    };
    if searched {
        let by_document = !q.number.trim().is_empty();
        let query = api::HistoryQuery {
            issuing_state: Some(q.issuing_state.trim().to_string())
                .filter(|s| !s.is_empty())
                .or(by_document.then(|| "VNM".to_string())),
            number: Some(q.number.trim().to_string()).filter(|s| !s.is_empty()),
            name: if by_document { None } else { Some(q.name.trim().to_string()) },
            birth_date: Some(q.birth_date.trim().to_string()).filter(|s| !s.is_empty()),
            limit: Some(50),
        };
        match api::find_history(&app, &page.who, &query).await {
            Ok(found) => {
                for (tr, crossings) in found {
                    let d = &tr.document;
                    let doc = format!(
                        "{}/{} · {} {}",
                        d.issuing_state,
                        d.number,
                        t.birth_date,
                        vn_date(d.birth_date)
                    );
                    view.results.push((d.full_name(), doc, crossing_views(t, &crossings)));
                }
            }
            Err(e) => view.error = Some(e.message),
        }
    }
    view.q = q;
    view.into_response()
}

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
    let list = app.store.watch_entries(after, 50).await?;
    let total = app.store.watch_entry_count().await?;
    app.audit(page.who.audit(
        AuditAction::WatchlistList,
        format!("watchlist:after:{}", after.unwrap_or("")),
        json!({"count": list.len()}),
    ))
    .await?;
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
    let body = json!({
        "name": f.name,
        "aliases": f.aliases.split(';').map(str::trim).filter(|a| !a.is_empty()).collect::<Vec<_>>(),
        "birth_date": f.birth_date,
        "nationality": f.nationality,
        "sex": f.sex,
        "documents": if f.document_number.trim().is_empty() { vec![] } else {
            vec![json!({"issuing_state": f.document_state, "number": f.document_number})]
        },
        "action": f.action,
        "reason": f.reason,
    });
    let result = api::parse_watch_entry(api::new_watch_id(), body.to_string().as_bytes());
    // Saved first, so that the page shown after counts the new entry.
    let (notice, error) = match result {
        Ok(entry) => {
            if let Err(e) = api::save_watch_entry(&app, &page.who, &entry).await {
                return e.into_response();
            }
            (Some(format!("{}: {} ({})", page.ctx.t.saved, entry.name, entry.id)), None)
        }
        Err(e) => (None, Some(e.message)),
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
    let list = app.store.alerts(&scope, filter, 200).await?;
    app.audit(page.who.audit(
        AuditAction::AlertsRead,
        "alerts".into(),
        json!({"count": list.len()}),
    ))
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
    if let Err(e) = api::decide_alert(&app, &page.who, id, status).await {
        return e.into_response();
    }
    redirect("/alerts?status=open")
}

// ---------------------------------------------------------------- today's board

#[derive(Debug)]
pub struct BarView {
    pub hour: String,
    pub entry: i64,
    pub exit: i64,
    pub entry_h: f64,
    pub exit_h: f64,
    pub x: f64,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "board.html")]
pub struct BoardPage {
    ctx: Ctx,
    checkpoint: String,
    checkpoint_name: String,
    checkpoints: Vec<(String, String, bool)>,
    date: String,
    bars: Vec<BarView>,
    total_entry: String,
    total_exit: String,
}

#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    checkpoint: Option<String>,
}

pub async fn board<S: Store>(
    State(app): State<App<S>>,
    page: Page,
    Query(q): Query<BoardQuery>,
) -> Response {
    let t = page.ctx.t;
    let actor = &page.who.actor;
    let code = match (actor.role(), &actor.checkpoint, &q.checkpoint) {
        (Some(Role::Officer | Role::Commander), Some(cp), _) => cp.clone(),
        (Some(Role::Analyst), _, Some(c)) => match CheckpointCode::parse(c) {
            Ok(c) => c,
            Err(e) => return ApiError::from(e).into_response(),
        },
        (Some(Role::Analyst), _, None) => match app.checkpoints.keys().min() {
            Some(c) => c.clone(),
            None => return ApiError::not_found("no checkpoints").into_response(),
        },
        _ => return (StatusCode::FORBIDDEN, t.forbidden).into_response(),
    };
    let Some(cp) = app.checkpoints.get(&code) else {
        return ApiError::not_found(format!("checkpoint {code}")).into_response();
    };
    let now = domain::bounds::at_offset(app.now(), VIETNAM);
    let start = now.replace_time(time::Time::MIDNIGHT);
    let counts =
        match app.store.crossings_by_hour(&code, start, start + time::Duration::days(1)).await {
            Ok(c) => c,
            Err(e) => return ApiError::from(e).into_response(),
        };
    let first_hour = start.unix_timestamp() / 3600;
    let mut per = [(0i64, 0i64); 24];
    for c in counts {
        let h = (c.hour - first_hour).clamp(0, 23) as usize;
        match c.direction {
            Direction::Entry => per[h].0 += c.count,
            Direction::Exit => per[h].1 += c.count,
        }
    }
    let max = per.iter().map(|p| p.0.max(p.1)).max().unwrap_or(0).max(1) as f64;
    let bars = per
        .iter()
        .enumerate()
        .map(|(h, &(entry, exit))| BarView {
            hour: format!("{h:02}"),
            entry,
            exit,
            entry_h: 160.0 * entry as f64 / max,
            exit_h: 160.0 * exit as f64 / max,
            x: 40.0 + h as f64 * 30.0,
        })
        .collect();
    let mut checkpoints: Vec<(String, String, bool)> = app
        .checkpoints
        .values()
        .map(|c| (c.code.to_string(), c.name_vi.clone(), c.code == code))
        .collect();
    checkpoints.sort();
    BoardPage {
        ctx: page.ctx.clone(),
        checkpoint: code.to_string(),
        checkpoint_name: cp.name_vi.clone(),
        checkpoints: if actor.role() == Some(Role::Analyst) { checkpoints } else { Vec::new() },
        date: vn_date(Some(now.date())),
        total_entry: thousands(per.iter().map(|p| p.0).sum(), t.lang),
        total_exit: thousands(per.iter().map(|p| p.1).sum(), t.lang),
        bars,
    }
    .into_response()
}

// ---------------------------------------------------------------- static files

pub async fn css() -> Response {
    static_file("text/css; charset=utf-8", include_str!("../static/app.css"))
}

pub async fn js() -> Response {
    static_file("text/javascript; charset=utf-8", include_str!("../static/app.js"))
}

fn static_file(kind: &'static str, body: &'static str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    (headers, body).into_response()
}
