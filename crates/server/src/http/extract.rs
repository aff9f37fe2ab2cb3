//! Who is asking: a bearer token (API clients, devices) or a session cookie (pages).

use crate::accounts::credentials::token_digest;
use crate::app::App;
use crate::http::cookie;
use crate::http::error::ApiError;
use axum::extract::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header;
use axum::http::request::Parts;
use domain::Actor;
use std::net::IpAddr;
use std::net::SocketAddr;
use store::Store;
use store::TokenKind;

pub const SESSION_COOKIE: &str = "bp_session";

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Authed {
    pub actor: Actor,
    pub ip: Option<IpAddr>,
    /// The CSRF token of a web session (forms carry it back).
    pub csrf: Option<String>,
    pub session_digest: Option<String>,
}

pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// The caller's address, when the server was started with connection info.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

/// A cookie-authenticated request that changes something must come from our own pages.
fn same_origin(parts: &Parts) -> bool {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let h = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = h("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match (h("origin"), h("host")) {
        (Some(origin), Some(host)) => {
            origin.split_once("://").is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
        }
        // Neither header: not a browser, and a browser's cookie cannot be behind it.
        (None, _) => true,
        _ => false,
    }
}

/// A form posted without a session (sign-in, registration) must still come from our own
/// pages: a foreign site must not sign a browser in under an account of its choosing (login
/// CSRF), nor register agencies through visitors' browsers.
#[derive(Debug, Clone, Copy)]
pub struct FromOurPages;

impl<S: Send + Sync> FromRequestParts<S> for FromOurPages {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if same_origin(parts) {
            Ok(FromOurPages)
        } else {
            let lang = crate::web::i18n::lang_of(parts);
            Err(crate::http::guard::error_page(
                lang,
                axum::http::StatusCode::FORBIDDEN,
                Some(lang.errors().cross_site),
            ))
        }
    }
}

impl<S: Store> FromRequestParts<App<S>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, ApiError> {
        let ip = client_ip(parts);
        let now = app.now();
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(ApiError::unauthorized)?;
            let record = app
                .store
                .token(&token_digest(token), now)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            if record.kind == TokenKind::Session {
                return Err(ApiError::unauthorized());
            }
            return Ok(Authed { actor: record.actor, ip, csrf: None, session_digest: None });
        }
        let Some(session) = cookie(parts, SESSION_COOKIE) else {
            return Err(ApiError::unauthorized());
        };
        let digest = token_digest(session);
        let record = app.store.token(&digest, now).await?.ok_or_else(ApiError::unauthorized)?;
        if record.kind != TokenKind::Session {
            return Err(ApiError::unauthorized());
        }
        if !same_origin(parts) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "cross_site_request",
                "this request did not come from the platform's own pages",
            ));
        }
        Ok(Authed { actor: record.actor, ip, csrf: record.csrf, session_digest: Some(digest) })
    }
}

impl Authed {
    /// Who acts, for the services and their audit records.
    pub fn acting(&self) -> crate::app::Acting {
        crate::app::Acting { actor: self.actor.label(), ip: self.ip.map(|i| i.to_string()) }
    }

    pub fn audit(
        &self,
        action: store::AuditAction,
        subject: String,
        detail: serde_json::Value,
    ) -> store::AuditEvent {
        self.acting().audit(action, subject, detail)
    }
}
