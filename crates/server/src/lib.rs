//! The server: the JSON API under `/api/v1` and the web pages, over one [`store::Store`].

#![forbid(unsafe_code)]

pub mod accounts;
pub mod agency_pages;
pub mod api;
pub mod auth;
pub mod card;
pub mod control;
pub mod error;
pub mod extract;
pub mod guard;
pub mod i18n;
pub mod keys;
pub mod openapi;
pub mod pages;
pub mod permit_pages;
pub mod permits;
pub mod port;
pub mod port_pages;
pub mod screening;
pub mod state;
pub mod watch;

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

pub use state::{App, Clock, Inner};
use watch::Watchlist;

/// How many days a device's token works unless told otherwise: a year, so that a token
/// copied off a gate stops by itself; `device token` gives a fresh one before then.
pub const DEVICE_TOKEN_DAYS: i64 = 365;

#[derive(Debug, Clone)]
pub struct Options {
    pub secure_cookies: bool,
    /// How often to apply the watchlist changes other processes made.
    pub follow_every: Duration,
    /// Deadlines that differ from the catalogue's defaults.
    pub deadlines: Vec<(domain::port::ProcedureCode, time::Duration)>,
    /// Opens the permits' signing keys at start (`BIENPHONG_KEY_PASSPHRASE`).
    pub key_passphrase: Option<Arc<seal::locked::Passphrase>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            secure_cookies: false,
            follow_every: Duration::from_secs(2),
            deadlines: Vec::new(),
            key_passphrase: None,
        }
    }
}

/// Builds the shared state: the checkpoints and the watchlist index are read once here.
pub async fn build<S: Store>(store: S, options: &Options, clock: Clock) -> store::Result<App<S>> {
    let checkpoints: HashMap<_, _> =
        store.checkpoints().await?.into_iter().map(|c| (c.code.clone(), c)).collect();
    let watch = Watchlist::load(&store).await?;
    let (audit_tx, audit_rx) = tokio::sync::mpsc::channel(4_096);
    tokio::spawn(audit_writer(store.clone(), audit_rx));
    Ok(App(Arc::new(Inner {
        audit_tx,
        store,
        watch: RwLock::new(watch),
        screening: tokio::sync::Notify::new(),
        checkpoints,
        throttle: auth::Throttle::default(),
        registrations: auth::Quota::default(),
        permit_keys: RwLock::default(),
        clock,
        secure_cookies: options.secure_cookies,
        procedures: domain::port::catalogue()
            .into_iter()
            .map(|mut p| {
                if let Some((_, d)) = options.deadlines.iter().find(|(c, _)| *c == p.code) {
                    p.deadline = *d;
                }
                p
            })
            .collect(),
    })))
}

/// Group commit: whatever records are waiting go in one transaction, so that requests do not
/// queue one by one behind the chain's head row.
async fn audit_writer<S: Store>(store: S, mut rx: tokio::sync::mpsc::Receiver<state::AuditJob>) {
    let mut jobs = Vec::with_capacity(256);
    while rx.recv_many(&mut jobs, 256).await > 0 {
        let events: Vec<_> = jobs.iter().map(|(e, at, _)| (e.clone(), *at)).collect();
        let ok = match store.append_audits(&events).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, records = events.len(), "writing the audit trail");
                false
            }
        };
        for (_, _, done) in jobs.drain(..) {
            let _ = done.send(ok);
        }
    }
}

pub fn system_clock() -> Clock {
    Arc::new(time::OffsetDateTime::now_utc)
}

