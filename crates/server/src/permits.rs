//! Permits with signed seals: issued by a checkpoint's commander (one at a time, or shore
//! passes for a whole crew from an approved dossier), their barcodes, revoked with the
//! revocation list signed anew at once, and verified online — where an accepted scan at a port
//! records the holder going ashore or aboard.

use std::sync::Arc;
use store::AuditAction;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use domain::permit::{PermitKind, check_issue};
use domain::port::{DossierStatus, ImoNumber, ProcedureCode};
use domain::{CheckpointCode, CheckpointKind, Country, DocumentNumber, PermitScope};
use seal::TrustStore;
use seal::barcode::Symbology;
use seal::profile::{self, PermitData};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::permit::{
    Holder, Movement, MovementRecord, NewPermit, PermitFilter, PermitRecord, Revocation,
};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use crate::api::json_body;
use crate::error::{ApiError, ApiResult};
use crate::extract::Authed;
use crate::keys::{self, Keyring};
use crate::state::App;

/// The keys and trust store, opened at start; permits wait for them.
#[derive(Debug, Default)]
pub struct PermitKeys {
    pub keyring: Option<Arc<Keyring>>,
    pub trust: Option<Arc<TrustStore>>,
    /// What the two were made from: the permits' revocation list's number and how many keys
    /// there were. Either changing (here or in another process) makes them anew.
    version: Option<(i64, usize)>,
    passphrase: Option<Arc<seal::locked::Passphrase>>,
}

fn not_ready() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "keys_not_open",
        "permits cannot be signed here: the keys are not set up (bienphong keys init) or the \
         server was started without BIENPHONG_KEY_PASSPHRASE",
    )
}

