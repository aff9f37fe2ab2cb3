//! Two kinds of failure: the user's, answered plainly with a stable code; ours, logged with its
//! cause chain and answered with an opaque 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Every problem found in a refused body (a crew list's rows), beside the message.
    pub problems: Option<serde_json::Value>,
    /// The field refused, for a page to name in its own words.
    pub field: Option<&'static str>,
    /// The refusal in Vietnamese, where it has been written.
    pub vietnamese: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            problems: None,
            field: None,
            vietnamese: None,
        }
    }

    /// Well-formed but refused by a rule (422), with every problem found.
    pub fn unprocessable(
        code: &'static str,
        message: impl Into<String>,
        problems: serde_json::Value,
    ) -> Self {
        Self {
            problems: Some(problems),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "sign in or send a valid bearer token")
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    /// Ours: the cause goes to the log, the client learns only that it failed.
    pub fn internal(e: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(error = %chain, "request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side")
    }
}

/// What a page needs to say a refusal in Vietnamese, carried beside the JSON (never in it) for
/// `guard::page_errors`.
#[derive(Debug, Clone)]
pub struct SaidInVietnamese {
    pub field: Option<&'static str>,
    pub sentence: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(p) = self.problems {
            error["problems"] = p;
        }
        let body = json!({ "error": error });
        let mut res = (self.status, Json(body)).into_response();
        res.extensions_mut()
            .insert(SaidInVietnamese { field: self.field, sentence: self.vietnamese });
        res
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::Duplicate(what) => {
                Self::new(StatusCode::CONFLICT, "duplicate", format!("{what} already exists"))
            }
            store::StoreError::NotFound(what) => Self::not_found(format!("{what} not found")),
            other => Self::internal(&other),
        }
    }
}

impl From<crate::app::AuditFailed> for ApiError {
    fn from(e: crate::app::AuditFailed) -> Self {
        Self::internal(&e)
    }
}

impl From<domain::Forbidden> for ApiError {
    fn from(e: domain::Forbidden) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", e.0)
    }
}

impl From<domain::InvalidValue> for ApiError {
    fn from(e: domain::InvalidValue) -> Self {
        Self {
            field: Some(e.field),
            vietnamese: e.vietnamese.clone(),
            ..Self::bad_request("invalid_field", e.to_string())
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
