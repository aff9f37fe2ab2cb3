//! Permits with signed seals: issued by a checkpoint's commander (one at a time, or shore
//! passes for a whole crew from an approved dossier), revoked with the revocation list signed
//! anew at once, and verified online — where an accepted scan at a port records the holder
//! going ashore or aboard.

use crate::app::{Acting, App, AuditFailed};
use crate::permits::keys::Keyring;
use domain::CheckpointCode;
use domain::CheckpointKind;
use domain::Country;
use domain::DocumentNumber;
use domain::permit::PermitKind;
use domain::permit::check_issue;
use domain::port::DossierStatus;
use domain::port::ImoNumber;
use domain::port::ProcedureCode;
use domain::{Actor, InvalidValue, IssueRight, PermitScope};
use seal::TrustStore;
use seal::profile;
use seal::profile::PermitData;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use store::AuditAction;
use store::Store;
use store::StoreError;
use store::permit::Holder;
use store::permit::Movement;
use store::permit::MovementRecord;
use store::permit::NewPermit;
use store::permit::PermitFilter;
use store::permit::PermitRecord;
use store::permit::Revocation;
use time::Date;
use time::Duration;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Why a permit's action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum PermitsError {
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    #[error(transparent)]
    Forbidden(#[from] domain::Forbidden),
    #[error("{0} not found")]
    NotFound(String),
    #[error(
        "permits cannot be signed here: the keys are not set up (bienphong keys init) or the \
         server was started without BIENPHONG_KEY_PASSPHRASE"
    )]
    KeysNotOpen,
    /// The permit or the dossier is not in a state for it; `code` says why.
    #[error("{message}")]
    Conflict { code: &'static str, message: &'static str },
    /// Ours: the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] AuditFailed),
    /// Ours: signing, the revocation list or the cards failed.
    #[error("{0}")]
    Failed(String),
}

impl From<crate::port::service::PortError> for PermitsError {
    fn from(e: crate::port::service::PortError) -> Self {
        use crate::port::service::PortError as P;
        match e {
            P::Invalid(e) => e.into(),
            P::Forbidden(e) => e.into(),
            P::NotFound(what) => PermitsError::NotFound(what),
            P::Store(e) => e.into(),
            P::Audit(e) => e.into(),
            other => PermitsError::Failed(other.to_string()),
        }
    }
}

type Result<T> = std::result::Result<T, PermitsError>;

fn failed(e: impl std::fmt::Display) -> PermitsError {
    tracing::error!(error = %e, "permits");
    PermitsError::Failed(e.to_string())
}

impl<S: Store> App<S> {
    /// Opens the keys with the passphrase; false when there are none yet.
    pub async fn open_keys(
        &self,
        passphrase: &Arc<seal::locked::Passphrase>,
    ) -> std::result::Result<bool, crate::permits::keys::KeysError> {
        {
            let mut held = self.permit_keys.write().unwrap_or_else(|e| e.into_inner());
            held.passphrase = Some(passphrase.clone());
            held.version = None;
        }
        self.refresh_keys().await?;
        Ok(self.permit_keys.read().unwrap_or_else(|e| e.into_inner()).keyring.is_some())
    }

    /// Takes up a newer revocation list, and keys rotated or added since (by `bienphong keys`
    /// or another server sharing the database).
    pub async fn refresh_keys(&self) -> std::result::Result<(), crate::permits::keys::KeysError> {
        let list = self
            .store
            .revocation_list(store::permit::RevocationScope::Permits)
            .await?
            .map_or(0, |l| l.number);
        let count = self.store.signing_keys().await?.len();
        let (held_version, passphrase) = {
            let held = self.permit_keys.read().unwrap_or_else(|e| e.into_inner());
            (held.version, held.passphrase.clone())
        };
        if count == 0 || held_version == Some((list, count)) {
            return Ok(());
        }
        let trust = crate::permits::keys::trust_store(&self.store).await?;
        let keyring = match (&passphrase, held_version) {
            (Some(p), v) if v.is_none_or(|(_, c)| c != count) => {
                Some(Arc::new(crate::permits::keys::unlock(&self.store, p).await?))
            }
            _ => None,
        };
        let mut held = self.permit_keys.write().unwrap_or_else(|e| e.into_inner());
        held.trust = Some(Arc::new(trust));
        if keyring.is_some() {
            held.keyring = keyring;
        }
        held.version = Some((list, count));
        Ok(())
    }

