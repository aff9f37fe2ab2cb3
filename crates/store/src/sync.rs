//! What the sync between headquarters and the checkpoint nodes keeps (`docs/sync.md`):
//! at headquarters the nodes, their conflicts and their audit trails, and what flows down to
//! a post; at a node who it is, how far each direction has come, and the outbox.

use std::future::Future;

use domain::{CheckpointCode, Country, DocumentNumber, Role, TravelDocument, Username};
use time::OffsetDateTime;

use crate::permit::{KeyRole, MovementRecord, PermitRecord, RevocationListRecord, RevocationScope};
use crate::{AlertStatus, AuditRecord, CrossingRecord, Result, WatchEntry};

/// A node as headquarters knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRecord {
    pub checkpoint: CheckpointCode,
    pub added_at: OffsetDateTime,
    pub enrolled_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    /// An enrolment secret was issued and not yet used.
    pub enrolment_pending: bool,
    pub last_contact: Option<OffsetDateTime>,
    /// Records waiting at the node to come up, as it last said.
    pub backlog: i64,
    pub version: Option<String>,
    /// The node's clock less headquarters', as last measured.
    pub clock_offset_ms: Option<i64>,
}

/// What a node says of itself each time it calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeContact {
    pub backlog: i64,
    pub version: String,
    pub clock_offset_ms: i64,
}

/// A record a node sent whose id headquarters already holds with another body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictRecord {
    pub id: i64,
    pub node: CheckpointCode,
    pub kind: String,
    pub record_id: String,
    pub body: String,
    pub received_at: OffsetDateTime,
}

/// An account of a post, with what it needs to sign in there without headquarters.
#[derive(Clone, PartialEq, Eq)]
pub struct SyncAccount {
    pub id: i64,
    pub username: Username,
    pub role: Role,
    pub checkpoint: Option<CheckpointCode>,
    pub password_hash: String,
    pub created_at: OffsetDateTime,
    pub disabled: bool,
}

impl std::fmt::Debug for SyncAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncAccount")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// A device of a post and the digests of its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDevice {
    pub id: i64,
    pub checkpoint: CheckpointCode,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub revoked: bool,
    pub tokens: Vec<SyncToken>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncToken {
    /// The SHA-256 of the secret, as stored: the secret itself never travels.
    pub hash: String,
    pub expires_at: Option<OffsetDateTime>,
}

/// A barcode signer's or the root's certificate, without its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCertificate {
    pub role: KeyRole,
    pub checkpoint: Option<CheckpointCode>,
    pub signer_identifier: String,
    pub serial: String,
    pub certificate: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub retired_at: Option<OffsetDateTime>,
}

/// A node's own row: who it is and how far the sync has come each way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSelf {
    pub checkpoint: CheckpointCode,
    pub hq_url: String,
    pub enrolled_at: OffsetDateTime,
    /// The last outbox record headquarters acknowledged.
    pub up_acked: i64,
    /// The last of the node's audit records headquarters acknowledged.
    pub audit_acked: i64,
    pub watch: WatchCursor,
    /// When the certificates and revocation lists were last brought from headquarters.
    pub trust_as_of: Option<OffsetDateTime>,
    /// Headquarters' dismissals and the post's permits, brought down up to these times of
    /// headquarters' (milliseconds).
    pub dismissed_as_of: i64,
    pub permits_as_of: i64,
    /// Headquarters' CSCAs, brought down up to this time of headquarters' (milliseconds).
    pub cscas_as_of: i64,
    /// Headquarters' CSCAs' revocation lists, likewise.
    pub csca_crls_as_of: i64,
}

/// How far a node has copied headquarters' watchlist: the change log applied up to `seq`; a
/// first copy under way has come to the entry `copy_after` and began when the log stood at
/// `copy_head`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchCursor {
    pub seq: i64,
    pub copy_after: Option<String>,
    pub copy_head: Option<i64>,
    /// When the node last held all of headquarters' changes.
    pub as_of: Option<OffsetDateTime>,
}

