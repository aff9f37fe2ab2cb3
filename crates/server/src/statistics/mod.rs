//! The border guard's statistics of dossiers: received, resolved, on time, handling time.

pub mod api;
pub mod pages;
pub mod service;
