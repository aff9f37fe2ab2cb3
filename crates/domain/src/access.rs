//! Who may do what. A handler gets a right only from these checks, and the operations that need
//! one take it as an argument, so an unchecked path does not compile.

use serde::Serialize;

use crate::port::DossierParty;
use crate::values::{CheckpointCode, InvalidValue, Username, word_enum};

word_enum!(Role, "role", {
    Admin => "admin",
    Analyst => "analyst",
    Commander => "commander",
    Officer => "officer",
    Agent => "agent",
});

impl Role {
    /// Commanders and officers work at one checkpoint.
    pub fn needs_checkpoint(self) -> bool {
        matches!(self, Role::Commander | Role::Officer)
    }

    /// Checks that an account of this role may be bound to `checkpoint` (or must not be).
    pub fn check_binding(self, checkpoint: Option<&CheckpointCode>) -> Result<(), InvalidValue> {
        match (self.needs_checkpoint(), checkpoint) {
            (true, None) => Err(InvalidValue::new(
                "checkpoint",
                format!("a {self} works at one checkpoint: give --checkpoint"),
            )),
            (false, Some(_)) => Err(InvalidValue::new(
                "checkpoint",
                format!("a {self} is not bound to a checkpoint"),
            )),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ActorKind {
    /// `agency`: the shipping agency an agent works for.
    User {
        id: i64,
        username: Username,
        role: Role,
        agency: Option<i64>,
    },
    Device {
        id: i64,
        name: String,
    },
}

/// Someone or something authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    #[serde(flatten)]
    pub kind: ActorKind,
    pub checkpoint: Option<CheckpointCode>,
}

/// Refused: the actor may not do this (or not here).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Forbidden(pub String);

/// May check travellers and record crossings at this checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRight {
    checkpoint: CheckpointCode,
}

impl RecordRight {
    pub fn checkpoint(&self) -> &CheckpointCode {
        &self.checkpoint
    }
}

/// May read travellers' histories nationwide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryRight(());

/// May post an e-gate's transactions at this checkpoint: one of its gates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateRight {
    checkpoint: CheckpointCode,
}

impl GateRight {
    pub fn checkpoint(&self) -> &CheckpointCode {
        &self.checkpoint
    }
}

/// May set the scores this checkpoint's gates must reach: its commander.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateSettingsRight {
    checkpoint: CheckpointCode,
}

impl GateSettingsRight {
    pub fn checkpoint(&self) -> &CheckpointCode {
        &self.checkpoint
    }
}

/// Whose e-gate transactions an actor reads: a checkpoint's commander its own, headquarters'
/// analysts every checkpoint's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateScope {
    All,
    Checkpoint(CheckpointCode),
}

/// May add, change and remove watchlist entries.
/// May manage accounts and devices.
#[derive(Debug)]
pub struct AdminRight(());

/// May read the audit trail.
#[derive(Debug)]
pub struct AuditRight(());

/// May see the checkpoint nodes: their last contact, backlog and conflicts.
#[derive(Debug)]
pub struct NodesRight(());

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchlistRight(());

/// May file and follow the dossiers of one shipping agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgencyRight {
    agency: i64,
}

impl AgencyRight {
    pub fn agency(&self) -> i64 {
        self.agency
    }
}

/// May work the dossier queue of one port checkpoint: officers review and ask for supplements,
/// the commander also decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRight {
    checkpoint: CheckpointCode,
    party: DossierParty,
}

impl ReviewRight {
    pub fn checkpoint(&self) -> &CheckpointCode {
        &self.checkpoint
    }

    pub fn party(&self) -> DossierParty {
        self.party
    }
}

/// May issue and revoke the permits of one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRight {
    checkpoint: CheckpointCode,
}

impl IssueRight {
    pub fn checkpoint(&self) -> &CheckpointCode {
        &self.checkpoint
    }
}

/// Which permits an actor may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermitScope {
    All,
    Checkpoint(CheckpointCode),
}

impl PermitScope {
    pub fn covers(&self, checkpoint: &CheckpointCode) -> bool {
        match self {
            PermitScope::All => true,
            PermitScope::Checkpoint(c) => c == checkpoint,
        }
    }
}

