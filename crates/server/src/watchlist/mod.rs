//! The watchlist and its alerts: the index in memory, the entries as analysts keep them, and
//! the alerts a listed traveller raises.

pub mod api;
pub mod index;
pub mod pages;
pub mod service;
