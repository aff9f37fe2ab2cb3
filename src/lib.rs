//! The parts of the `bienphong` command line that read outside data, as a library so that they
//! can be fuzzed and tested on their own.

#![forbid(unsafe_code)]

pub mod watchlist_csv;
