//! The edge every request passes: a panic answers the opaque 500 instead of dropping the
//! connection, every answer of the API carries the JSON error shape (the router's and the
//! extractors' rejections included), and the pages' own rejections read as a page in the
//! user's language.

use crate::http::error::ApiError;
use crate::web::i18n::ErrorTexts;
use crate::web::i18n::Lang;
use askama::Template;
use axum::body::Body;
use axum::http::HeaderValue;
use axum::http::Request;
use axum::http::StatusCode;
use axum::http::header;
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;

/// The longest URI the server reads, in bytes: longer ones are refused (414) before routing.
pub const MAX_URI: usize = 8 * 1024;

/// The most header bytes, names and values together, and the most headers a request may carry.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

pub const MAX_HEADERS: usize = 64;

/// The layers every router of the server wears outermost: a panic anywhere below answers the
/// opaque JSON 500.
pub fn harden<S: Clone + Send + Sync + 'static>(router: axum::Router<S>) -> axum::Router<S> {
    router.layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
}

/// What a panic answers: logged with its message, the client told only that it failed.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = %message, "a handler panicked");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side")
        .into_response()
}

fn is_json(res: &Response) -> bool {
    content_type_is(res, "application/json")
}

fn is_html(res: &Response) -> bool {
    content_type_is(res, "text/html")
}

fn content_type_is(res: &Response, kind: &str) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(kind))
}

/// A stable code for a status the router or an extractor answered on its own.
fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        411 => "length_required",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        422 => "invalid_body",
        429 => "too_many_requests",
        431 => "headers_too_large",
        400..=499 => "bad_request",
        _ => "internal",
    }
}

/// Reads at most this much of a rejection's own text to pass on as the message.
const MESSAGE_BYTES: usize = 2_048;

async fn rejection_text(res: Response) -> String {
    let body = res.into_body();
    match axum::body::to_bytes(body, MESSAGE_BYTES).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().chars().take(300).collect(),
        Err(_) => String::new(),
    }
}

/// Limits the router cannot express: the URI's and the headers' size, answered in the shape
/// of the part asked for (JSON under `/api/`, a page elsewhere).
fn oversized(req: &Request<Body>) -> Option<StatusCode> {
    // Measured, not formatted: this runs on every request.
    let uri = req.uri().path_and_query().map_or(0, |p| p.as_str().len())
        + req.uri().authority().map_or(0, |a| a.as_str().len());
    if uri > MAX_URI {
        return Some(StatusCode::URI_TOO_LONG);
    }
    let headers = req.headers();
    let bytes: usize = headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    }
    None
}

/// The most a page's plain form may carry (file uploads come as multipart, not this).
const FORM_LIMIT: usize = 256 * 1024;

/// A plain form whose fields hold NUL (`%00`) is refused whole: no stored text may hold it.
async fn without_nul(req: Request<Body>) -> Result<Request<Body>, StatusCode> {
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let bytes =
        axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| StatusCode::PAYLOAD_TOO_LARGE)?;
    let nul = bytes.contains(&0) || bytes.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00"));
    if nul {
        return Err(StatusCode::BAD_REQUEST);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The API's errors, all as `{"error": {"code", "message"}}`.
pub async fn api_errors(req: Request<Body>, next: Next) -> Response {
    if let Some(status) = oversized(&req) {
        return ApiError::new(status, code_for(status), "the request is too large").into_response();
    }
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&res) {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned();
    let text = rejection_text(res).await;
    let message = if status.is_server_error() {
        "something went wrong on our side".to_string()
    } else if text.is_empty() {
        status.canonical_reason().unwrap_or("refused").to_lowercase()
    } else {
        text
    };
    let mut out = ApiError::new(status, code_for(status), message).into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: &'static str,
    t: &'static ErrorTexts,
    message: String,
    /// What the refusal said in its own words, when it said more than the status does.
    detail: Option<String>,
}

/// A page that tells what went wrong, in the user's language.
pub fn error_page(lang: Lang, status: StatusCode, message: Option<&str>) -> Response {
    error_page_with(lang, status, message, None)
}

fn error_page_with(
    lang: Lang,
    status: StatusCode,
    message: Option<&str>,
    detail: Option<String>,
) -> Response {
    let t = lang.errors();
    let page = ErrorPage {
        lang: lang.texts().lang,
        t,
        message: message.map_or_else(|| t.for_status(status.as_u16()).to_string(), str::to_string),
        detail,
    };
    match page.render() {
        Ok(html) => {
            let mut res = (status, html).into_response();
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            res
        }
        Err(_) => (status, t.for_status(status.as_u16())).into_response(),
    }
}

/// The sentence for a refusal's stable code, where one says more than its status.
fn sentence_for(t: &ErrorTexts, code: &str) -> Option<&'static str> {
    match code {
        "csrf" => Some(t.expired),
        "cross_site" => Some(t.cross_site),
        "forbidden" => Some(t.forbidden),
        "not_found" => Some(t.not_found),
        "headquarters_only" => Some(t.headquarters_only),
        _ => None,
    }
}

/// A refusal in the API's JSON shape, read back as its code and message so that the page can
/// say it; `None` when the body is not that shape.
async fn api_refusal(res: Response) -> Option<(String, String)> {
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024).await.ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let e = v.get("error")?;
    let code = e.get("code")?.as_str()?.to_string();
    let message = e.get("message")?.as_str()?.chars().take(300).collect();
    Some((code, message))
}

/// The pages' errors, whoever wrote them (the router's 404 and 405, a form that does not parse,
/// a body too large, a panic, a handler's refusal in the API's JSON shape): always a page in
/// the user's language, never JSON or bare text.
pub async fn page_errors(req: Request<Body>, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = crate::web::i18n::lang_of(&parts);
    let req = Request::from_parts(parts, body);
    if let Some(status) = oversized(&req) {
        return error_page(lang, status, None);
    }
    let req = match without_nul(req).await {
        Ok(r) => r,
        Err(status) => return error_page(lang, status, None),
    };
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_html(&res) {
        return res;
    }
    if is_json(&res) && !status.is_server_error() {
        let t = lang.errors();
        let said = res.extensions().get::<crate::http::error::SaidInVietnamese>().cloned();
        return match api_refusal(res).await {
            Some((code, message)) => {
                let sentence = sentence_for(t, &code).unwrap_or(t.for_status(status.as_u16()));
                // The refusal's own words in the page's language: the English on English pages;
                // on Vietnamese ones its Vietnamese, or the field named, or nothing more.
                let detail = match (lang, said) {
                    (Lang::En, _) => Some(message),
                    (Lang::Vi, Some(s)) => match (s.sentence, s.field) {
                        (Some(v), Some(f)) => {
                            Some(format!("{}: {v}", crate::web::i18n::field_label_vi(f)))
                        }
                        (Some(v), None) => Some(v),
                        (None, Some(f)) => Some(format!(
                            "{}: giá trị không hợp lệ",
                            crate::web::i18n::field_label_vi(f)
                        )),
                        (None, None) => None,
                    },
                    (Lang::Vi, None) => None,
                };
                error_page_with(lang, status, Some(sentence), detail)
            }
            None => error_page(lang, status, None),
        };
    }
    error_page(lang, status, None)
}
