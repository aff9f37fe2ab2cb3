//! The border guard's domain: checkpoints, travel documents, crossings, accounts and the rules of
//! a control decision. No I/O and no clock: the time of day is always a parameter.

#![forbid(unsafe_code)]

mod access;
pub mod bounds;
mod control;
mod document;
pub mod egate;
pub mod permit;
pub mod port;
#[cfg(feature = "openapi")]
pub mod schema;
mod values;

pub use access::{
    Actor, ActorKind, AdminRight, AgencyRight, AlertScope, AuditRight, DossierScope, Forbidden,
    GateRight, GateScope, GateSettingsRight, HistoryRight, IssueRight, NodesRight, PermitScope,
    RecordRight, ReviewRight, Role, WatchlistRight,
};
pub use control::{
    ControlFacts, LastCrossing, Reason, STAMP_EVERY_DAYS, Verdict, WatchAction, WatchHit, day_vi,
    decide, stamp_due,
};
pub use document::{DocumentInput, DocumentType, Sex, TravelDocument};
pub use values::{
    Channel, Checkpoint, CheckpointCode, CheckpointKind, Country, CrossingOutcome, Decision,
    Direction, DocumentNumber, InvalidValue, Username,
};
