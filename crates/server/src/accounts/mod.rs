//! Accounts: who signs in and how (passwords, tokens, sessions, the sign-in throttle), the
//! devices and accounts an administrator manages, and the pages to sign in and out.

pub mod admin;
pub mod api;
pub mod credentials;
pub mod pages;
pub mod service;