/// The API's routes, each added with its description (`openapi::ApiRouter`).
pub fn api<S: Store>() -> (Router<App<S>>, utoipa::openapi::OpenApi) {
    use openapi::ApiRouter;
    let upload =
        |m: axum::routing::MethodRouter<App<S>>| m.layer(DefaultBodyLimit::max(port::UPLOAD_LIMIT));
    ApiRouter::default()
        .op::<api::__path_token, _, _>(api::token::<S>)
        .op::<api::__path_me, _, _>(api::me)
        .op::<api::__path_checkpoints, _, _>(api::checkpoints::<S>)
        .op::<api::__path_check, _, _>(api::check::<S>)
        .op::<api::__path_record, _, _>(api::record::<S>)
        .op::<api::__path_record_batch, _, _>(api::record_batch::<S>)
        .op::<api::__path_history, _, _>(api::history::<S>)
        .op::<api::__path_watch_create, _, _>(api::watch_create::<S>)
        .op::<api::__path_watch_get, _, _>(api::watch_get::<S>)
        .op::<api::__path_watch_update, _, _>(api::watch_update::<S>)
        .op::<api::__path_watch_delete, _, _>(api::watch_delete::<S>)
        .op::<api::__path_alerts, _, _>(api::alerts::<S>)
        .op::<api::__path_alert_confirm, _, _>(api::alert_confirm::<S>)
        .op::<api::__path_alert_dismiss, _, _>(api::alert_dismiss::<S>)
        .op::<api::__path_devices, _, _>(api::devices::<S>)
        .op::<api::__path_device_add, _, _>(api::device_add::<S>)
        .op::<api::__path_device_revoke, _, _>(api::device_revoke::<S>)
        .op::<api::__path_user_disable, _, _>(api::user_disable::<S>)
        .op::<api::__path_openapi, _, _>(api::openapi)
        .op::<port::__path_procedures, _, _>(port::procedures::<S>)
        .op::<port::__path_register, _, _>(port::register::<S>)
        .op::<port::__path_agency, _, _>(port::agency::<S>)
        .op::<port::__path_add_staff, _, _>(port::add_staff::<S>)
        .op::<port::__path_close, _, _>(port::close::<S>)
        .op::<port::__path_create, _, _>(port::create::<S>)
        .op::<port::__path_list, _, _>(port::list::<S>)
        .op::<port::__path_get_one, _, _>(port::get_one::<S>)
        .op::<port::__path_decide, _, _>(port::decide::<S>)
        .op::<port::__path_submit, _, _>(port::submit::<S>)
        .op::<port::__path_cancel, _, _>(port::cancel::<S>)
        .op_with::<port::__path_upload_crew, _, _>(port::upload_crew::<S>, upload)
        .op_with::<port::__path_upload_passengers, _, _>(port::upload_passengers::<S>, upload)
        .op::<port::__path_stats, _, _>(port::stats::<S>)
        .op::<permits::__path_create, _, _>(permits::create::<S>)
        .op::<permits::__path_list, _, _>(permits::list::<S>)
        .op::<permits::__path_verify, _, _>(permits::verify::<S>)
        .op::<permits::__path_get_one, _, _>(permits::get_one::<S>)
        .op::<permits::__path_barcode, _, _>(permits::barcode::<S>)
        .op::<permits::__path_revoke, _, _>(permits::revoke::<S>)
        .op::<permits::__path_card, _, _>(permits::card::<S>)
        .op::<permits::__path_dossier_cards, _, _>(permits::dossier_cards::<S>)
        .op::<permits::__path_from_dossier, _, _>(permits::from_dossier::<S>)
        .finish()
}

