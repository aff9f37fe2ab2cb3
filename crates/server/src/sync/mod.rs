//! Checkpoint nodes and headquarters: the sync between them (`docs/sync.md`).

pub mod api;
pub mod link;
pub mod pages;
pub mod service;
pub mod wire;
