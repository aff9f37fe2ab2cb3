//! The server: the JSON API under `/api/v1` and the web pages, over one [`store::Store`].

#![forbid(unsafe_code)]

pub mod accounts;
pub mod agencies;
pub mod app;
pub mod control;
pub mod egate;
pub mod http;
pub mod permits;
pub mod port;
pub mod statistics;
pub mod sync;
pub mod watchlist;
pub mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use store::Store;
use tokio::net::TcpListener;

use crate::watchlist::index::Watchlist;
pub use app::{App, Clock, Inner};

/// How many days a device's token works unless told otherwise: a year, so that a token
/// copied off a gate stops by itself; `device token` gives a fresh one before then.
pub const DEVICE_TOKEN_DAYS: i64 = 365;

/// Node messages one process stores at once (see `Inner::sync_intake`).
const SYNC_INTAKE: usize = 3;

#[derive(Debug, Clone)]
pub struct Options {
    pub secure_cookies: bool,
    /// How often to apply the watchlist changes other processes made.
    pub follow_every: Duration,
    /// Deadlines that differ from the catalogue's defaults.
    pub deadlines: Vec<(domain::port::ProcedureCode, time::Duration)>,
    /// Opens the permits' signing keys at start (`BIENPHONG_KEY_PASSPHRASE`).
    pub key_passphrase: Option<Arc<seal::locked::Passphrase>>,
    /// A permit scanned again within this time of its last movement is a double scan: answered,
    /// not recorded again.
    pub rescan_window: time::Duration,
    /// Set when this process is a checkpoint's node: its link to headquarters.
    pub node: Option<Arc<crate::sync::link::NodeLink>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            secure_cookies: false,
            follow_every: Duration::from_secs(2),
            deadlines: Vec::new(),
            key_passphrase: None,
            rescan_window: time::Duration::minutes(1),
            node: None,
        }
    }
}

/// Builds the shared state: the checkpoints and the watchlist index are read once here.
pub async fn build<S: Store>(store: S, options: &Options, clock: Clock) -> store::Result<App<S>> {
    let checkpoints: HashMap<_, _> =
        store.checkpoints().await?.into_iter().map(|c| (c.code.clone(), c)).collect();
    let watch = Watchlist::load(&store).await?;
    let (audit_tx, audit_rx) = tokio::sync::mpsc::channel(4_096);
    tokio::spawn(app::audit_writer(store.clone(), audit_rx));
    let app = App(Arc::new(Inner {
        audit_tx,
        store,
        watch: RwLock::new(watch),
        screening: tokio::sync::Notify::new(),
        checkpoints,
        throttle: crate::accounts::credentials::Throttle::default(),
        registrations: crate::accounts::credentials::Quota::default(),
        permit_keys: RwLock::default(),
        clock,
        rescan_window: options.rescan_window,
        secure_cookies: options.secure_cookies,
        node: options.node.clone(),
        sync_intake: tokio::sync::Semaphore::new(SYNC_INTAKE),
        passport_trust: crate::egate::trust::PassportTrust::default(),
        procedures: domain::port::catalogue()
            .into_iter()
            .map(|mut p| {
                if let Some((_, d)) = options.deadlines.iter().find(|(c, _)| *c == p.code) {
                    p.deadline = *d;
                }
                p
            })
            .collect(),
    }));
    // The e-gates' trust read once before the first gate asks.
    app.passport_trust.refresh_now(&app.store).await?;
    Ok(app)
}

pub fn system_clock() -> Clock {
    Arc::new(time::OffsetDateTime::now_utc)
}