pub fn router<S: Store>(app: App<S>) -> Router {
    let (api, doc) = api::<S>();
    openapi::publish(&doc);
    let api = api.fallback(api::not_found).layer(axum::middleware::from_fn(guard::api_errors));
    let docs: Router<App<S>> = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .config(utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"]))
        .into();
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/", get(pages::root::<S>))
        .route("/login", get(pages::login_form).post(pages::login::<S>))
        .route("/logout", post(pages::logout::<S>))
        .route("/lang/{lang}", get(pages::set_lang))
        .route("/account", get(pages::account))
        .route("/desk", get(pages::desk))
        .route("/desk/check", post(pages::desk_check::<S>))
        .route("/desk/record", post(pages::desk_record::<S>))
        .route("/history", get(pages::history::<S>))
        .route("/watchlist", get(pages::watchlist::<S>).post(pages::watchlist_add::<S>))
        .route("/alerts", get(pages::alerts::<S>))
        .route("/alerts/{id}/{verb}", post(pages::alert_decide::<S>))
        .route("/board", get(pages::board::<S>))
        .route("/procedures", get(port_pages::procedures::<S>))
        .route("/dossiers", get(port_pages::dossiers::<S>))
        .route(
            "/dossiers/new",
            get(port_pages::new_form::<S>)
                .post(port_pages::new_submit::<S>)
                .layer(DefaultBodyLimit::max(port::UPLOAD_LIMIT * 2)),
        )
        .route("/dossiers/{id}", get(port_pages::dossier::<S>))
        .route("/dossiers/{id}/step", post(port_pages::step::<S>))
        .route("/dossiers/{id}/crew/edit", post(port_pages::crew_edit::<S>))
        .route(
            "/dossiers/{id}/crew",
            post(port_pages::upload_crew::<S>).layer(DefaultBodyLimit::max(port::UPLOAD_LIMIT)),
        )
        .route(
            "/dossiers/{id}/passengers",
            post(port_pages::upload_passengers::<S>)
                .layer(DefaultBodyLimit::max(port::UPLOAD_LIMIT)),
        )
        .route("/register", get(agency_pages::register_form).post(agency_pages::register::<S>))
        .route("/agency", get(agency_pages::agency::<S>))
        .route("/agency/staff", post(agency_pages::add_staff::<S>))
        .route("/agency/close", post(agency_pages::close::<S>))
        .route("/stats", get(agency_pages::stats::<S>))
        .route("/scan", get(permit_pages::scan_form::<S>).post(permit_pages::scan::<S>))
        .route(
            "/scan/frame",
            post(permit_pages::frame).layer(DefaultBodyLimit::max(8 * 1024 * 1024)),
        )
        .route("/permits", get(permit_pages::list::<S>).post(permit_pages::issue::<S>))
        .route("/permits/{id}", get(permit_pages::one::<S>))
        .route("/permits/{id}/revoke", post(permit_pages::revoke::<S>))
        .route("/dossiers/{id}/shore-passes", post(permit_pages::shore_passes::<S>))
        .route("/static/app.css", get(pages::css))
        .route("/static/app.js", get(pages::js))
        .merge(docs)
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(axum::middleware::from_fn(guard::page_errors))
        .nest("/api/v1", api);
    guard::harden(router).with_state(app)
}

/// Applies, every `every`, the watchlist changes made since the index was last brought up to
/// date (by this process or another), and takes up a newer revocation list of permits.
pub fn follow_watchlist<S: Store>(app: App<S>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = catch_up(&app).await {
                tracing::warn!(error = %e, "following the watchlist");
            }
            // Revocations made by another process sharing the database.
            if let Err(e) = app.refresh_keys().await {
                tracing::warn!(error = %e, "following the permits' keys and revocation list");
            }
        }
    })
}

pub async fn catch_up<S: Store>(app: &App<S>) -> store::Result<usize> {
    let mut total = 0;
    loop {
        let after = app.watchlist().applied_seq;
        let (ids, seq) = Watchlist::pending(&app.store, after).await?;
        if seq == after {
            return Ok(total);
        }
        let mut fresh = Vec::with_capacity(ids.len());
        for id in &ids {
            fresh.push((id.clone(), app.store.watch_entry(id).await?));
        }
        let mut list = app.watchlist_mut();
        for (id, entry) in fresh {
            match entry {
                Some(e) => {
                    if let Err(err) = list.put(&e) {
                        tracing::warn!(entry = %id, error = %err, "watchlist entry not indexed");
                    }
                }
                None => {
                    list.remove(&id);
                }
            }
        }
        list.applied_seq = list.applied_seq.max(seq);
        total += ids.len();
    }
}

/// Serves until the process ends.
pub async fn serve<S: Store>(
    app: App<S>,
    listener: TcpListener,
    options: &Options,
) -> std::io::Result<()> {
    follow_watchlist(app.clone(), options.follow_every);
    screening::follow(app.clone(), options.follow_every);
    axum::serve(listener, router(app).into_make_service_with_connect_info::<SocketAddr>()).await
}
