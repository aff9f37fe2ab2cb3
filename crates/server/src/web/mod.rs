//! The pages' kit: who is signed in and in which language, the page's context and menu, CSRF,
//! redirects that stay on this server, dates as the pages show them, the static files.
//! Templates are compile-time-checked; forms work without JavaScript.
pub mod export;
pub mod i18n;

use crate::accounts::credentials::Secret;
use crate::app::App;
use crate::http::cookie;
use crate::http::error::ApiError;
use crate::http::extract::Authed;
use crate::http::extract::SESSION_COOKIE;
use crate::web::i18n::Lang;
use crate::web::i18n::Texts;
use crate::web::i18n::lang_of;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::response::Redirect;
use axum::response::Response;
use domain::Actor;
use domain::Role;
use domain::bounds::VIETNAM;
use serde::Deserialize;
use store::NewToken;
use store::Store;
use store::TokenKind;
use store::TokenOwner;
use time::Date;
use time::OffsetDateTime;

const SESSION_HOURS: i64 = 12;

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
    /// The menu: where, its words, whether it is this page, and how many things there wait
    /// for the user (open alerts, an agency's new results).
    pub nav: Vec<(&'static str, &'static str, bool, Option<u64>)>,
    /// At a checkpoint's node: how its link to headquarters stands, on every page.
    pub node: Option<NodeBanner>,
}

/// A node's link, said in a line: connected or since when not, what waits to go up, how old
/// the watchlist is.
#[derive(Debug, Clone)]
pub struct NodeBanner {
    pub connected: bool,
    pub line: String,
    /// The node's clock is more than a minute off headquarters'.
    pub clock: Option<String>,
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
            node: None,
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
    let lang = if t.lang == "en" { crate::web::i18n::Lang::En } else { crate::web::i18n::Lang::Vi };
    if actor.gate_board().is_ok() {
        items.push(("/gates", lang.gates().gates));
    }
    if sees_dossiers(role) {
        items.push(("/dossiers", lang.port().dossiers));
    }
    if sees_permits(role) {
        if matches!(role, Some(Role::Officer | Role::Commander)) {
            items.push(("/scan", lang.permit().scan));
        }
        items.push(("/permits", lang.permit().permits));
    }
    if sees_stats(actor) {
        items.push(("/stats", lang.agency().stats));
    }
    if actor.file_dossiers().is_ok() {
        items.push(("/agency", lang.agency().account));
    }
    if actor.administer().is_ok() {
        items.push(("/admin/accounts", t.accounts));
        items.push(("/admin/devices", t.devices));
    }
    if actor.read_audit().is_ok() {
        items.push(("/audit", t.audit));
    }
    if actor.see_nodes().is_ok() {
        items.push(("/nodes", t.nodes));
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
            checkpoint: who
                .actor
                .checkpoint
                .as_ref()
                .map(|c| checkpoint_name(app, t, c))
                .unwrap_or_default(),
            csrf: who.csrf.clone().unwrap_or_default(),
            nav: with_counts(app, &who.actor, at_node(app, nav(&who.actor, t, parts.uri.path())))
                .await,
            node: node_banner(app, t).await,
            path,
        };
        Ok(Page { who, ctx })
    }
}

/// At a checkpoint's node the menu leaves out what only headquarters holds: the port's
/// dossiers, the permits' register, the statistics, the accounts and the network.
fn at_node<S>(
    app: &App<S>,
    mut items: Vec<(&'static str, &'static str, bool)>,
) -> Vec<(&'static str, &'static str, bool)> {
    if app.node.is_some() {
        items.retain(|(href, _, _)| {
            !matches!(
                *href,
                "/dossiers"
                    | "/permits"
                    | "/stats"
                    | "/agency"
                    | "/admin/accounts"
                    | "/admin/devices"
                    | "/nodes"
            )
        });
    }
    items
}