    fn keyring(&self) -> Result<Arc<Keyring>> {
        self.permit_keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keyring
            .clone()
            .ok_or(PermitsError::KeysNotOpen)
    }

    fn trust(&self) -> Result<Arc<TrustStore>> {
        self.permit_keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .trust
            .clone()
            .ok_or(PermitsError::KeysNotOpen)
    }
}

pub fn day(field: &'static str, s: &str) -> std::result::Result<Date, InvalidValue> {
    domain::bounds::parse_date(field, s)
}

pub(crate) fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolderInput {
    #[schema(min_length = 1, max_length = 80)]
    pub family_name: String,
    #[serde(default)]
    pub given_names: String,
    #[schema(value_type = domain::Country)]
    pub nationality: String,
    #[schema(value_type = domain::schema::Day)]
    pub birth_date: String,
    #[schema(value_type = domain::DocumentNumber)]
    pub document_number: String,
}

/// One permit to sign, its values checked.
#[derive(Debug, Clone)]
pub struct Issue {
    pub kind: PermitKind,
    pub holder: Holder,
    pub vessel_imo: Option<ImoNumber>,
    pub valid_from: Date,
    pub valid_until: Date,
}

pub fn holder(h: &HolderInput) -> std::result::Result<Holder, InvalidValue> {
    let name = |field: &'static str, s: &str| {
        let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.chars().count() > 80 {
            return Err(InvalidValue::new(field, "over 80 characters"));
        }
        Ok(t)
    };
    let family_name = name("holder.family_name", &h.family_name)?;
    if family_name.is_empty() {
        return Err(InvalidValue::new("holder.family_name", "missing"));
    }
    Ok(Holder {
        family_name,
        given_names: name("holder.given_names", &h.given_names)?,
        nationality: Country::parse(&h.nationality)?,
        birth_date: day("holder.birth_date", &h.birth_date)?,
        document_number: DocumentNumber::parse(&h.document_number)?,
    })
}

/// The name in MRZ characters, as the seal and a document reader carry it.
fn mrz_name(h: &Holder) -> std::result::Result<String, InvalidValue> {
    mrz::name_field(&h.family_name, &h.given_names, 39)
        .map(|f| f.trim_end_matches('<').to_string())
        .map_err(|e| InvalidValue::new("holder", e.to_string()))
}