/// The API's routes, each added with its description (`crate::http::openapi::ApiRouter`).
pub fn api<S: Store>() -> (Router<App<S>>, utoipa::openapi::OpenApi) {
    use crate::http::openapi::ApiRouter;
    let upload = |m: axum::routing::MethodRouter<App<S>>| {
        m.layer(DefaultBodyLimit::max(crate::port::service::UPLOAD_LIMIT))
    };
    ApiRouter::default()
        .op::<crate::accounts::api::__path_token, _, _>(crate::accounts::api::token::<S>)
        .op::<crate::accounts::api::__path_me, _, _>(crate::accounts::api::me)
        .op::<crate::control::api::__path_checkpoints, _, _>(crate::control::api::checkpoints::<S>)
        .op::<crate::control::api::__path_check, _, _>(crate::control::api::check::<S>)
        .op::<crate::control::api::__path_record, _, _>(crate::control::api::record::<S>)
        .op::<crate::control::api::__path_record_batch, _, _>(
            crate::control::api::record_batch::<S>,
        )
        .op::<crate::control::api::__path_history, _, _>(crate::control::api::history::<S>)
        .op::<crate::watchlist::api::__path_watch_create, _, _>(
            crate::watchlist::api::watch_create::<S>,
        )
        .op::<crate::watchlist::api::__path_watch_get, _, _>(crate::watchlist::api::watch_get::<S>)
        .op::<crate::watchlist::api::__path_watch_update, _, _>(
            crate::watchlist::api::watch_update::<S>,
        )
        .op::<crate::watchlist::api::__path_watch_delete, _, _>(
            crate::watchlist::api::watch_delete::<S>,
        )
        .op::<crate::watchlist::api::__path_alerts, _, _>(crate::watchlist::api::alerts::<S>)
        .op::<crate::watchlist::api::__path_alert_confirm, _, _>(
            crate::watchlist::api::alert_confirm::<S>,
        )
        .op::<crate::watchlist::api::__path_alert_dismiss, _, _>(
            crate::watchlist::api::alert_dismiss::<S>,
        )
        .op::<crate::accounts::api::__path_devices, _, _>(crate::accounts::api::devices::<S>)
        .op::<crate::accounts::api::__path_device_add, _, _>(crate::accounts::api::device_add::<S>)
        .op::<crate::accounts::api::__path_device_revoke, _, _>(
            crate::accounts::api::device_revoke::<S>,
        )
        .op::<crate::accounts::api::__path_user_disable, _, _>(
            crate::accounts::api::user_disable::<S>,
        )
        .op::<crate::http::openapi::__path_openapi, _, _>(crate::http::openapi::openapi)
        .op::<crate::port::api::__path_procedures, _, _>(crate::port::api::procedures::<S>)
        .op::<crate::agencies::api::__path_register, _, _>(crate::agencies::api::register::<S>)
        .op::<crate::agencies::api::__path_agency, _, _>(crate::agencies::api::agency::<S>)
        .op::<crate::agencies::api::__path_add_staff, _, _>(crate::agencies::api::add_staff::<S>)
        .op::<crate::agencies::api::__path_close, _, _>(crate::agencies::api::close::<S>)
        .op::<crate::port::api::__path_create, _, _>(crate::port::api::create::<S>)
        .op::<crate::port::api::__path_list, _, _>(crate::port::api::list::<S>)
        .op::<crate::port::api::__path_get_one, _, _>(crate::port::api::get_one::<S>)
        .op::<crate::port::api::__path_decide, _, _>(crate::port::api::decide::<S>)
        .op::<crate::port::api::__path_submit, _, _>(crate::port::api::submit::<S>)
        .op::<crate::port::api::__path_cancel, _, _>(crate::port::api::cancel::<S>)
        .op_with::<crate::port::api::__path_upload_crew, _, _>(
            crate::port::api::upload_crew::<S>,
            upload,
        )
        .op_with::<crate::port::api::__path_upload_passengers, _, _>(
            crate::port::api::upload_passengers::<S>,
            upload,
        )
        .op::<crate::statistics::api::__path_stats, _, _>(crate::statistics::api::stats::<S>)
        .op::<crate::permits::api::__path_create, _, _>(crate::permits::api::create::<S>)
        .op::<crate::permits::api::__path_list, _, _>(crate::permits::api::list::<S>)
        .op::<crate::permits::api::__path_verify, _, _>(crate::permits::api::verify::<S>)
        .op::<crate::permits::api::__path_get_one, _, _>(crate::permits::api::get_one::<S>)
        .op::<crate::permits::api::__path_barcode, _, _>(crate::permits::api::barcode::<S>)
        .op::<crate::permits::api::__path_revoke, _, _>(crate::permits::api::revoke::<S>)
        .op::<crate::permits::api::__path_card, _, _>(crate::permits::api::card::<S>)
        .op::<crate::permits::api::__path_dossier_cards, _, _>(
            crate::permits::api::dossier_cards::<S>,
        )
        .op::<crate::permits::api::__path_from_dossier, _, _>(
            crate::permits::api::from_dossier::<S>,
        )
        .op::<crate::sync::api::__path_nodes, _, _>(crate::sync::api::nodes::<S>)
        .op::<crate::egate::api::__path_transact, _, _>(crate::egate::api::transact::<S>)
        .op::<crate::egate::api::__path_transactions, _, _>(crate::egate::api::transactions::<S>)
        .op::<crate::egate::api::__path_gates, _, _>(crate::egate::api::gates::<S>)
        .op::<crate::egate::api::__path_thresholds, _, _>(crate::egate::api::thresholds::<S>)
        .op::<crate::egate::api::__path_set_thresholds, _, _>(
            crate::egate::api::set_thresholds::<S>,
        )
        .finish()
}