/// How a node's link stands, for the line at the top of its pages; none at headquarters, or
/// when it cannot be read (the page still shows).
async fn node_banner<S: Store>(app: &App<S>, t: &'static Texts) -> Option<NodeBanner> {
    let link = app.node.as_ref()?;
    let h = crate::sync::service::health(app, link).await.ok()?;
    let when = |at: time::OffsetDateTime| {
        let local = domain::bounds::at_offset(at, domain::bounds::VIETNAM);
        let today = app.today();
        if local.date() == today {
            format!("{:02}:{:02}", local.hour(), local.minute())
        } else if t.lang == "en" {
            format!("{:02}:{:02} on {}", local.hour(), local.minute(), local.date())
        } else {
            format!(
                "{:02}:{:02} ngày {}",
                local.hour(),
                local.minute(),
                domain::day_vi(local.date())
            )
        }
    };
    let cp = checkpoint_name(app, t, &h.checkpoint);
    let state = if h.switched_off {
        t.node_switched_off.to_string()
    } else if h.connected {
        format!("{} {}", t.node_connected, when(h.since))
    } else {
        format!("{} {} — {}", t.node_down, when(h.since), t.node_down_works)
    };
    let line = format!(
        "{} {cp} · {state} · {}: {} · {} {}",
        t.node_of,
        t.node_backlog,
        crate::web::i18n::thousands(h.backlog, t.lang),
        t.node_watchlist_as_of,
        h.watchlist_as_of.map_or_else(|| t.node_never.to_string(), when),
    );
    let clock = h
        .clock_off()
        .then(|| format!("{} {}", t.node_clock_off, h.clock_offset_ms.unwrap_or(0) / 1000));
    Some(NodeBanner { connected: h.connected && !h.switched_off, line, clock })
}

/// The menu with what waits behind its items: the open alerts of the user's scope, and for an
/// agency its dossiers decided in the last day or sent back for a supplement. A count that
/// cannot be read is left out rather than failing the page.
async fn with_counts<S: Store>(
    app: &App<S>,
    actor: &Actor,
    nav: Vec<(&'static str, &'static str, bool)>,
) -> Vec<(&'static str, &'static str, bool, Option<u64>)> {
    let alerts = match actor.alerts() {
        Ok(scope) => app
            .store
            .alerts(&scope, Some(store::AlertStatus::Open), 0, 1)
            .await
            .ok()
            .map(|(_, n)| n),
        Err(_) => None,
    };
    let results = match (actor.file_dossiers(), actor.dossiers()) {
        (Ok(_), Ok(scope)) => {
            use domain::port::DossierStatus as St;
            let recent = store::port::DossierFilter {
                scope: scope.clone(),
                checkpoint: None,
                statuses: vec![St::Approved, St::Rejected],
                by_due: false,
                text: String::new(),
                changed_since: Some(app.now() - time::Duration::days(1)),
                offset: 0,
                limit: 1,
            };
            let asked = store::port::DossierFilter {
                statuses: vec![St::SupplementRequested],
                changed_since: None,
                ..recent.clone()
            };
            match tokio::try_join!(
                app.store.count_dossiers(&recent),
                app.store.count_dossiers(&asked)
            ) {
                Ok((a, b)) => Some(a + b),
                Err(_) => None,
            }
        }
        _ => None,
    };
    nav.into_iter()
        .map(|(href, label, current)| {
            let count = match href {
                "/alerts" => alerts,
                "/dossiers" => results,
                _ => None,
            }
            .filter(|n| *n > 0);
            (href, label, current, count)
        })
        .collect()
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
pub(crate) fn local(next: Option<&str>) -> Option<String> {
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

pub(crate) fn home(actor: &Actor) -> &'static str {
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
    d.map(domain::day_vi).unwrap_or_default()
}

pub fn vn_time(t: OffsetDateTime) -> String {
    let t = domain::bounds::at_offset(t, VIETNAM);
    format!("{:02}:{:02} {}", t.hour(), t.minute(), vn_date(Some(t.date())))
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
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
    pub csrf: String,
}

// ---------------------------------------------------------------- static files

pub async fn css() -> Response {
    static_file("text/css; charset=utf-8", include_str!("../../static/app.css"))
}

pub async fn js() -> Response {
    static_file("text/javascript; charset=utf-8", include_str!("../../static/app.js"))
}

fn static_file(kind: &'static str, body: &'static str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    (headers, body).into_response()
}

/// Whether the nav shows the dossiers to this role.
pub fn sees_dossiers(role: Option<Role>) -> bool {
    matches!(role, Some(Role::Agent | Role::Officer | Role::Commander | Role::Analyst))
}

/// Whether the nav shows the scan page and the permits to this role.
pub fn sees_permits(role: Option<Role>) -> bool {
    matches!(role, Some(Role::Officer | Role::Commander | Role::Analyst))
}

/// Whether the statistics page is for this role: the border guard's, never an agency's.
pub fn sees_stats(actor: &domain::Actor) -> bool {
    actor.dossiers().is_ok_and(|s| !matches!(s, domain::DossierScope::Agency(_)))
}

/// A date as typed on a page: `dd/mm/yyyy` as the pages show dates, taken as `YYYY-MM-DD`;
/// anything else as typed (`YYYY-MM-DD`, a year alone), for the parser to judge.
pub fn typed_date(s: &str) -> String {
    let t = s.trim();
    match t.split('/').collect::<Vec<_>>()[..] {
        [d, m, y] if y.len() == 4 => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => t.to_string(),
    }
}

/// A checkpoint as the pages name it: its name in the page's language, the code when unknown.
pub fn checkpoint_name<S>(app: &App<S>, t: &Texts, code: &domain::CheckpointCode) -> String {
    app.checkpoints.get(code).map_or_else(
        || code.to_string(),
        |c| if t.lang == "vi" { c.name_vi.clone() } else { c.name_ascii.clone() },
    )
}

/// The links under a list that can grow: where this page is among all, the pages before and
/// after, and the list as a file.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    /// "101–150 of 312", in the page's language.
    pub summary: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub csv: Option<String>,
    pub xlsx: Option<String>,
}

