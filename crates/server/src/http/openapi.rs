//! The API's description, made from the handlers' `#[utoipa::path]` annotations and their
//! request and response types as the routes are added: [`ApiRouter`] takes a route only with its
//! description, so the document served at `/api/v1/openapi.json` cannot leave one out.

use axum::Router;
use axum::handler::Handler;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::MethodFilter;
use axum::routing::MethodRouter;
use serde::Serialize;
use std::sync::OnceLock;
use utoipa::PartialSchema;
use utoipa::ToSchema;
use utoipa::openapi::ComponentsBuilder;
use utoipa::openapi::ContentBuilder;
use utoipa::openapi::InfoBuilder;
use utoipa::openapi::OpenApi;
use utoipa::openapi::OpenApiBuilder;
use utoipa::openapi::Paths;
use utoipa::openapi::RefOr;
use utoipa::openapi::ServerBuilder;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::Http;
use utoipa::openapi::security::HttpAuthScheme;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::security::SecurityScheme;

/// This description of the API (OpenAPI 3.1).
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "the OpenAPI document", content_type = "application/json")))]
pub async fn openapi() -> Response {
    crate::http::openapi::serve()
}

/// Every refusal of the API, whatever its status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, `snake_case`: what a client branches on.
    pub code: String,
    /// Plain words for a person.
    pub message: String,
    /// Every problem found in a refused body (a crew list's rows, a dossier's fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub problems: Option<serde_json::Value>,
}

/// The routes of the API as they are added, each with its description.
pub struct ApiRouter<S> {
    router: Router<S>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl<S> std::fmt::Debug for ApiRouter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiRouter").field("paths", &self.paths.paths.len()).finish()
    }
}

impl<S: Clone + Send + Sync + 'static> Default for ApiRouter<S> {
    fn default() -> Self {
        Self { router: Router::new(), paths: Paths::new(), schemas: Vec::new() }
    }
}

fn filter(m: &HttpMethod) -> MethodFilter {
    match m {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Put => MethodFilter::PUT,
        HttpMethod::Delete => MethodFilter::DELETE,
        HttpMethod::Patch => MethodFilter::PATCH,
        HttpMethod::Head => MethodFilter::HEAD,
        HttpMethod::Options => MethodFilter::OPTIONS,
        HttpMethod::Trace => MethodFilter::TRACE,
    }
}

impl<S: Clone + Send + Sync + 'static> ApiRouter<S> {
    /// Adds `handler` at the path and methods its description `P` names.
    pub fn op<P, H, T>(self, handler: H) -> Self
    where
        P: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
        H: Handler<T, S>,
        T: 'static,
    {
        self.op_with::<P, H, T>(handler, |m| m)
    }

    /// As [`op`](Self::op), with a layer of the route's own (a larger body limit).
    pub fn op_with<P, H, T>(
        mut self,
        handler: H,
        layer: impl FnOnce(MethodRouter<S>) -> MethodRouter<S>,
    ) -> Self
    where
        P: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
        H: Handler<T, S>,
        T: 'static,
    {
        let path = P::path();
        let methods = P::methods();
        let routes =
            methods.iter().fold(MethodRouter::new(), |r, m| r.on(filter(m), handler.clone()));
        self.router = self.router.route(&path, layer(routes));
        let mut operation = P::operation();
        let tags = P::tags();
        if !tags.is_empty() {
            let own = operation.tags.get_or_insert_with(Vec::new);
            for tag in tags {
                if !own.iter().any(|t| t == tag) {
                    own.push(tag.to_string());
                }
            }
        }
        self.paths.add_path_operation(&path, methods, with_errors(operation));
        P::schemas(&mut self.schemas);
        self
    }

    /// The router, and the description of everything it routes.
    pub fn finish(self) -> (Router<S>, OpenApi) {
        let mut components = ComponentsBuilder::new()
            .security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)))
            .schema(ErrorBody::name(), ErrorBody::schema())
            .schema(ErrorDetail::name(), ErrorDetail::schema());
        // Two types of one name would describe each other's fields: refused while testing.
        let mut seen: std::collections::BTreeMap<String, String> = Default::default();
        for (name, schema) in self.schemas {
            let text = serde_json::to_string(&schema).unwrap_or_default();
            let earlier = seen.insert(name.clone(), text.clone());
            debug_assert!(
                earlier.is_none_or(|e| e == text),
                "two schemas are named {name}: rename one of the types"
            );
            components = components.schema(name, schema);
        }
        let doc = OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("bienphong")
                    .version(env!("CARGO_PKG_VERSION"))
                    .description(Some(
                        "The border guard's API: exit-entry control, the watchlist, port \
                         procedures and permits. Authenticate with `Authorization: Bearer \
                         <token>` from `POST /auth/token`. Every refusal is \
                         `{\"error\": {\"code\", \"message\"}}`.",
                    ))
                    .build(),
            )
            .servers(Some([ServerBuilder::new().url("/api/v1").build()]))
            .paths(self.paths)
            .components(Some(components.build()))
            .build();
        (self.router, doc)
    }
}

/// Every operation may be refused: its 4XX and the opaque 5XX carry the error shape. Those that
/// say nothing of who may call them need a bearer token.
fn with_errors(mut op: Operation) -> Operation {
    let error = || {
        ResponseBuilder::new()
            .description("refused: the error's code says why")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("ErrorBody"))))
                    .build(),
            )
            .build()
    };
    for status in ["4XX", "5XX"] {
        if !op.responses.responses.contains_key(status) {
            op.responses.responses.insert(status.to_string(), RefOr::T(error()));
        }
    }
    if op.security.is_none() {
        op.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
    op
}

static DOCUMENT: OnceLock<String> = OnceLock::new();

/// Keeps the description to serve. Every router the process builds describes the same API, so
/// the first one made is kept.
pub fn publish(doc: &OpenApi) {
    DOCUMENT.get_or_init(|| doc.to_pretty_json().unwrap_or_else(|_| "{}".to_string()));
}

/// `GET /api/v1/openapi.json`.
pub fn serve() -> Response {
    let json = DOCUMENT.get().map_or("{}", String::as_str);
    ([(axum::http::header::CONTENT_TYPE, "application/json")], json).into_response()
}
