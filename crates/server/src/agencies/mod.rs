//! Shipping agencies: registering themselves, their staff, closing their account.

pub mod api;
pub mod pages;
pub mod service;