impl<S: Store> App<S> {
    /// Opens the keys with the passphrase; false when there are none yet.
    pub async fn open_keys(
        &self,
        passphrase: &Arc<seal::locked::Passphrase>,
    ) -> Result<bool, keys::KeysError> {
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
    pub async fn refresh_keys(&self) -> Result<(), keys::KeysError> {
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
        let trust = keys::trust_store(&self.store).await?;
        let keyring = match (&passphrase, held_version) {
            (Some(p), v) if v.is_none_or(|(_, c)| c != count) => {
                Some(Arc::new(keys::unlock(&self.store, p).await?))
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

    fn keyring(&self) -> ApiResult<Arc<Keyring>> {
        self.permit_keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keyring
            .clone()
            .ok_or_else(not_ready)
    }

    fn trust(&self) -> ApiResult<Arc<TrustStore>> {
        self.permit_keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .trust
            .clone()
            .ok_or_else(not_ready)
    }
}

pub fn day(field: &'static str, s: &str) -> ApiResult<Date> {
    Ok(domain::bounds::parse_date(field, s)?)
}

fn iso(d: Date) -> String {
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
    #[schema(format = Date)]
    pub birth_date: String,
    #[schema(value_type = domain::DocumentNumber)]
    pub document_number: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    #[serde(rename = "type")]
    #[schema(value_type = PermitKind)]
    pub kind: String,
    #[schema(value_type = CheckpointCode)]
    pub checkpoint: String,
    pub holder: HolderInput,
    /// A shore pass or a permit alongside names its vessel.
    #[schema(value_type = Option<ImoNumber>)]
    pub vessel_imo: Option<String>,
    /// Today when left out.
    #[schema(format = Date)]
    pub valid_from: Option<String>,
    /// The last day, included.
    #[schema(format = Date)]
    pub valid_until: String,
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

pub fn holder(h: &HolderInput) -> ApiResult<Holder> {
    let name = |field: &'static str, s: &str| -> ApiResult<String> {
        let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.chars().count() > 80 {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("{field}: over 80 characters"),
            ));
        }
        Ok(t)
    };
    let family_name = name("holder.family_name", &h.family_name)?;
    if family_name.is_empty() {
        return Err(ApiError::bad_request("invalid_field", "holder.family_name: missing"));
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
fn mrz_name(h: &Holder) -> ApiResult<String> {
    mrz::name_field(&h.family_name, &h.given_names, 39)
        .map(|f| f.trim_end_matches('<').to_string())
        .map_err(|e| ApiError::bad_request("invalid_field", format!("holder: {e}")))
}

/// Signs and stores the permits, all or none; audited as one action.
pub async fn issue<S: Store>(
    app: &App<S>,
    who: &Authed,
    checkpoint: &CheckpointCode,
    dossier_id: Option<&str>,
    issues: Vec<Issue>,
) -> ApiResult<Vec<PermitRecord>> {
    let right = who.actor.issue_permits_at(checkpoint)?;
    let cp = app
        .checkpoints
        .get(right.checkpoint())
        .ok_or_else(|| ApiError::not_found(format!("checkpoint {checkpoint}")))?;
    let keyring = app.keyring()?;
    let signer = keyring.signer(checkpoint).map_err(|_| not_ready())?;
    let today = app.today();
    let now = app.now();
    let mut permits = Vec::with_capacity(issues.len());
    for i in issues {
        check_issue(i.kind, cp, i.valid_from, i.valid_until, i.vessel_imo.is_some())?;
        let serial = seal::pki::random_serial(6).map_err(|e| ApiError::internal(&e))?;
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
                .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()))?;
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
            issued_by: who.actor.label(),
        });
    }
    app.store.create_permits(&permits, now).await?;
    app.audit(who.audit(
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

/// A permit's holder as the permit names them.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolderView {
    pub family_name: String,
    pub given_names: String,
    pub nationality: domain::Country,
    #[schema(format = Date)]
    pub birth_date: String,
    pub document_number: domain::DocumentNumber,
}

/// A permit as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PermitView {
    pub id: String,
    pub serial: String,
    #[serde(rename = "type")]
    pub kind: PermitKind,
    pub checkpoint: CheckpointCode,
    pub dossier_id: Option<String>,
    pub holder: HolderView,
    pub vessel_imo: Option<String>,
    #[schema(format = Date)]
    pub valid_from: String,
    #[schema(format = Date)]
    pub valid_until: String,
    /// The signer certificate's reference.
    pub signer: String,
    pub issued_by: String,
    #[schema(format = DateTime)]
    pub issued_at: String,
    pub revoked: Option<Revocation>,
    /// The visible digital seal (ICAO 9303-13), as the barcode carries it.
    pub seal_base64: String,
    pub barcode_png: String,
    pub card_pdf: String,
    /// `GET /permits/{id}` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub movements: Option<Vec<MovementRecord>>,
}

pub fn permit_json(r: &PermitRecord) -> PermitView {
    let p = &r.permit;
    PermitView {
        id: p.id.clone(),
        serial: p.serial.clone(),
        kind: p.kind,
        checkpoint: p.checkpoint.clone(),
        dossier_id: p.dossier_id.clone(),
        holder: HolderView {
            family_name: p.holder.family_name.clone(),
            given_names: p.holder.given_names.clone(),
            nationality: p.holder.nationality,
            birth_date: iso(p.holder.birth_date),
            document_number: p.holder.document_number.clone(),
        },
        vessel_imo: p.vessel_imo.as_ref().map(ToString::to_string),
        valid_from: iso(p.valid_from),
        valid_until: iso(p.valid_until),
        signer: p.signer.clone(),
        issued_by: p.issued_by.clone(),
        issued_at: domain::bounds::rfc3339(r.issued_at),
        revoked: r.revoked.clone(),
        seal_base64: base64::engine::general_purpose::STANDARD.encode(&p.seal),
        barcode_png: format!("/api/v1/permits/{}/barcode.png", p.id),
        card_pdf: format!("/api/v1/permits/{}/card.pdf", p.id),
        movements: None,
    }
}

/// Issues and signs one permit (the checkpoint's commander): port permits at seaports, border
/// passes at land checkpoints.
#[utoipa::path(post, path = "/permits", tag = "permits",
    request_body = IssueRequest,
    responses((status = 201, body = PermitView)))]
