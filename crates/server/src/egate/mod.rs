//! E-gates: a gate's transaction decided (the desk's rules, the chip's passive authentication,
//! the face and fingerprint scores against the checkpoint's thresholds) and kept; the
//! commander's gate board; the referrals an officer takes over at the desk.

pub mod api;
pub mod pages;
pub mod service;
pub mod trust;
