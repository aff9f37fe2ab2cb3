//! The Country Signing CAs (Doc 9303-12) e-passports' signers are checked under: imported at
//! headquarters, held once each by the SHA-256 of the certificate.

use std::future::Future;

use time::OffsetDateTime;

use crate::Result;

/// A CSCA's certificate with what it says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CscaRecord {
    /// SHA-256 of the DER, hexadecimal.
    pub fingerprint: String,
    pub der: Vec<u8>,
    pub country: String,
    pub subject: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Where it came from: the file it was imported from.
    pub source: String,
    pub added_at: OffsetDateTime,
}

/// A CSCA's revocation list, held once by the SHA-256 of its DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlRecord {
    pub fingerprint: String,
    pub der: Vec<u8>,
    pub issuer: String,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    pub source: String,
    pub added_at: OffsetDateTime,
}

pub trait CscaStore {
    /// Adds the revocation lists not held yet (by fingerprint); returns how many were new.
    fn put_csca_crls(&self, crls: &[CrlRecord]) -> impl Future<Output = Result<usize>> + Send;
    /// Every revocation list held, by issuer, the newest first.
    fn csca_crls(&self) -> impl Future<Output = Result<Vec<CrlRecord>>> + Send;
    /// Those added after `after_ms`, in the order they were added.
    fn csca_crls_since(
        &self,
        after_ms: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<CrlRecord>>> + Send;
    /// At a node: headquarters' revocation lists held, and its position moved to `as_of`
    /// (never back), in one transaction.
    fn hold_csca_crls(
        &self,
        crls: &[CrlRecord],
        as_of: i64,
    ) -> impl Future<Output = Result<usize>> + Send;
    /// Adds the certificates not held yet (by fingerprint); returns how many were new.
    fn put_cscas(&self, cscas: &[CscaRecord]) -> impl Future<Output = Result<usize>> + Send;
    /// Every CSCA held, by country, then the latest to expire first.
    fn cscas(&self) -> impl Future<Output = Result<Vec<CscaRecord>>> + Send;
    /// At headquarters: those added after `after_ms`, in the order they were added.
    fn cscas_since(
        &self,
        after_ms: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<CscaRecord>>> + Send;
    /// At a node: headquarters' CSCAs held, and its position moved to `as_of` (never back),
    /// in one transaction.
    fn hold_cscas(
        &self,
        cscas: &[CscaRecord],
        as_of: i64,
    ) -> impl Future<Output = Result<usize>> + Send;
}
