//! Port procedures: the public catalogue, vessel dossiers filed, amended and decided.

pub mod api;
pub mod pages;
pub mod service;