/// Which dossiers an actor may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DossierScope {
    All,
    Checkpoint(CheckpointCode),
    Agency(i64),
}

/// Which alerts an actor sees and handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertScope {
    All,
    Checkpoint(CheckpointCode),
}

impl Actor {
    pub fn role(&self) -> Option<Role> {
        match &self.kind {
            ActorKind::User { role, .. } => Some(*role),
            ActorKind::Device { .. } => None,
        }
    }

    /// A short label for the audit trail: `user:officer.mc`, `device:3`.
    pub fn label(&self) -> String {
        match &self.kind {
            ActorKind::User { username, .. } => format!("user:{username}"),
            ActorKind::Device { id, .. } => format!("device:{id}"),
        }
    }

    pub fn act_at(&self, checkpoint: &CheckpointCode) -> Result<RecordRight, Forbidden> {
        let operator = match &self.kind {
            ActorKind::Device { .. } => true,
            ActorKind::User { role, .. } => matches!(role, Role::Officer | Role::Commander),
        };
        if !operator {
            return Err(Forbidden(
                "only officers, commanders and devices control travellers".into(),
            ));
        }
        if self.checkpoint.as_ref() != Some(checkpoint) {
            return Err(Forbidden(format!(
                "you may act only at your own checkpoint, not at {checkpoint}"
            )));
        }
        Ok(RecordRight { checkpoint: checkpoint.clone() })
    }

    pub fn read_history(&self) -> Result<HistoryRight, Forbidden> {
        match self.role() {
            Some(Role::Analyst | Role::Officer | Role::Commander) => Ok(HistoryRight(())),
            _ => Err(Forbidden(
                "only analysts, officers and commanders read travel histories".into(),
            )),
        }
    }

    pub fn manage_watchlist(&self) -> Result<WatchlistRight, Forbidden> {
        match self.role() {
            Some(Role::Analyst | Role::Admin) => Ok(WatchlistRight(())),
            _ => Err(Forbidden("only analysts and administrators manage the watchlist".into())),
        }
    }

    pub fn alerts(&self) -> Result<AlertScope, Forbidden> {
        match (self.role(), &self.checkpoint) {
            (Some(Role::Analyst), _) => Ok(AlertScope::All),
            (Some(Role::Commander), Some(cp)) => Ok(AlertScope::Checkpoint(cp.clone())),
            _ => Err(Forbidden("only commanders and analysts see alerts".into())),
        }
    }

    /// The agency an agent works for.
    pub fn agency(&self) -> Option<i64> {
        match &self.kind {
            ActorKind::User { role: Role::Agent, agency, .. } => *agency,
            _ => None,
        }
    }

    pub fn file_dossiers(&self) -> Result<AgencyRight, Forbidden> {
        self.agency()
            .map(|agency| AgencyRight { agency })
            .ok_or_else(|| Forbidden("only a shipping agency's staff file dossiers".into()))
    }

    pub fn review_dossiers_at(
        &self,
        checkpoint: &CheckpointCode,
    ) -> Result<ReviewRight, Forbidden> {
        let party = match self.role() {
            Some(Role::Officer) => DossierParty::Officer,
            Some(Role::Commander) => DossierParty::Commander,
            _ => return Err(Forbidden("only officers and commanders review dossiers".into())),
        };
        if self.checkpoint.as_ref() != Some(checkpoint) {
            return Err(Forbidden(format!(
                "you review dossiers only at your own checkpoint, not at {checkpoint}"
            )));
        }
        Ok(ReviewRight { checkpoint: checkpoint.clone(), party })
    }

    pub fn dossiers(&self) -> Result<DossierScope, Forbidden> {
        match (self.role(), &self.checkpoint, self.agency()) {
            (Some(Role::Analyst | Role::Admin), _, _) => Ok(DossierScope::All),
            (Some(Role::Officer | Role::Commander), Some(cp), _) => {
                Ok(DossierScope::Checkpoint(cp.clone()))
            }
            (Some(Role::Agent), _, Some(a)) => Ok(DossierScope::Agency(a)),
            _ => Err(Forbidden("you may not read dossiers".into())),
        }
    }

