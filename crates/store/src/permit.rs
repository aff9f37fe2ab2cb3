//! What the permits keep: the signing keys (locked), the revocation lists as signed, the
//! permits with their seals, and the holders' movements at the gangway. A trait of its own,
//! implemented by both stores.

use std::future::Future;

use domain::permit::PermitKind;
use domain::port::ImoNumber;
use domain::{CheckpointCode, Country, DocumentNumber};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyRole {
    Root,
    Signer,
}

impl KeyRole {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyRole::Root => "root",
            KeyRole::Signer => "signer",
        }
    }
}

#[derive(Clone)]
pub struct NewSigningKey {
    pub role: KeyRole,
    pub checkpoint: Option<CheckpointCode>,
    /// `VN01`: the four characters a seal's header names its signer by.
    pub signer_identifier: String,
    /// The certificate's serial number, hexadecimal.
    pub serial: String,
    pub certificate: Vec<u8>,
    /// The private key, locked (`seal::locked`).
    pub locked_key: Vec<u8>,
}

impl std::fmt::Debug for NewSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSigningKey")
            .field("role", &self.role)
            .field("checkpoint", &self.checkpoint)
            .field("signer_identifier", &self.signer_identifier)
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct SigningKeyRecord {
    pub id: i64,
    pub role: KeyRole,
    pub checkpoint: Option<CheckpointCode>,
    pub signer_identifier: String,
    pub serial: String,
    pub certificate: Vec<u8>,
    pub locked_key: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub retired_at: Option<OffsetDateTime>,
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("checkpoint", &self.checkpoint)
            .field("signer_identifier", &self.signer_identifier)
            .field("serial", &self.serial)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationScope {
    Certificates,
    Permits,
}

impl RevocationScope {
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationScope::Certificates => "certificates",
            RevocationScope::Permits => "permits",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RevocationListRecord {
    pub number: i64,
    pub der: Vec<u8>,
    pub issued_at: OffsetDateTime,
}

/// The person a permit is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub family_name: String,
    pub given_names: String,
    pub nationality: Country,
    pub birth_date: Date,
    pub document_number: DocumentNumber,
}

#[derive(Debug, Clone)]
pub struct NewPermit {
    pub id: String,
    /// Hexadecimal, as revocation lists carry it.
    pub serial: String,
    pub kind: PermitKind,
    pub checkpoint: CheckpointCode,
    pub dossier_id: Option<String>,
    pub holder: Holder,
    pub vessel_imo: Option<ImoNumber>,
    pub valid_from: Date,
    pub valid_until: Date,
    pub seal: Vec<u8>,
    /// The signer's reference (`VN01` + serial).
    pub signer: String,
    pub issued_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revocation {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PermitRecord {
    pub permit: NewPermit,
    pub issued_at: OffsetDateTime,
    pub revoked: Option<Revocation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Movement {
    Ashore,
    Aboard,
}

impl Movement {
    pub fn as_str(self) -> &'static str {
        match self {
            Movement::Ashore => "ashore",
            Movement::Aboard => "aboard",
        }
    }

    pub fn parse(s: &str) -> Option<Movement> {
        match s {
            "ashore" => Some(Movement::Ashore),
            "aboard" => Some(Movement::Aboard),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovementRecord {
    pub permit_id: String,
    pub checkpoint: CheckpointCode,
    pub direction: Movement,
    pub actor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Default)]
pub struct PermitFilter {
    pub checkpoint: Option<CheckpointCode>,
    pub dossier_id: Option<String>,
    /// A serial or document number, or a part of the holder's name as written.
    pub text: String,
    pub offset: u64,
    pub limit: u32,
}

pub trait PermitStore {
    fn add_signing_key(
        &self,
        key: &NewSigningKey,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Every key, the retired ones too, oldest first.
    fn signing_keys(&self) -> impl Future<Output = Result<Vec<SigningKeyRecord>>> + Send;
    /// Retires the checkpoint's current signer and adds its successor, in one transaction.
    fn rotate_signing_key(
        &self,
        retire: i64,
        successor: &NewSigningKey,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<i64>> + Send;

    fn put_revocation_list(
        &self,
        scope: RevocationScope,
        list: &RevocationListRecord,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The newest list of the scope.
    fn revocation_list(
        &self,
        scope: RevocationScope,
    ) -> impl Future<Output = Result<Option<RevocationListRecord>>> + Send;

    /// Stores the permits together, or none of them.
    fn create_permits(
        &self,
        permits: &[NewPermit],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    fn permit(&self, id: &str) -> impl Future<Output = Result<Option<PermitRecord>>> + Send;
    fn permit_by_serial(
        &self,
        serial: &str,
    ) -> impl Future<Output = Result<Option<PermitRecord>>> + Send;
    /// Newest first.
    /// The permits the filter finds, newest first, with how many it finds in all.
    fn permits(
        &self,
        filter: &PermitFilter,
    ) -> impl Future<Output = Result<(Vec<PermitRecord>, u64)>> + Send;
    /// False if it was revoked already.
    fn revoke_permit(
        &self,
        id: &str,
        revocation: &Revocation,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Every revoked permit's serial and when, for the revocation list.
    fn revoked_permits(&self)
    -> impl Future<Output = Result<Vec<(String, OffsetDateTime)>>> + Send;

    fn record_movement(&self, m: &MovementRecord) -> impl Future<Output = Result<()>> + Send;
    /// Newest first.
    fn movements(
        &self,
        permit_id: &str,
    ) -> impl Future<Output = Result<Vec<MovementRecord>>> + Send;
}