/// Where a page is in its list: `shown` items from `offset`, of `total` (a `total` past `cap`
/// reads "more than").
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub offset: u64,
    pub shown: usize,
    pub per_page: u64,
    pub total: u64,
    pub cap: u64,
}

impl Pager {
    /// The pager of a list at `path` with its query `params` (without paging).
    pub fn new(t: &i18n::Texts, path: &str, params: &[(&str, String)], w: Window) -> Pager {
        let Window { offset, shown, per_page, total, cap } = w;
        let link = |extra: &[(&str, String)]| {
            let all: Vec<(&str, &str)> = params
                .iter()
                .chain(extra)
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (*k, v.as_str()))
                .collect();
            let q = serde_urlencoded::to_string(all).unwrap_or_default();
            if q.is_empty() { path.to_string() } else { format!("{path}?{q}") }
        };
        let end = offset + shown as u64;
        let total_words = if total > cap {
            format!("{} {}", t.more_than, i18n::thousands(cap as i64, t.lang))
        } else {
            i18n::thousands(total as i64, t.lang)
        };
        let summary = if shown == 0 {
            format!("0 / {total_words}")
        } else {
            format!(
                "{}–{} / {total_words}",
                i18n::thousands(offset as i64 + 1, t.lang),
                i18n::thousands(end as i64, t.lang)
            )
        };
        Pager {
            summary,
            prev: (offset > 0)
                .then(|| link(&[("offset", offset.saturating_sub(per_page).to_string())])),
            next: (end < total && end < cap).then(|| link(&[("offset", end.to_string())])),
            csv: Some(link(&[("format", "csv".into())])),
            xlsx: Some(link(&[("format", "xlsx".into())])),
        }
    }
}

/// A refusal as a page says it: the API's English in English; in Vietnamese, the refusal's own
/// Vietnamese sentence, or the field named in the page's words, or a sentence for its kind,
/// never the English.
pub fn said(t: &i18n::Texts, e: &crate::http::error::ApiError) -> String {
    if t.lang == "en" {
        return e.message.clone();
    }
    let label = e.field.map(i18n::field_label_vi);
    match (&e.vietnamese, label) {
        (Some(v), Some(l)) => format!("{l}: {v}"),
        (Some(v), None) => v.clone(),
        (None, Some(l)) => format!("{l}: giá trị không hợp lệ"),
        (None, None) => match e.code {
            "unreadable_document" => {
                "Không đọc được MRZ: hãy đặt lại giấy tờ lên máy đọc, hoặc nhập tay.".into()
            }
            "invalid_document" => "Thông tin giấy tờ không đủ hoặc không hợp lệ.".into(),
            "invalid_query" => "Hãy gõ số giấy tờ, hoặc họ tên (họ trước).".into(),
            "id_conflict" => "Lượt này đã được ghi với nội dung khác.".into(),
            "csrf" => i18n::Lang::Vi.errors().expired.into(),
            _ => i18n::Lang::Vi.errors().for_status(e.status.as_u16()).into(),
        },
    }
}