pub async fn create<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let r: IssueRequest = json_body(&body)?;
    let checkpoint = CheckpointCode::parse(&r.checkpoint)?;
    let kind = PermitKind::parse_field("type", &r.kind)?;
    let issue_one = Issue {
        kind,
        holder: holder(&r.holder)?,
        vessel_imo: r.vessel_imo.as_deref().map(ImoNumber::parse).transpose()?,
        valid_from: r
            .valid_from
            .as_deref()
            .map(|d| day("valid_from", d))
            .transpose()?
            .unwrap_or(app.today()),
        valid_until: day("valid_until", &r.valid_until)?,
    };
    let issued = issue(&app, &who, &checkpoint, None, vec![issue_one]).await?;
    Ok((StatusCode::CREATED, Json(permit_json(&issued[0]))).into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrewPassRequest {
    #[schema(format = Date)]
    /// The last day; the vessel's departure day, or a week, when left out.
    pub valid_until: Option<String>,
}

/// Whether a dossier gives its crew shore passes: an approved entry or port shift.
pub fn gives_shore_passes(d: &store::port::DossierRecord) -> bool {
    d.status == DossierStatus::Approved
        && matches!(d.procedure, ProcedureCode::VesselEntry | ProcedureCode::VesselPortShift)
}

/// The permits issued from a dossier (a crew is never more than a thousand).
pub async fn of_dossier<S: Store>(app: &App<S>, dossier_id: &str) -> ApiResult<Vec<PermitRecord>> {
    let filter = PermitFilter {
        dossier_id: Some(dossier_id.to_string()),
        limit: 1000,
        ..Default::default()
    };
    Ok(app.store.permits(&filter).await?)
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
    who: &Authed,
    dossier_id: &str,
    valid_until: Option<Date>,
) -> ApiResult<Vec<PermitRecord>> {
    // Only a commander may ask at all: the answer must not depend on whether anyone waits.
    if who.actor.role() != Some(domain::Role::Commander) {
        return Err(
            domain::Forbidden("only a checkpoint's commander issues its permits".into()).into()
        );
    }
    let d = crate::port::visible(app, &who.actor, dossier_id).await?;
    who.actor.issue_permits_at(&d.checkpoint)?;
    if !gives_shore_passes(&d) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_eligible",
            "shore passes follow an approved entry or port shift",
        ));
    }
    let vessel = d.vessel.as_ref().ok_or_else(|| {
        ApiError::new(StatusCode::CONFLICT, "not_eligible", "the dossier names no vessel")
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
    issue(app, who, &d.checkpoint, Some(&d.id), issues).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CrewPasses {
    pub permits: Vec<PermitView>,
    /// The crew's cards, a page each.
    pub cards_pdf: String,
}

/// Shore passes for the crew who asked, from an approved entry or port shift, each person once
/// (the checkpoint's commander; the body may be empty).
#[utoipa::path(post, path = "/dossiers/{id}/permits", tag = "permits",
    params(("id" = String, Path)),
    request_body(content = Option<CrewPassRequest>),
    responses((status = 201, body = CrewPasses),
              (status = 200, description = "nobody left to issue to", body = CrewPasses)))]
pub async fn from_dossier<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let r: CrewPassRequest = optional_body(&body)?;
    let until = r.valid_until.as_deref().map(|d| day("valid_until", d)).transpose()?;
    let issued = crew_passes(&app, &who, &id, until).await?;
    let status = if issued.is_empty() { StatusCode::OK } else { StatusCode::CREATED };
    Ok((
        status,
        Json(CrewPasses {
            permits: issued.iter().map(permit_json).collect(),
            cards_pdf: format!("/api/v1/dossiers/{id}/permits/cards.pdf"),
        }),
    )
        .into_response())
}

/// A body that may be left out: nothing, or JSON `null`, is the default.
fn optional_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> ApiResult<T> {
    if body.trim_ascii().is_empty() || body.trim_ascii() == b"null" {
        Ok(T::default())
    } else {
        json_body(body)
    }
}