/// A crossing waiting at a node to go up.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub seq: i64,
    pub crossing: CrossingRecord,
    pub document: TravelDocument,
}

/// What waits at a node, a batch of it: every kind in the order it happened, up to `last`.
#[derive(Debug, Clone, Default)]
pub struct Outbox {
    /// The last outbox record this batch covers (0 when none waits).
    pub last: i64,
    pub crossings: Vec<OutboxItem>,
    pub alerts: Vec<AlertUp>,
    pub movements: Vec<MovementUp>,
}

impl Outbox {
    pub fn is_empty(&self) -> bool {
        self.last == 0
    }
}

/// An alert an officer of a node confirmed or dismissed. Its traveller is named by document,
/// as the two servers number travellers each their own way.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertUp {
    /// The alert's id at the node.
    pub id: i64,
    pub entry_id: String,
    pub issuing_state: Country,
    pub number: DocumentNumber,
    pub score: f64,
    pub status: AlertStatus,
    pub raised_at: OffsetDateTime,
    pub decided_by: String,
    pub decided_at: OffsetDateTime,
    pub note: Option<String>,
}

/// A permit holder's movement recorded at a node, with its id there.
#[derive(Debug, Clone)]
pub struct MovementUp {
    pub id: i64,
    pub movement: MovementRecord,
}

/// A pair dismissed as a false positive at headquarters (or at any node through it): a node
/// raises no alert for it again.
#[derive(Debug, Clone, PartialEq)]
pub struct Dismissal {
    /// The alert's id at headquarters.
    pub hq_id: i64,
    pub entry_id: String,
    pub checkpoint: CheckpointCode,
    pub document: TravelDocument,
    /// The traveller's name key, as the reader computes it.
    pub name_key: String,
    pub score: f64,
    pub raised_at: OffsetDateTime,
    pub decided_by: String,
    pub decided_at: OffsetDateTime,
    pub note: Option<String>,
}

/// How far back a pull reads changes made by time: a commit may land later than its own
/// timestamp, and applying a change twice does no harm.
pub const CHANGES_OVERLAP_MS: i64 = 60_000;

