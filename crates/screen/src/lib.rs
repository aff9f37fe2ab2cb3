//! Watchlist name screening: find persons of interest among millions of names.
//!
//! Names are folded to upper-case ASCII tokens ([`normalize::tokens`]) and each token to a
//! skeleton that merges transliteration variants ([`normalize::skeleton`]). The [`Index`] keeps a
//! posting list per skeleton and a one-deletion neighbourhood for typos, so a query reads only
//! the lists of its own tokens and their near spellings. Scoring weighs each name part by how
//! rare it is on the list in its place in the name — `NGUYEN`, `VAN`, `THI` weigh little, `LI`
//! after `LIU` (a given name) more than `LI` alone — and then lets the date of
//! birth, nationality and sex raise or lower the score; an exact document number with the same
//! issuing state decides on its own. Every hit says which name matched and why.
//!
//! No I/O, no clock. The index is updated in place: add, change and remove entries while serving.

#![forbid(unsafe_code)]

#[cfg(feature = "eval")]
pub mod ceiling;
mod index;
pub mod model;
pub mod normalize;
mod score;

#[cfg(feature = "eval")]
pub mod eval;

pub use index::{Index, SearchOptions};
pub use model::{Country, Dob, DocumentNumber, Entry, FieldError, Hit, Query, Sex};
pub use score::DEFAULT_THRESHOLD;
