//! The network's page at headquarters: every node, its last contact, its backlog, and what
//! nodes sent that could not be stored.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use store::Store;

use crate::app::App;
use crate::http::error::ApiError;
use crate::sync::service;
use crate::web::{Ctx, Page, vn_time};

#[derive(Debug)]
pub struct NodeRow {
    pub checkpoint: String,
    pub code: String,
    pub state: &'static str,
    pub last_contact: String,
    pub backlog: String,
    pub version: String,
    pub clock: String,
    /// The clock is more than a minute off.
    pub clock_off: bool,
}

#[derive(Debug)]
pub struct ConflictRow {
    pub node: String,
    pub kind: String,
    pub record_id: String,
    pub received: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "nodes.html")]
pub struct NodesPage {
    ctx: Ctx,
    rows: Vec<NodeRow>,
    conflicts: Vec<ConflictRow>,
}

pub async fn nodes<S: Store>(State(app): State<App<S>>, page: Page) -> Response {
    let right = match page.who.actor.see_nodes() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let t = page.ctx.t;
    let (nodes, conflicts) = match service::nodes(&app, &right, &page.who.acting()).await {
        Ok(found) => found,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let rows = nodes
        .iter()
        .map(|n| NodeRow {
            checkpoint: app
                .checkpoints
                .get(&n.checkpoint)
                .map_or_else(|| n.checkpoint.to_string(), |c| c.name_vi.clone()),
            code: n.checkpoint.to_string(),
            state: match crate::sync::api::node_state(n) {
                "revoked" => t.nodes_revoked,
                "enrolled" => t.nodes_enrolled,
                _ => t.nodes_waiting,
            },
            last_contact: n.last_contact.map_or_else(|| t.node_never.to_string(), vn_time),
            backlog: crate::web::i18n::thousands(n.backlog, t.lang),
            version: n.version.clone().unwrap_or_default(),
            clock: n.clock_offset_ms.map(|o| (o / 1000).to_string()).unwrap_or_default(),
            clock_off: n.clock_offset_ms.is_some_and(|o| o.abs() > service::CLOCK_TOLERANCE_MS),
        })
        .collect();
    let conflicts = conflicts
        .iter()
        .map(|c| ConflictRow {
            node: c.node.to_string(),
            kind: c.kind.clone(),
            record_id: c.record_id.clone(),
            received: vn_time(c.received_at),
        })
        .collect();
    NodesPage { ctx: page.ctx, rows, conflicts }.into_response()
}
