//! The network's pages.
