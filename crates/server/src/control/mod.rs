//! Exit-entry control: the check at a desk, a gate or a phone, the crossings recorded, the
//! nationwide history, the board, and the background screening of gates' crossings.

pub mod api;
pub mod pages;
pub mod screening;
pub mod service;