    /// Issue and revoke the permits of one checkpoint: its commander.
    pub fn issue_permits_at(&self, checkpoint: &CheckpointCode) -> Result<IssueRight, Forbidden> {
        match (self.role(), &self.checkpoint) {
            (Some(Role::Commander), Some(cp)) if cp == checkpoint => {
                Ok(IssueRight { checkpoint: checkpoint.clone() })
            }
            (Some(Role::Commander), _) => Err(Forbidden(format!(
                "you issue permits only at your own checkpoint, not at {checkpoint}"
            ))),
            _ => Err(Forbidden("only a checkpoint's commander issues its permits".into())),
        }
    }

    /// Which permits an actor may read: a checkpoint's border guard its own, headquarters all.
    pub fn permits(&self) -> Result<PermitScope, Forbidden> {
        match (self.role(), &self.checkpoint) {
            (Some(Role::Analyst | Role::Admin), _) => Ok(PermitScope::All),
            (Some(Role::Officer | Role::Commander), Some(cp)) => {
                Ok(PermitScope::Checkpoint(cp.clone()))
            }
            _ => Err(Forbidden("only the border guard reads permits".into())),
        }
    }

    /// Scan permits: at a checkpoint (officers, commanders, devices), where an accepted scan
    /// records the holder's movement; or from headquarters, which checks only.
    pub fn verify_permits(&self) -> Result<Option<CheckpointCode>, Forbidden> {
        match (&self.kind, self.role(), &self.checkpoint) {
            (ActorKind::Device { .. }, _, Some(cp)) => Ok(Some(cp.clone())),
            (_, Some(Role::Officer | Role::Commander), Some(cp)) => Ok(Some(cp.clone())),
            (_, Some(Role::Analyst | Role::Admin), _) => Ok(None),
            _ => Err(Forbidden("only the border guard verifies permits".into())),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// Accounts and devices: administrators only.
    pub fn administer(&self) -> Result<AdminRight, Forbidden> {
        match self.role() {
            Some(Role::Admin) => Ok(AdminRight(())),
            _ => Err(Forbidden("only administrators manage accounts and devices".into())),
        }
    }

    /// The audit trail: administrators and analysts.
    pub fn read_audit(&self) -> Result<AuditRight, Forbidden> {
        match self.role() {
            Some(Role::Admin | Role::Analyst) => Ok(AuditRight(())),
            _ => Err(Forbidden("only administrators and analysts read the audit trail".into())),
        }
    }

    /// E-gate transactions: a device of the checkpoint (its gates), nobody else.
    pub fn run_gate(&self) -> Result<GateRight, Forbidden> {
        match (&self.kind, &self.checkpoint) {
            (ActorKind::Device { .. }, Some(cp)) => Ok(GateRight { checkpoint: cp.clone() }),
            _ => Err(Forbidden("only a checkpoint's e-gates post e-gate transactions".into())),
        }
    }

    /// The gates' transactions and board: a checkpoint's commander, or an analyst.
    pub fn gate_board(&self) -> Result<GateScope, Forbidden> {
        match (self.role(), &self.checkpoint) {
            (Some(Role::Analyst), _) => Ok(GateScope::All),
            (Some(Role::Commander), Some(cp)) => Ok(GateScope::Checkpoint(cp.clone())),
            _ => {
                Err(Forbidden("only commanders and analysts see the e-gates' transactions".into()))
            }
        }
    }

    /// The gates' thresholds: the checkpoint's commander.
    pub fn set_gate_thresholds(&self) -> Result<GateSettingsRight, Forbidden> {
        match (self.role(), &self.checkpoint) {
            (Some(Role::Commander), Some(cp)) => Ok(GateSettingsRight { checkpoint: cp.clone() }),
            _ => Err(Forbidden("only a checkpoint's commander sets its gates' thresholds".into())),
        }
    }

    /// The network of checkpoint nodes: administrators and analysts.
    pub fn see_nodes(&self) -> Result<NodesRight, Forbidden> {
        match self.role() {
            Some(Role::Admin | Role::Analyst) => Ok(NodesRight(())),
            _ => Err(Forbidden("only administrators and analysts see the checkpoint nodes".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, cp: Option<&str>) -> Actor {
        Actor {
            kind: ActorKind::User {
                id: 1,
                username: Username::parse("someone").unwrap(),
                role,
                agency: (role == Role::Agent).then_some(7),
            },
            checkpoint: cp.map(|c| CheckpointCode::parse(c).unwrap()),
        }
    }

    #[test]
    fn rights_follow_role_and_checkpoint() {
        let mc = CheckpointCode::parse("MONG-CAI").unwrap();
        let hn = CheckpointCode::parse("HUU-NGHI").unwrap();
        let officer = user(Role::Officer, Some("MONG-CAI"));
        assert!(officer.act_at(&mc).is_ok());
        assert!(officer.act_at(&hn).is_err());
        assert!(officer.read_history().is_ok());
        assert!(officer.manage_watchlist().is_err());
        assert!(officer.alerts().is_err());
        let analyst = user(Role::Analyst, None);
        assert!(analyst.act_at(&mc).is_err());
        assert!(analyst.read_history().is_ok());
        assert_eq!(analyst.alerts().unwrap(), AlertScope::All);
        let commander = user(Role::Commander, Some("HUU-NGHI"));
        assert_eq!(commander.alerts().unwrap(), AlertScope::Checkpoint(hn.clone()));
        let admin = user(Role::Admin, None);
        assert!(admin.manage_watchlist().is_ok());
        assert!(admin.read_history().is_err());
        assert!(admin.act_at(&mc).is_err());
        let device = Actor {
            kind: ActorKind::Device { id: 3, name: "gate 1".into() },
            checkpoint: Some(hn.clone()),
        };
        assert!(device.act_at(&hn).is_ok());
        assert!(device.act_at(&mc).is_err());
        assert!(device.read_history().is_err());
        assert_eq!(device.label(), "device:3");
        assert_eq!(device.run_gate().unwrap().checkpoint(), &hn);
        assert!(device.gate_board().is_err());
        assert!(officer.run_gate().is_err());
        assert!(officer.gate_board().is_err());
        assert!(officer.set_gate_thresholds().is_err());
        assert_eq!(commander.gate_board().unwrap(), GateScope::Checkpoint(hn.clone()));
        assert_eq!(commander.set_gate_thresholds().unwrap().checkpoint(), &hn);
        assert_eq!(analyst.gate_board().unwrap(), GateScope::All);
        assert!(analyst.set_gate_thresholds().is_err());
        assert!(admin.gate_board().is_err());
    }

    #[test]
    fn dossier_rights_follow_agency_and_checkpoint() {
        let hp = CheckpointCode::parse("CANG-HAI-PHONG").unwrap();
        let dn = CheckpointCode::parse("CANG-DA-NANG").unwrap();
        let agent = user(Role::Agent, None);
        assert_eq!(agent.file_dossiers().unwrap().agency(), 7);
        assert_eq!(agent.dossiers().unwrap(), DossierScope::Agency(7));
        assert!(agent.review_dossiers_at(&hp).is_err());
        let officer = user(Role::Officer, Some("CANG-HAI-PHONG"));
        assert_eq!(officer.review_dossiers_at(&hp).unwrap().party(), DossierParty::Officer);
        assert!(officer.review_dossiers_at(&dn).is_err());
        assert!(officer.file_dossiers().is_err());
        assert_eq!(officer.dossiers().unwrap(), DossierScope::Checkpoint(hp.clone()));
        let commander = user(Role::Commander, Some("CANG-HAI-PHONG"));
        assert_eq!(commander.review_dossiers_at(&hp).unwrap().party(), DossierParty::Commander);
        assert_eq!(user(Role::Analyst, None).dossiers().unwrap(), DossierScope::All);
    }

    #[test]
    fn only_checkpoint_roles_are_bound() {
        let mc = CheckpointCode::parse("MONG-CAI").unwrap();
        assert!(Role::Officer.check_binding(Some(&mc)).is_ok());
        assert!(Role::Officer.check_binding(None).is_err());
        assert!(Role::Analyst.check_binding(Some(&mc)).is_err());
        assert!(Role::Agent.check_binding(None).is_ok());
    }
}
