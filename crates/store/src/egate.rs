//! E-gate transactions: each gate's reading and the platform's decision, kept once by the
//! transaction's id; the referrals an officer takes over; the thresholds of each checkpoint.

use std::future::Future;

use domain::egate::{ChipAccess, ChipOutcome, GateDecision, GateName, Thresholds};
use domain::{CheckpointCode, Country, Direction, DocumentNumber, DocumentType};
use time::{Date, OffsetDateTime};

use crate::{NewCrossing, RecordedBy, Result};

/// A reason as kept: its code and its sentence in both languages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeptReason {
    pub code: String,
    pub message: String,
    pub vi: String,
}

/// Who the document named, as far as the gate could read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgateDocument {
    pub doc_type: DocumentType,
    pub issuing_state: Country,
    pub number: DocumentNumber,
    /// Family name first, as read.
    pub holder: String,
    pub birth_date: Option<Date>,
}

/// One transaction at a gate, as decided.
#[derive(Debug, Clone, PartialEq)]
pub struct EgateRecord {
    pub id: String,
    pub checkpoint: CheckpointCode,
    pub gate: GateName,
    pub direction: Direction,
    /// When the platform decided.
    pub at: OffsetDateTime,
    pub decision: GateDecision,
    pub reasons: Vec<KeptReason>,
    /// None when the document could not be read.
    pub document: Option<EgateDocument>,
    /// The MRZ or barcode as the gate read it, for the officer who takes a referral over.
    pub document_text: Option<String>,
    pub chip_access: Option<ChipAccess>,
    pub chip: ChipOutcome,
    /// The face's match and liveness scores.
    pub face: Option<(f64, f64)>,
    /// Each finger and its score.
    pub fingerprints: Vec<(u8, f64)>,
    /// The gate's steps and their milliseconds, in the order the gate sent them.
    pub timings: Vec<(String, u32)>,
    /// The gate's steps in all: the traveller's time at the gate.
    pub gate_ms: Option<i64>,
    /// The platform's own time to decide.
    pub platform_ms: i64,
    /// The crossing recorded when the gate opened (its id is the transaction's).
    pub crossing_id: Option<String>,
    pub actor: String,
    pub body_hash: String,
    /// The officer who took a referral over, and when.
    pub taken_by: Option<String>,
    pub taken_at: Option<OffsetDateTime>,
}

#[derive(Debug)]
pub enum EgateOutcome {
    Created(Box<EgateRecord>),
    /// Kept before with the same body: a retry gets the first answer.
    Existing(Box<EgateRecord>),
    /// The id was used before for another body.
    Conflict,
}

/// Which transactions to list.
#[derive(Debug, Clone, Default)]
pub struct EgateFilter {
    /// None: every checkpoint's.
    pub checkpoint: Option<CheckpointCode>,
    pub gate: Option<GateName>,
    pub decision: Option<GateDecision>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
}

/// A gate's figures over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct GateSummary {
    pub checkpoint: CheckpointCode,
    pub gate: GateName,
    pub opened: u64,
    pub referred: u64,
    /// The gate's own time, summed over the transactions that reported it, and how many did.
    pub gate_ms_sum: i64,
    pub gate_ms_count: u64,
    pub platform_ms_sum: i64,
    pub last_at: OffsetDateTime,
}

/// A checkpoint's thresholds as set, by whom and when.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdsSet {
    pub thresholds: Thresholds,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

pub trait EgateStore {
    /// Keeps a transaction, and the crossing when the gate opened, with their audit records,
    /// in one transaction: a retry of the same id and body gets what was kept.
    fn record_egate(
        &self,
        record: &EgateRecord,
        crossing: Option<&NewCrossing>,
        by: &RecordedBy,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<EgateOutcome>> + Send;
    fn egate(&self, id: &str) -> impl Future<Output = Result<Option<EgateRecord>>> + Send;
    /// Newest first, `limit` from the `offset`th, with how many match (counted up to
    /// [`crate::TRAVELLER_COUNT_CAP`]).
    fn egates(
        &self,
        filter: &EgateFilter,
        offset: u64,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<EgateRecord>, u64)>> + Send;
    /// Each gate's figures since `since`, by checkpoint and gate.
    fn gate_summaries(
        &self,
        checkpoint: Option<&CheckpointCode>,
        since: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<GateSummary>>> + Send;
    /// Referrals since `since` no officer has taken over yet, newest first.
    fn egate_referrals(
        &self,
        checkpoint: &CheckpointCode,
        since: OffsetDateTime,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<EgateRecord>>> + Send;
    /// An officer takes a referral over; false if it is not an open referral of the checkpoint.
    fn take_referral(
        &self,
        id: &str,
        checkpoint: &CheckpointCode,
        by: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn egate_thresholds(
        &self,
        checkpoint: &CheckpointCode,
    ) -> impl Future<Output = Result<Option<ThresholdsSet>>> + Send;
    fn set_egate_thresholds(
        &self,
        checkpoint: &CheckpointCode,
        thresholds: &Thresholds,
        by: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
}