/// Signs and stores the permits, all or none; audited as one action.
pub async fn issue<S: Store>(
    app: &App<S>,
    right: &IssueRight,
    by: &Acting,
    dossier_id: Option<&str>,
    issues: Vec<Issue>,
) -> Result<Vec<PermitRecord>> {
    let checkpoint = right.checkpoint();
    let cp = app
        .checkpoints
        .get(checkpoint)
        .ok_or_else(|| PermitsError::NotFound(format!("checkpoint {checkpoint}")))?;
    let keyring = app.keyring()?;
    let signer = keyring.signer(checkpoint).map_err(|_| PermitsError::KeysNotOpen)?;
    let today = app.today();
    let now = app.now();
    let mut permits = Vec::with_capacity(issues.len());
    for i in issues {
        check_issue(i.kind, cp, i.valid_from, i.valid_until, i.vessel_imo.is_some())?;
        let serial = seal::pki::random_serial(6).map_err(failed)?;
        let data = PermitData {
            kind: i.kind,
            serial: serial.clone(),
            name_mrz: mrz_name(&i.holder)?,
            name: format!("{} {}", i.holder.family_name, i.holder.given_names).trim().to_string(),
            document_number: i.holder.document_number.as_str().to_string(),
            nationality: i.holder.nationality.to_string(),
            birth_date: i.holder.birth_date,
            vessel_imo: i.vessel_imo.map(|v| v.to_string()),
            checkpoint: checkpoint.as_str().to_string(),
            valid_from: i.valid_from,
            valid_until: i.valid_until,
        };
        let seal =
            profile::sign_permit(&data, &signer.identifier, &signer.serial, today, &signer.key)
                .map_err(|e| InvalidValue::new("permit", e.to_string()))?;
        permits.push(NewPermit {
            id: uuid::Uuid::new_v4().to_string(),
            serial,
            kind: i.kind,
            checkpoint: checkpoint.clone(),
            dossier_id: dossier_id.map(str::to_string),
            holder: i.holder,
            vessel_imo: i.vessel_imo,
            valid_from: i.valid_from,
            valid_until: i.valid_until,
            seal,
            signer: format!("{}{}", signer.identifier, signer.serial),
            issued_by: by.actor.clone(),
        });
    }
    app.store.create_permits(&permits, now).await?;
    app.audit(by.audit(
        AuditAction::PermitIssue,
        dossier_id.map_or_else(|| format!("checkpoint:{checkpoint}"), |d| format!("dossier:{d}")),
        json!({"permits": permits.iter().map(|p| &p.id).collect::<Vec<_>>()}),
    ))
    .await?;
    Ok(permits
        .into_iter()
        .map(|permit| PermitRecord { permit, issued_at: now, revoked: None })
        .collect())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrewPassRequest {
    #[schema(value_type = Option<domain::schema::Day>)]
    /// The last day; the vessel's departure day, or a week, when left out.
    pub valid_until: Option<String>,
}

/// Whether a dossier gives its crew shore passes: an approved entry or port shift.
pub fn gives_shore_passes(d: &store::port::DossierRecord) -> bool {
    d.status == DossierStatus::Approved
        && matches!(d.procedure, ProcedureCode::VesselEntry | ProcedureCode::VesselPortShift)
}

/// The permits issued from a dossier (a crew is never more than a thousand).
pub async fn of_dossier<S: Store>(app: &App<S>, dossier_id: &str) -> Result<Vec<PermitRecord>> {
    let filter = PermitFilter {
        dossier_id: Some(dossier_id.to_string()),
        limit: 1000,
        ..Default::default()
    };
    Ok(app.store.permits(&filter).await?.0)
}

/// The crew still waiting for a shore pass: foreign, shore leave asked, none held (revoked
/// ones do not count).
pub fn waiting_for_pass<'a>(
    d: &'a store::port::DossierRecord,
    held: &'a [PermitRecord],
) -> impl Iterator<Item = &'a fal::PersonOnBoard> + 'a {
    d.crew.iter().filter(move |p| {
        p.shore_leave
            && p.nationality != Country::VNM
            && !held.iter().any(|h| {
                h.revoked.is_none() && h.permit.holder.document_number == p.document_number
            })
    })
}

/// The shore passes a dossier's crew asked for, not yet issued: foreign crew with shore leave
/// requested, each once.
pub async fn crew_passes<S: Store>(
    app: &App<S>,
    actor: &Actor,
    by: &Acting,
    dossier_id: &str,
    valid_until: Option<Date>,
) -> Result<Vec<PermitRecord>> {
    // Only a commander may ask at all: the answer must not depend on whether anyone waits.
    if actor.role() != Some(domain::Role::Commander) {
        return Err(
            domain::Forbidden("only a checkpoint's commander issues its permits".into()).into()
        );
    }
    let d = crate::port::service::visible(app, actor, dossier_id).await?;
    let right = actor.issue_permits_at(&d.checkpoint)?;
    if !gives_shore_passes(&d) {
        return Err(PermitsError::Conflict {
            code: "not_eligible",
            message: "shore passes follow an approved entry or port shift",
        });
    }
    let vessel = d.vessel.as_ref().ok_or(PermitsError::Conflict {
        code: "not_eligible",
        message: "the dossier names no vessel",
    })?;
    let today = app.today();
    // Asked for: as asked (and checked); else the departure day, within the month a shore pass
    // may run, or a week when the departure is not known.
    let until = match valid_until {
        Some(u) => u,
        None => d
            .port_call
            .etd
            .map(domain::bounds::vietnam_date)
            .filter(|u| *u >= today)
            .map_or(today + Duration::days(6), |u| {
                u.min(today + Duration::days(PermitKind::ShorePass.max_days() - 1))
            }),
    };
    let held = of_dossier(app, &d.id).await?;
    let issues: Vec<Issue> = waiting_for_pass(&d, &held)
        .map(|p| Issue {
            kind: PermitKind::ShorePass,
            holder: Holder {
                family_name: p.family_name.clone(),
                given_names: p.given_names.clone(),
                nationality: p.nationality,
                birth_date: p.birth_date,
                document_number: p.document_number.clone(),
            },
            vessel_imo: Some(vessel.imo),
            valid_from: today,
            valid_until: until,
        })
        .collect();
    if issues.is_empty() {
        return Ok(Vec::new());
    }
    issue(app, &right, by, Some(&d.id), issues).await
}