/// A permit the actor may read, or 404.
pub async fn visible<S: Store>(app: &App<S>, who: &Authed, id: &str) -> ApiResult<PermitRecord> {
    let scope = who.actor.permits()?;
    match app.store.permit(id).await? {
        Some(p) if scope.covers(&p.permit.checkpoint) => Ok(p),
        _ => Err(ApiError::not_found(format!("permit {id}"))),
    }
}

/// A permit with its movements (read audited, as every read of a person's data).
#[utoipa::path(get, path = "/permits/{id}", tag = "permits",
    params(("id" = String, Path)),
    responses((status = 200, body = PermitView)))]
pub async fn get_one<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<PermitView>> {
    let p = visible(&app, &who, &id).await?;
    let moves = app.store.movements(&id).await?;
    app.audit(who.audit(AuditAction::PermitRead, format!("permit:{id}"), json!({}))).await?;
    let mut v = permit_json(&p);
    v.movements = Some(moves);
    Ok(Json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<CheckpointCode>, inline)]
    checkpoint: Option<String>,
    /// A dossier's id: the permits issued from it.
    dossier: Option<String>,
    /// At most 1,000 (100).
    limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermitsResponse {
    pub permits: Vec<PermitView>,
}

/// Permits, newest first: a checkpoint's own, or all of them at headquarters.
#[utoipa::path(get, path = "/permits", tag = "permits",
    params(ListQuery),
    responses((status = 200, body = PermitsResponse)))]
pub async fn list<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<PermitsResponse>> {
    let scope = who.actor.permits()?;
    let asked = q.checkpoint.as_deref().map(CheckpointCode::parse).transpose()?;
    let checkpoint = match (&scope, asked) {
        (PermitScope::Checkpoint(own), Some(c)) if *own != c => {
            return Err(domain::Forbidden(format!("you read the permits of {own} only")).into());
        }
        (PermitScope::Checkpoint(own), _) => Some(own.clone()),
        (PermitScope::All, c) => c,
    };
    let filter =
        PermitFilter { checkpoint, dossier_id: q.dossier, limit: q.limit.unwrap_or(100).min(1000) };
    let list = app.store.permits(&filter).await?;
    app.audit(who.audit(AuditAction::PermitList, "permits".into(), json!({"rows": list.len()})))
        .await?;
    Ok(Json(PermitsResponse { permits: list.iter().map(permit_json).collect() }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BarcodeQuery {
    /// `qr` by default.
    #[param(value_type = Option<SymbologyName>, inline)]
    symbology: Option<String>,
}

/// Which barcode.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // Describes what `barcode` reads.
pub enum SymbologyName {
    Qr,
    Datamatrix,
}

/// The permit's seal as a barcode picture (audited: the seal carries the holder's data).
#[utoipa::path(get, path = "/permits/{id}/barcode.png", tag = "permits",
    params(("id" = String, Path), BarcodeQuery),
    responses((status = 200, description = "the barcode", content_type = "image/png", body = Vec<u8>)))]
pub async fn barcode<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
    Query(q): Query<BarcodeQuery>,
) -> ApiResult<Response> {
    let symbology = match q.symbology.as_deref() {
        None => Symbology::Qr,
        Some(s) => Symbology::parse(s)
            .ok_or_else(|| ApiError::bad_request("invalid_field", "symbology: qr or datamatrix"))?,
    };
    let p = visible(&app, &who, &id).await?;
    let png =
        seal::barcode::png(&p.permit.seal, symbology, 6).map_err(|e| ApiError::internal(&e))?;
    // The seal carries the holder's name, birth date and document number.
    app.audit(who.audit(AuditAction::PermitBarcode, format!("permit:{id}"), json!({}))).await?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))], png).into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    pub reason: Option<String>,
}

