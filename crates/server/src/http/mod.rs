//! The API's kit: its errors, who is asking, JSON bodies read with their bounds, the edge every
//! request passes, and the description generated from the handlers.
pub mod error;
pub mod extract;
pub mod guard;
pub mod openapi;

use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use axum::http::request::Parts;

pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    if has_nul(body) {
        return Err(ApiError::bad_request(
            "invalid_json",
            "a string holds a NUL character (\\u0000), which nothing stored may hold",
        ));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))
}

/// Whether a JSON text holds `\u0000` inside a string (an escape, not an escaped backslash
/// followed by `u0000`). JSON cannot hold a raw NUL at all.
fn has_nul(body: &[u8]) -> bool {
    let mut backslashes = 0usize;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if b == b'u' && backslashes % 2 == 1 && body.get(i + 1..i + 5) == Some(b"0000") {
            return true;
        }
        backslashes = 0;
    }
    body.contains(&0)
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}