/// A permit the actor may read, or 404.
pub async fn visible<S: Store>(app: &App<S>, actor: &Actor, id: &str) -> Result<PermitRecord> {
    let scope = actor.permits()?;
    match app.store.permit(id).await? {
        Some(p) if scope.covers(&p.permit.checkpoint) => Ok(p),
        _ => Err(PermitsError::NotFound(format!("permit {id}"))),
    }
}

/// Revokes a permit and signs the revocation list anew, at once.
pub async fn revoke_one<S: Store>(
    app: &App<S>,
    actor: &Actor,
    by: &Acting,
    id: &str,
    reason: Option<String>,
) -> Result<PermitRecord> {
    let p = visible(app, actor, id).await?;
    actor.issue_permits_at(&p.permit.checkpoint)?;
    let keyring = app.keyring()?;
    let now = app.now();
    let revocation = Revocation {
        at: now,
        by: by.actor.clone(),
        reason: reason.filter(|r| !r.trim().is_empty()),
    };
    if !app.store.revoke_permit(id, &revocation).await? {
        return Err(PermitsError::Conflict {
            code: "already_revoked",
            message: "the permit is revoked already",
        });
    }
    crate::permits::keys::publish_permit_revocations(&app.store, &keyring, now)
        .await
        .map_err(failed)?;
    app.refresh_keys().await.map_err(failed)?;
    app.audit(by.audit(
        AuditAction::PermitRevoke,
        format!("permit:{id}"),
        json!({"reason": revocation.reason}),
    ))
    .await?;
    Ok(PermitRecord { revoked: Some(revocation), ..p })
}

/// What a scan shows the guard.
#[derive(Debug, Clone)]
pub struct ScanResult {
    pub valid: bool,
    pub reason: Option<&'static str>,
    pub permit: Option<PermitData>,
    pub signer: Option<String>,
    pub issued_at: Option<String>,
    pub movement: Option<Movement>,
    /// Scanned again within the rescan window of its last movement: `movement` is that one,
    /// not recorded again.
    pub repeated: bool,
    /// A good seal at a port whose permit this server does not hold: a node's copy from
    /// headquarters is older than the permit. Nothing was recorded.
    pub unrecorded: bool,
    pub list_issued_at: Option<OffsetDateTime>,
}

/// Whether what a seal says is worth comparing with the person: its signature holds, by a
/// signer we know. A forged or unreadable seal shows no holder.
fn genuine(reason: Option<seal::Reason>) -> bool {
    !matches!(
        reason,
        Some(
            seal::Reason::Unreadable
                | seal::Reason::WrongFormat
                | seal::Reason::UnknownCertificate
                | seal::Reason::UntrustedCertificate
                | seal::Reason::BadSignature
        )
    )
}