/// Revokes a permit and signs the revocation list anew, at once.
pub async fn revoke_one<S: Store>(
    app: &App<S>,
    who: &Authed,
    id: &str,
    reason: Option<String>,
) -> ApiResult<PermitRecord> {
    let p = visible(app, who, id).await?;
    who.actor.issue_permits_at(&p.permit.checkpoint)?;
    let keyring = app.keyring()?;
    let now = app.now();
    let revocation = Revocation {
        at: now,
        by: who.actor.label(),
        reason: reason.filter(|r| !r.trim().is_empty()),
    };
    if !app.store.revoke_permit(id, &revocation).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_revoked",
            "the permit is revoked already",
        ));
    }
    keys::publish_permit_revocations(&app.store, &keyring, now)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    app.refresh_keys().await.map_err(|e| ApiError::internal(&e))?;
    app.audit(who.audit(
        AuditAction::PermitRevoke,
        format!("permit:{id}"),
        json!({"reason": revocation.reason}),
    ))
    .await?;
    Ok(PermitRecord { revoked: Some(revocation), ..p })
}

/// Revokes a permit (the issuing checkpoint's commander); the revocation list is signed anew at
/// once (the body may be empty).
#[utoipa::path(post, path = "/permits/{id}/revoke", tag = "permits",
    params(("id" = String, Path)),
    request_body(content = Option<RevokeRequest>),
    responses((status = 200, body = PermitView)))]
pub async fn revoke<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<PermitView>> {
    let r: RevokeRequest = optional_body(&body)?;
    let p = revoke_one(&app, &who, &id, r.reason).await?;
    Ok(Json(permit_json(&p)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The seal's bytes as the barcode reader gave them, in base64.
    pub seal_base64: String,
    /// `ashore` or `aboard`; the opposite of the holder's last movement when left out.
    #[schema(value_type = Option<Movement>)]
    pub direction: Option<String>,
}

/// What a seal says of its permit (`seal::profile::PermitData`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Describes what the seal's decoder serialises.
pub struct SealedPermit {
    kind: PermitKind,
    serial: String,
    /// The name as the MRZ writes it.
    name_mrz: String,
    name: String,
    document_number: String,
    nationality: String,
    #[schema(format = Date)]
    birth_date: String,
    vessel_imo: Option<String>,
    checkpoint: String,
    #[schema(format = Date)]
    valid_from: String,
    #[schema(format = Date)]
    valid_until: String,
}

/// A scan's verdict.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanView {
    pub valid: bool,
    /// Why not: `unreadable`, `bad_signature`, `revoked`, `expired`, `wrong_checkpoint`, ….
    pub reason: Option<&'static str>,
    #[schema(value_type = Option<SealedPermit>)]
    pub permit: Option<PermitData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// At a seaport, the movement recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub movement: Option<Movement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub revocation_list_issued_at: Option<String>,
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
    pub list_issued_at: Option<OffsetDateTime>,
}

impl ScanResult {
    pub fn view(self) -> ScanView {
        ScanView {
            valid: self.valid,
            reason: self.reason,
            permit: self.permit,
            signer: self.signer,
            movement: self.movement,
            revocation_list_issued_at: self.list_issued_at.map(domain::bounds::rfc3339),
        }
    }
}

/// Checks a scanned seal where the actor stands; records the movement of an accepted one at a
/// port.
pub async fn scan<S: Store>(
    app: &App<S>,
    who: &Authed,
    bytes: &[u8],
    direction: Option<Movement>,
) -> ApiResult<ScanResult> {
    let here = who.actor.verify_permits()?;
    let trust = app.trust()?;
    let now = app.now();
    let v = profile::verify_permit(&trust, bytes, now);
    let mut reason = v.verdict.reason.map(seal::Reason::code);
    let permit = v.permit;
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
    if let (None, Some(r), Some(here)) = (reason, &record, &here)
        && app.checkpoints.get(here).is_some_and(|c| c.kind == CheckpointKind::Seaport)
    {
        let last = app.store.movements(&r.permit.id).await?.first().map(|m| m.direction);
        let d = direction.unwrap_or(match last {
            Some(Movement::Ashore) => Movement::Aboard,
            _ => Movement::Ashore,
        });
        app.store
            .record_movement(&MovementRecord {
                permit_id: r.permit.id.clone(),
                checkpoint: here.clone(),
                direction: d,
                actor: who.actor.label(),
                at: now,
            })
            .await?;
        movement = Some(d);
    }
    app.audit(
        who.audit(
            AuditAction::PermitVerify,
            record
                .as_ref()
                .map_or_else(|| "permit:unknown".into(), |r| format!("permit:{}", r.permit.id)),
            json!({"valid": reason.is_none(), "reason": reason, "movement": movement}),
        ),
    )
    .await?;
    Ok(ScanResult {
        valid: reason.is_none(),
        reason,
        permit,
        signer: v.verdict.signer,
        issued_at: record.and_then(|r| r.issued_at.format(&Rfc3339).ok()),
        movement,
        list_issued_at: trust.revocations_issued_at(),
    })
}

/// Verifies a scanned seal where the guard stands; at a seaport an accepted one records the
/// holder going ashore or aboard.
#[utoipa::path(post, path = "/permits/verify", tag = "permits",
    request_body = VerifyRequest,
    responses((status = 200, body = ScanView)))]
