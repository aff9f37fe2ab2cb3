//! Permits with signed seals: issued, printed, scanned at the gangway, revoked; the keys that
//! sign them.

pub mod api;
pub mod card;
pub mod keys;
pub mod pages;
pub mod service;