/// Checks a scanned seal where the actor stands; records the movement of an accepted one at a
/// port.
/// `here`: the verifying right, the checkpoint where the scan is made (none at headquarters).
pub async fn scan<S: Store>(
    app: &App<S>,
    here: Option<CheckpointCode>,
    by: &Acting,
    bytes: &[u8],
    direction: Option<Movement>,
) -> Result<ScanResult> {
    let trust = app.trust()?;
    let now = app.now();
    let v = profile::verify_permit(&trust, bytes, now);
    let mut reason = v.verdict.reason.map(seal::Reason::code);
    // What a seal says is worth comparing with the person only when its signature holds: a
    // forged or unreadable one shows no holder.
    let genuine = genuine(v.verdict.reason);
    let permit = v.permit.filter(|_| genuine);
    // Honoured only where it was issued (a border pass: anywhere in its border area).
    if let (None, Some(p), Some(here)) = (reason, &permit, &here) {
        let issuer =
            CheckpointCode::parse(&p.checkpoint).ok().and_then(|c| app.checkpoints.get(&c));
        let at = app.checkpoints.get(here);
        if !matches!((issuer, at), (Some(i), Some(h)) if p.kind.valid_at(i, h)) {
            reason = Some("wrong_checkpoint");
        }
    }
    let record = match &permit {
        Some(p) => app.store.permit_by_serial(&p.serial).await?,
        None => None,
    };
    let mut movement = None;
    let mut repeated = false;
    let at_port = here
        .as_ref()
        .and_then(|h| app.checkpoints.get(h))
        .is_some_and(|c| c.kind == CheckpointKind::Seaport);
    let unrecorded = reason.is_none() && permit.is_some() && record.is_none() && at_port;
    if let (None, Some(r), Some(here), true) = (reason, &record, &here, at_port) {
        let last = app.store.movements(&r.permit.id).await?.into_iter().next();
        // The same card scanned twice by accident: answered as before, recorded once. A way the
        // guard chose on purpose, other than the last, is a movement of its own.
        let again = |m: &&MovementRecord| {
            now - m.at < app.rescan_window && direction.is_none_or(|d| d == m.direction)
        };
        if let Some(m) = last.as_ref().filter(again) {
            repeated = true;
            movement = Some(m.direction);
        } else {
            let d = direction.unwrap_or(match last.map(|m| m.direction) {
                Some(Movement::Ashore) => Movement::Aboard,
                _ => Movement::Ashore,
            });
            app.store
                .record_movement(&MovementRecord {
                    permit_id: r.permit.id.clone(),
                    checkpoint: here.clone(),
                    direction: d,
                    actor: by.actor.clone(),
                    at: now,
                })
                .await?;
            movement = Some(d);
        }
    }
    app.audit(
        by.audit(
            AuditAction::PermitVerify,
            record
                .as_ref()
                .map_or_else(|| "permit:unknown".into(), |r| format!("permit:{}", r.permit.id)),
            json!({
                "valid": reason.is_none(), "reason": reason, "movement": movement,
                "repeated": repeated, "unrecorded": unrecorded
            }),
        ),
    )
    .await?;
    Ok(ScanResult {
        valid: reason.is_none(),
        reason,
        permit,
        signer: v.verdict.signer,
        issued_at: record.map(|r| domain::bounds::rfc3339(r.issued_at)),
        movement,
        repeated,
        unrecorded,
        list_issued_at: trust.revocations_issued_at(),
    })
}

/// The cards of these permits as one PDF, a page each.
pub async fn pdf<S: Store>(app: &App<S>, records: Vec<PermitRecord>) -> Result<Vec<u8>> {
    let with_ctx: Vec<_> = records
        .into_iter()
        .map(|r| {
            let checkpoint_name = app
                .checkpoints
                .get(&r.permit.checkpoint)
                .map_or_else(|| r.permit.checkpoint.to_string(), |c| c.name_vi.clone());
            (r, crate::permits::card::CardContext { checkpoint_name })
        })
        .collect();
    tokio::task::spawn_blocking(move || crate::permits::card::cards(&with_ctx))
        .await
        .map_err(failed)?
        .map_err(failed)
}

/// A permit and its movements, newest first; the reading audited.
pub async fn read_permit<S: Store>(
    app: &App<S>,
    actor: &Actor,
    by: &Acting,
    id: &str,
) -> Result<(PermitRecord, Vec<MovementRecord>)> {
    let p = visible(app, actor, id).await?;
    let moves = app.store.movements(id).await?;
    app.audit(by.audit(AuditAction::PermitRead, format!("permit:{id}"), json!({}))).await?;
    Ok((p, moves))
}

/// The permits of a scope (one checkpoint's, or all at headquarters), newest first; the reading
/// audited. A checkpoint asked for outside the scope is refused.
pub async fn list_permits<S: Store>(
    app: &App<S>,
    scope: &PermitScope,
    by: &Acting,
    asked: PermitFilter,
) -> Result<(Vec<PermitRecord>, u64)> {
    let checkpoint = match (scope, asked.checkpoint) {
        (PermitScope::Checkpoint(own), Some(c)) if *own != c => {
            return Err(domain::Forbidden(format!("you read the permits of {own} only")).into());
        }
        (PermitScope::Checkpoint(own), _) => Some(own.clone()),
        (PermitScope::All, c) => c,
    };
    let filter = PermitFilter {
        checkpoint,
        text: domain::bounds::clip(&asked.text),
        limit: asked.limit.min(10_000),
        ..asked
    };
    let (list, total) = app.store.permits(&filter).await?;
    let detail = json!({"rows": list.len(), "offset": filter.offset, "text": filter.text});
    app.audit(by.audit(AuditAction::PermitList, "permits".into(), detail)).await?;
    Ok((list, total))
}