pub async fn verify<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    body: axum::body::Bytes,
) -> ApiResult<Json<ScanView>> {
    let r: VerifyRequest = json_body(&body)?;
    let direction = r
        .direction
        .as_deref()
        .map(|d| {
            Movement::parse(d).ok_or_else(|| {
                ApiError::bad_request("invalid_field", "direction: ashore or aboard")
            })
        })
        .transpose()?;
    let bytes = match base64::engine::general_purpose::STANDARD.decode(r.seal_base64.trim()) {
        Ok(b) => b,
        Err(_) => {
            who.actor.verify_permits()?;
            return Ok(Json(ScanView {
                valid: false,
                reason: Some("unreadable"),
                permit: None,
                signer: None,
                movement: None,
                revocation_list_issued_at: None,
            }));
        }
    };
    Ok(Json(scan(&app, &who, &bytes, direction).await?.view()))
}

async fn pdf<S: Store>(app: &App<S>, records: Vec<PermitRecord>) -> ApiResult<Response> {
    let with_ctx: Vec<_> = records
        .into_iter()
        .map(|r| {
            let checkpoint_name = app
                .checkpoints
                .get(&r.permit.checkpoint)
                .map_or_else(|| r.permit.checkpoint.to_string(), |c| c.name_vi.clone());
            (r, crate::card::CardContext { checkpoint_name })
        })
        .collect();
    let bytes = tokio::task::spawn_blocking(move || crate::card::cards(&with_ctx))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"))], bytes)
        .into_response())
}

/// The printable card (audited).
#[utoipa::path(get, path = "/permits/{id}/card.pdf", tag = "permits",
    params(("id" = String, Path)),
    responses((status = 200, description = "the card", content_type = "application/pdf", body = Vec<u8>)))]
pub async fn card<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let p = visible(&app, &who, &id).await?;
    app.audit(who.audit(AuditAction::PermitCard, format!("permit:{id}"), json!({}))).await?;
    pdf(&app, vec![p]).await
}

/// The crew's cards in one document, a page each, those not revoked (audited).
#[utoipa::path(get, path = "/dossiers/{id}/permits/cards.pdf", tag = "permits",
    params(("id" = String, Path)),
    responses((status = 200, description = "the cards", content_type = "application/pdf", body = Vec<u8>)))]
pub async fn dossier_cards<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let d = crate::port::visible(&app, &who.actor, &id).await?;
    who.actor.permits()?;
    let list = of_dossier(&app, &d.id).await?;
    let list: Vec<_> = list.into_iter().filter(|p| p.revoked.is_none()).collect();
    if list.is_empty() {
        return Err(ApiError::not_found(format!("permits of dossier {id}")));
    }
    app.audit(who.audit(
        AuditAction::PermitCard,
        format!("dossier:{id}"),
        json!({"cards": list.len()}),
    ))
    .await?;
    pdf(&app, list).await
}
