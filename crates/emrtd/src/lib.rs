//! An e-passport chip's data as an e-gate's reader hands it over (ICAO Doc 9303-10), and
//! passive authentication of it (9303-11 §5.1, 9303-12): the Document Security Object's hashes
//! of the data groups, its signature by the Document Signer. No I/O: bytes in, verdicts out.
//!
//! Every reader here takes outside bytes: each is bounded, walks its input once, and answers
//! a precise error (what was expected, at which byte) rather than panicking.

#![forbid(unsafe_code)]

pub mod issue;
pub mod lds;
pub mod pa;
pub mod sod;
pub mod tlv;
pub mod trust;

pub use lds::{Com, Dg1, Dg2, FaceImage};
pub use sod::{DigestAlgorithm, Sod, SodError};
pub use tlv::{Tlv, TlvError};