/// The permit's seal as a barcode picture (PNG); audited, for the seal carries the holder's
/// name, birth date and document number.
pub async fn barcode<S: Store>(
    app: &App<S>,
    actor: &Actor,
    by: &Acting,
    id: &str,
    symbology: seal::barcode::Symbology,
) -> Result<Vec<u8>> {
    let p = visible(app, actor, id).await?;
    let png = seal::barcode::png(&p.permit.seal, symbology, 6).map_err(failed)?;
    app.audit(by.audit(AuditAction::PermitBarcode, format!("permit:{id}"), json!({}))).await?;
    Ok(png)
}

/// A permit's printable card (PDF); audited.
pub async fn card<S: Store>(app: &App<S>, actor: &Actor, by: &Acting, id: &str) -> Result<Vec<u8>> {
    let p = visible(app, actor, id).await?;
    app.audit(by.audit(AuditAction::PermitCard, format!("permit:{id}"), json!({}))).await?;
    pdf(app, vec![p]).await
}

/// The cards of a dossier's crew, those not revoked, a page each; audited.
pub async fn dossier_cards<S: Store>(
    app: &App<S>,
    actor: &Actor,
    by: &Acting,
    dossier_id: &str,
) -> Result<Vec<u8>> {
    let d = crate::port::service::visible(app, actor, dossier_id).await?;
    actor.permits()?;
    let list = of_dossier(app, &d.id).await?;
    let list: Vec<_> = list.into_iter().filter(|p| p.revoked.is_none()).collect();
    if list.is_empty() {
        return Err(PermitsError::NotFound(format!("permits of dossier {dossier_id}")));
    }
    app.audit(by.audit(
        AuditAction::PermitCard,
        format!("dossier:{dossier_id}"),
        json!({"cards": list.len()}),
    ))
    .await?;
    pdf(app, list).await
}

/// A border pass read at the desk by its barcode: the document it stands for, and what its seal
/// says against it (revoked, not valid here). `None` when the code is no genuine border pass,
/// so that the desk can say it cannot read it.
pub async fn border_pass_at_desk<S: Store>(
    app: &App<S>,
    bytes: &[u8],
) -> Result<Option<(domain::DocumentInput, Vec<domain::Reason>)>> {
    let trust = app.trust()?;
    let v = profile::verify_permit(&trust, bytes, app.now());
    let genuine = genuine(v.verdict.reason);
    let Some(p) = v.permit.filter(|p| genuine && p.kind == PermitKind::BorderPass) else {
        return Ok(None);
    };
    let issuer = CheckpointCode::parse(&p.checkpoint).ok().and_then(|c| app.checkpoints.get(&c));
    let mut problems = Vec::new();
    if let Some(seal::Reason::Revoked) = v.verdict.reason {
        problems.push(domain::Reason::new(
            "permit_revoked",
            format!("border pass {} is revoked", p.serial),
            format!("Giấy thông hành số {} đã bị thu hồi", p.serial),
        ));
    }
    let mut words = p.name.split_whitespace();
    let surname = words.next().unwrap_or_default().to_string();
    let given: Vec<&str> = words.collect();
    let input = domain::DocumentInput {
        doc_type: Some("border_pass".into()),
        number: Some(p.document_number.clone()),
        issuing_state: Some("VNM".into()),
        surname: Some(surname),
        given_names: Some(given.join(" ")).filter(|g| !g.is_empty()),
        nationality: Some(p.nationality.clone()),
        birth_date: Some(p.birth_date.to_string()),
        sex: None,
        expiry_date: Some(p.valid_until.to_string()),
        issuing_area: issuer.map(|c| c.province.clone()),
    };
    Ok(Some((input, problems)))
}

/// What a scanner typed: base64 or hexadecimal text, or the seal's bytes themselves as
/// characters (a scanner in keyboard mode types each byte as one; a seal begins with 0xDC).
pub fn code_bytes(text: &str) -> Option<Vec<u8>> {
    let t = text.trim_matches(['\r', '\n', ' ']);
    if t.is_empty() {
        return None;
    }
    if t.starts_with('\u{DC}') {
        return t.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
    }
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len().is_multiple_of(2) && compact.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(&compact).ok();
    }
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&compact))
        .ok()
}
