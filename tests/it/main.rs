//! The one integration-test binary: every outside contract, driven through the real binary.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod csca_cli;
mod egate_cli;
mod helpers;
mod mrz_cli;
mod nodes;
mod proxy;
mod screen_cli;
mod screen_quality;
mod seal_cli;
mod server_cli;
mod tls;
