//! What the port procedures keep: agencies, vessels and port calls, dossiers with the people on
//! board and their history. A separate trait from the control's, implemented by both stores.

use std::future::Future;

use domain::port::{CallSign, Clock, DossierStatus, ImoNumber, ProcedureCode, TaxCode, UnLocode};
use domain::{CheckpointCode, Country, DossierScope};
use fal::PersonOnBoard;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::{NewUser, Result};

#[derive(Debug, Clone)]
pub struct NewAgency {
    pub tax_code: TaxCode,
    pub name: String,
    pub address: String,
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyRecord {
    pub id: i64,
    pub tax_code: String,
    pub name: String,
    pub address: String,
    pub email: String,
    pub phone: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
}

/// One of an agency's accounts.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffRecord {
    pub id: i64,
    pub username: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
}

/// A vessel's particulars, reused from one call to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Vessel {
    pub imo: ImoNumber,
    pub name: String,
    pub call_sign: Option<CallSign>,
    pub flag: Option<Country>,
    pub vessel_type: Option<String>,
    pub gross_tonnage: Option<u32>,
}

/// One arrival or departure of a vessel at a port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortCall {
    #[serde(with = "time::serde::rfc3339::option")]
    pub eta: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub etd: Option<OffsetDateTime>,
    pub berth: Option<String>,
    pub last_port: Option<UnLocode>,
    pub next_port: Option<UnLocode>,
}

/// A change of a dossier, as its history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierEvent {
    /// `create`, a step (`submit`, `approve`, …) or `replace_crew` / `replace_passengers`.
    pub action: String,
    pub status: DossierStatus,
    pub actor: String,
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewDossier {
    pub id: String,
    pub agency: i64,
    pub procedure: ProcedureCode,
    pub checkpoint: CheckpointCode,
    pub vessel: Option<Vessel>,
    pub port_call: PortCall,
    /// The general declaration's other fields (voyage number, cargo, remarks), as given.
    pub declaration: serde_json::Value,
    pub crew: Vec<PersonOnBoard>,
    pub passengers: Vec<PersonOnBoard>,
    pub status: DossierStatus,
    pub clock: Clock,
    pub submitted_at: Option<OffsetDateTime>,
    /// Set when the dossier is stored decided (imports, the demo's history).
    pub resolved: Option<(OffsetDateTime, bool)>,
    pub created_by: String,
    pub events: Vec<DossierEvent>,
    /// A digest of the filing as sent: the same id filed again with another body is a
    /// conflict, not a retry.
    pub filing_hash: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DossierRecord {
    pub id: String,
    pub agency_id: i64,
    pub agency_name: String,
    pub procedure: ProcedureCode,
    pub checkpoint: CheckpointCode,
    pub vessel: Option<Vessel>,
    pub port_call: PortCall,
    pub declaration: serde_json::Value,
    pub crew: Vec<PersonOnBoard>,
    pub passengers: Vec<PersonOnBoard>,
    pub status: DossierStatus,
    #[serde(skip)]
    pub clock: Clock,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<OffsetDateTime>,
    pub on_time: Option<bool>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Bumped by every change: a change names the version it saw.
    pub version: i64,
}

/// A line of a queue or an agency's dashboard.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierSummary {
    pub id: String,
    pub procedure: ProcedureCode,
    pub checkpoint: CheckpointCode,
    pub agency_name: String,
    pub vessel_name: Option<String>,
    pub imo: Option<String>,
    pub status: DossierStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub on_time: Option<bool>,
}

/// Which dossiers, in which order.
#[derive(Debug, Clone)]
pub struct DossierFilter {
    pub scope: DossierScope,
    pub checkpoint: Option<CheckpointCode>,
    /// Any of these; all when empty.
    pub statuses: Vec<DossierStatus>,
    /// Soonest due first (a queue), else the latest changed first.
    pub by_due: bool,
    /// Words of the vessel's name, its IMO number or the start of the dossier's reference.
    pub text: String,
    /// Changed at or after this time only.
    pub changed_since: Option<OffsetDateTime>,
    pub offset: u64,
    pub limit: u32,
}

/// A change to a dossier, applied only if nobody changed it since `expected_version`.
#[derive(Debug, Clone)]
pub struct DossierUpdate {
    pub id: String,
    pub expected_version: i64,
    pub status: DossierStatus,
    pub clock: Clock,
    /// Set on the first submission; kept after.
    pub submitted_at: Option<OffsetDateTime>,
    pub resolved: Option<(OffsetDateTime, bool)>,
    pub crew: Option<Vec<PersonOnBoard>>,
    pub passengers: Option<Vec<PersonOnBoard>>,
    pub event: DossierEvent,
}

/// One dossier, as the statistics count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierFact {
    pub procedure: ProcedureCode,
    pub checkpoint: CheckpointCode,
    pub submitted_at: OffsetDateTime,
    pub resolved_at: Option<OffsetDateTime>,
    /// Running time on the clock (time with the agency for a supplement not counted).
    pub handling: Duration,
    pub on_time: Option<bool>,
}

pub trait PortStore {
    /// Registers an agency with its first account, in one transaction.
    fn add_agency(
        &self,
        agency: &NewAgency,
        first_user: &NewUser,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(i64, i64)>> + Send;
    fn agency(&self, id: i64) -> impl Future<Output = Result<Option<AgencyRecord>>> + Send;
    fn agency_by_tax_code(
        &self,
        tax_code: &TaxCode,
    ) -> impl Future<Output = Result<Option<AgencyRecord>>> + Send;
    /// The agency's accounts, by user name, closed ones too.
    fn agency_staff(&self, agency: i64) -> impl Future<Output = Result<Vec<StaffRecord>>> + Send;
    /// Closes an agency and disables its accounts; false if it was closed already.
    fn close_agency(
        &self,
        id: i64,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool>> + Send;

    fn create_dossier(
        &self,
        dossier: &NewDossier,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    fn dossier(&self, id: &str) -> impl Future<Output = Result<Option<DossierRecord>>> + Send;
    /// Who filed a dossier and the digest of the filing, to tell a retry from a conflict.
    fn dossier_filing(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<(i64, Option<String>)>>> + Send;
    /// Oldest first.
    fn dossier_events(&self, id: &str) -> impl Future<Output = Result<Vec<DossierEvent>>> + Send;
    /// How many dossiers the filter finds, whatever its offset and limit.
    fn count_dossiers(&self, f: &DossierFilter) -> impl Future<Output = Result<u64>> + Send;
    fn dossiers(
        &self,
        filter: &DossierFilter,
    ) -> impl Future<Output = Result<Vec<DossierSummary>>> + Send;
    /// Applies the change if the dossier is still at `expected_version`; false if not.
    fn update_dossier(
        &self,
        update: &DossierUpdate,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Dossiers first submitted in `[from, to)`.
    fn dossier_facts(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<DossierFact>>> + Send;
}