/// The nodes' sync protocol (`docs/sync.md`): gzip-compressed messages between a node and
/// headquarters, with the node's credential, for no other client; described there, not in the
/// API's description. And a node's switch of its link.
fn sync_routes<S: Store>() -> Router<App<S>> {
    let limit = DefaultBodyLimit::max(crate::sync::wire::MAX_COMPRESSED);
    Router::new()
        .route("/sync/enrol", post(crate::sync::api::enrol::<S>))
        .route("/sync/up", post(crate::sync::api::up::<S>).layer(limit))
        .route("/sync/down", post(crate::sync::api::down::<S>))
        .route("/sync/history", post(crate::sync::api::history::<S>))
        .route("/admin/link", post(crate::sync::api::link::<S>))
}

pub fn router<S: Store>(app: App<S>) -> Router {
    let (api, doc) = api::<S>();
    http::openapi::publish(&doc);
    let api = api
        .merge(sync_routes::<S>())
        .fallback(crate::http::not_found)
        .layer(axum::middleware::from_fn(crate::http::guard::api_errors));
    let docs: Router<App<S>> = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .config(utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"]))
        .into();
    let router = Router::new()
        .route("/healthz", get(crate::sync::api::healthz::<S>))
        .route("/", get(crate::accounts::pages::root::<S>))
        .route(
            "/login",
            get(crate::accounts::pages::login_form).post(crate::accounts::pages::login::<S>),
        )
        .route("/logout", post(crate::accounts::pages::logout::<S>))
        .route("/lang/{lang}", get(crate::accounts::pages::set_lang))
        .route("/account", get(crate::accounts::pages::account))
        .route("/desk", get(crate::control::pages::desk::<S>))
        .route("/desk/check", post(crate::control::pages::desk_check::<S>))
        .route("/desk/record", post(crate::control::pages::desk_record::<S>))
        .route("/history", get(crate::control::pages::history::<S>))
        .route(
            "/watchlist",
            get(crate::watchlist::pages::watchlist::<S>)
                .post(crate::watchlist::pages::watchlist_add::<S>),
        )
        .route(
            "/watchlist/{id}",
            get(crate::watchlist::pages::watch_entry::<S>)
                .post(crate::watchlist::pages::watch_entry_save::<S>),
        )
        .route("/watchlist/{id}/remove", post(crate::watchlist::pages::watch_entry_remove::<S>))
        .route("/alerts", get(crate::watchlist::pages::alerts::<S>))
        .route("/alerts/{id}/{verb}", post(crate::watchlist::pages::alert_decide::<S>))
        .route("/board", get(crate::control::pages::board::<S>))
        .route("/procedures", get(crate::port::pages::procedures::<S>))
        .route("/dossiers", get(crate::port::pages::dossiers::<S>))
        .route(
            "/dossiers/new",
            get(crate::port::pages::new_form::<S>)
                .post(crate::port::pages::new_submit::<S>)
                .layer(DefaultBodyLimit::max(crate::port::service::UPLOAD_LIMIT * 2)),
        )
        .route("/dossiers/{id}", get(crate::port::pages::dossier::<S>))
        .route("/dossiers/{id}/step", post(crate::port::pages::step::<S>))
        .route("/dossiers/{id}/crew/edit", post(crate::port::pages::crew_edit::<S>))
        .route(
            "/dossiers/{id}/crew",
            post(crate::port::pages::upload_crew::<S>)
                .layer(DefaultBodyLimit::max(crate::port::service::UPLOAD_LIMIT)),
        )
        .route(
            "/dossiers/{id}/passengers",
            post(crate::port::pages::upload_passengers::<S>)
                .layer(DefaultBodyLimit::max(crate::port::service::UPLOAD_LIMIT)),
        )
        .route(
            "/register",
            get(crate::agencies::pages::register_form).post(crate::agencies::pages::register::<S>),
        )
        .route("/agency", get(crate::agencies::pages::agency::<S>))
        .route("/agency/staff", post(crate::agencies::pages::add_staff::<S>))
        .route("/agency/close", post(crate::agencies::pages::close::<S>))
        .route("/stats", get(crate::statistics::pages::stats::<S>))
        .route(
            "/scan",
            get(crate::permits::pages::scan_form::<S>).post(crate::permits::pages::scan::<S>),
        )
        .route(
            "/scan/frame",
            post(crate::permits::pages::frame).layer(DefaultBodyLimit::max(8 * 1024 * 1024)),
        )
        .route(
            "/permits",
            get(crate::permits::pages::list::<S>).post(crate::permits::pages::issue::<S>),
        )
        .route("/permits/{id}", get(crate::permits::pages::one::<S>))
        .route("/permits/{id}/revoke", post(crate::permits::pages::revoke::<S>))
        .route("/dossiers/{id}/shore-passes", post(crate::permits::pages::shore_passes::<S>))
        .route(
            "/admin/accounts",
            get(crate::accounts::admin::accounts::<S>)
                .post(crate::accounts::admin::account_add::<S>),
        )
        .route(
            "/admin/accounts/{username}/{verb}",
            post(crate::accounts::admin::account_action::<S>),
        )
        .route("/admin/devices", get(crate::accounts::admin::devices::<S>))
        .route("/admin/devices/{verb}", post(crate::accounts::admin::device_action::<S>))
        .route("/admin/devices/{id}/{verb}", post(crate::accounts::admin::one_device_action::<S>))
        .route("/audit", get(crate::accounts::admin::audit::<S>))
        .route("/nodes", get(crate::sync::pages::nodes::<S>))
        .route("/gates", get(crate::egate::pages::gates::<S>))
        .route("/gates/thresholds", post(crate::egate::pages::set_thresholds::<S>))
        .route("/static/app.css", get(crate::web::css))
        .route("/static/app.js", get(crate::web::js))
        .merge(docs)
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::sync::api::headquarters_only_pages::<S>,
        ))
        .layer(axum::middleware::from_fn(crate::http::guard::page_errors))
        .nest("/api/v1", api)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::sync::api::headquarters_only::<S>,
        ));
    crate::http::guard::harden(router).with_state(app)
}

/// Applies, every `every`, the watchlist changes made since the index was last brought up to
/// date (by this process or another), and takes up a newer revocation list of permits.
pub fn follow_watchlist<S: Store>(app: App<S>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = watchlist::service::catch_up(&app).await {
                tracing::warn!(error = %e, "following the watchlist");
            }
            // Revocations made by another process sharing the database.
            if let Err(e) = app.refresh_keys().await {
                tracing::warn!(error = %e, "following the permits' keys and revocation list");
            }
        }
    })
}

/// Serves until the process ends.
pub async fn serve<S: Store>(
    app: App<S>,
    listener: TcpListener,
    options: &Options,
) -> std::io::Result<()> {
    follow_watchlist(app.clone(), options.follow_every);
    crate::control::screening::follow(app.clone(), options.follow_every);
    crate::sync::service::follow_link(app.clone());
    axum::serve(listener, router(app).into_make_service_with_connect_info::<SocketAddr>()).await
}