/// Headquarters' side and a node's side of the sync.
pub trait SyncStore {
    /// Issues a new one-time enrolment secret for the checkpoint's node (its digest), keeping
    /// the node's current credential until the secret is used.
    fn add_node(
        &self,
        checkpoint: &CheckpointCode,
        secret_hash: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Uses an enrolment secret: the node's credential becomes `credential_hash` and the secret
    /// is spent. The checkpoint, or `None` if no such secret waits.
    fn enrol_node(
        &self,
        secret_hash: &str,
        credential_hash: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<CheckpointCode>>> + Send;
    /// The node's credential and any waiting secret stop working. False if there was none.
    fn revoke_node(
        &self,
        checkpoint: &CheckpointCode,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// The node a credential stands for, unless revoked.
    fn node_by_credential(
        &self,
        hash: &str,
    ) -> impl Future<Output = Result<Option<NodeRecord>>> + Send;
    fn node_contact(
        &self,
        checkpoint: &CheckpointCode,
        contact: &NodeContact,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    fn nodes(&self) -> impl Future<Output = Result<Vec<NodeRecord>>> + Send;
    /// Keeps what a node sent under an id already stored with another body; the same body
    /// kept twice is kept once.
    fn keep_conflicts(
        &self,
        node: &CheckpointCode,
        kind: &str,
        records: &[(String, String)],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Newest first.
    fn conflicts(&self, limit: u32) -> impl Future<Output = Result<Vec<ConflictRecord>>> + Send;
    /// The officers and commanders of a checkpoint, the disabled ones too.
    fn accounts_at(
        &self,
        checkpoint: &CheckpointCode,
    ) -> impl Future<Output = Result<Vec<SyncAccount>>> + Send;
    /// The devices of a checkpoint, the revoked ones too, with their live tokens.
    fn devices_at(
        &self,
        checkpoint: &CheckpointCode,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<SyncDevice>>> + Send;
    /// Live watchlist entries of these ids; an id missing was removed.
    fn watch_entries_by_id(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<WatchEntry>>> + Send;
    /// Keeps a node's audit records as the node chained them, under its enrolment (the time
    /// it enrolled, in milliseconds); those kept before are skipped.
    fn put_node_audit(
        &self,
        node: &CheckpointCode,
        enrolment: i64,
        records: &[AuditRecord],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    /// A node's audit records of one enrolment as kept at headquarters, in order, `limit`
    /// after `after_seq`.
    fn node_audit(
        &self,
        node: &CheckpointCode,
        enrolment: i64,
        after_seq: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AuditRecord>>> + Send;

    /// At a node: its own row, `None` at headquarters.
    fn node_self(&self) -> impl Future<Output = Result<Option<NodeSelf>>> + Send;
    /// Makes this database the checkpoint's node.
    fn become_node(
        &self,
        checkpoint: &CheckpointCode,
        hq_url: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Waiting records after `after`, oldest first, `limit` of every kind together.
    fn outbox(&self, after: i64, limit: u32) -> impl Future<Output = Result<Outbox>> + Send;
    /// How many records wait to go up (the outbox and the audit records not acknowledged).
    fn backlog(&self) -> impl Future<Output = Result<i64>> + Send;
    /// Headquarters holds the outbox up to `seq` and the audit trail up to `audit_seq`:
    /// they are forgotten here, in one transaction with the cursors.
    fn ack_up(&self, seq: i64, audit_seq: i64) -> impl Future<Output = Result<()>> + Send;
    /// The post's accounts and devices as headquarters has them: added, changed, disabled
    /// or revoked here to match; the sessions of an account changed or disabled end.
    fn apply_accounts(
        &self,
        accounts: &[SyncAccount],
        devices: &[SyncDevice],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    fn set_watch_cursor(&self, cursor: &WatchCursor) -> impl Future<Output = Result<()>> + Send;
    /// Certificates (by serial) and revocation lists (by number) not yet held are added; a
    /// certificate retired at headquarters is retired here.
    fn put_trust(
        &self,
        certificates: &[SyncCertificate],
        lists: &[(RevocationScope, RevocationListRecord)],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;

    /// At headquarters: a node's handled alerts. The open alert of the pair at the node's
    /// checkpoint takes the node's decision; where none is open, the node's alert is kept as
    /// it was decided (unless it only repeats a dismissal already held). One sent twice is kept
    /// once. Returns the node's ids whose traveller or entry headquarters does not hold.
    fn put_node_alerts(
        &self,
        node: &CheckpointCode,
        alerts: &[AlertUp],
    ) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// At headquarters: a node's permit movements, once each. Returns the node's ids whose
    /// permit headquarters does not hold.
    fn put_node_movements(
        &self,
        node: &CheckpointCode,
        movements: &[MovementUp],
    ) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// At headquarters: pairs dismissed after `after_ms`, oldest decision first.
    fn dismissals_since(
        &self,
        after_ms: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Dismissal>>> + Send;
    /// At headquarters: the checkpoint's permits issued or revoked after `after_ms`, in the
    /// order they changed.
    fn permits_changed(
        &self,
        checkpoint: &CheckpointCode,
        after_ms: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PermitRecord>>> + Send;
    /// At a node: headquarters' dismissals. An open alert of the pair here is closed by them;
    /// the pair is held as dismissed either way. The cursor moves to `as_of`.
    fn apply_dismissals(
        &self,
        dismissals: &[Dismissal],
        as_of: i64,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    /// At a node: the post's permits as headquarters holds them (issued, or revoked since).
    /// The cursor moves to `as_of`.
    fn put_permits(
        &self,
        permits: &[PermitRecord],
        as_of: i64,
    ) -> impl Future<Output = Result<()>> + Send;
}
