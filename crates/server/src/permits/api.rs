//! The permits' API: issue, list, read, barcode, card, revoke, verify.

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::Authed;
use crate::http::json_body;
use crate::permits::service::CrewPassRequest;
use crate::permits::service::HolderInput;
use crate::permits::service::Issue;
use crate::permits::service::PermitsError;
use crate::permits::service::ScanResult;
use crate::permits::service::crew_passes;
use crate::permits::service::day;
use crate::permits::service::holder;
use crate::permits::service::iso;
use crate::permits::service::issue;
use crate::permits::service::revoke_one;
use crate::permits::service::scan;
use axum::Json;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::IntoResponse;
use axum::response::Response;
use base64::Engine as _;
use domain::CheckpointCode;
use domain::permit::PermitKind;
use domain::port::ImoNumber;
use seal::barcode::Symbology;
use seal::profile::PermitData;
use serde::Deserialize;
use serde::Serialize;
use store::Store;
use store::permit::Movement;
use store::permit::MovementRecord;
use store::permit::PermitRecord;
use store::permit::Revocation;
use utoipa::IntoParams;
use utoipa::ToSchema;

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
    #[schema(value_type = Option<domain::schema::Day>)]
    pub valid_from: Option<String>,
    /// The last day, included.
    #[schema(value_type = domain::schema::Day)]
    pub valid_until: String,
}

impl From<PermitsError> for ApiError {
    fn from(e: PermitsError) -> Self {
        match e {
            PermitsError::Invalid(e) => e.into(),
            PermitsError::Forbidden(e) => e.into(),
            PermitsError::NotFound(_) => ApiError::not_found(e.to_string()),
            PermitsError::KeysNotOpen => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "keys_not_open", e.to_string())
            }
            PermitsError::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            PermitsError::Store(e) => e.into(),
            PermitsError::Audit(e) => e.into(),
            PermitsError::Failed(_) => ApiError::internal(&e),
        }
    }
}

fn pdf_response(bytes: Vec<u8>) -> ApiResult<Response> {
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"))], bytes)
        .into_response())
}

/// A permit's holder as the permit names them.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolderView {
    pub family_name: String,
    pub given_names: String,
    pub nationality: domain::Country,
    #[schema(value_type = domain::schema::Day)]
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
    #[schema(value_type = domain::schema::Day)]
    pub valid_from: String,
    #[schema(value_type = domain::schema::Day)]
    pub valid_until: String,
    /// The signer certificate's reference.
    pub signer: String,
    pub issued_by: String,
    #[schema(value_type = domain::schema::Instant)]
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
    let right = who.actor.issue_permits_at(&checkpoint)?;
    let issued = issue(&app, &right, &who.acting(), None, vec![issue_one]).await?;
    Ok((StatusCode::CREATED, Json(permit_json(&issued[0]))).into_response())
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
    let issued = crew_passes(&app, &who.actor, &who.acting(), &id, until).await?;
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

/// A permit with its movements (read audited, as every read of a person's data).
#[utoipa::path(get, path = "/permits/{id}", tag = "permits",
    params(("id" = String, Path)),
    responses((status = 200, body = PermitView)))]
pub async fn get_one<S: Store>(
    State(app): State<App<S>>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<PermitView>> {
    let (p, moves) =
        crate::permits::service::read_permit(&app, &who.actor, &who.acting(), &id).await?;
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
    let limit = q.limit.unwrap_or(100);
    let filter = store::permit::PermitFilter {
        checkpoint: asked,
        dossier_id: q.dossier,
        limit,
        ..Default::default()
    };
    let (list, _) =
        crate::permits::service::list_permits(&app, &scope, &who.acting(), filter).await?;
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
    let png =
        crate::permits::service::barcode(&app, &who.actor, &who.acting(), &id, symbology).await?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))], png).into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    pub reason: Option<String>,
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
    let p = revoke_one(&app, &who.actor, &who.acting(), &id, r.reason).await?;
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
    #[schema(value_type = domain::schema::Day)]
    birth_date: String,
    vessel_imo: Option<String>,
    checkpoint: String,
    #[schema(value_type = domain::schema::Day)]
    valid_from: String,
    #[schema(value_type = domain::schema::Day)]
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
    /// At a seaport, the movement recorded (or, for a double scan, the one recorded just before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub movement: Option<Movement>,
    /// The same permit scanned again within the rescan window: nothing new was recorded.
    pub repeated: bool,
    /// A good seal at a checkpoint node that does not hold the permit yet (issued at
    /// headquarters after the node's last copy): its movement was not recorded.
    pub unrecorded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<domain::schema::Instant>)]
    pub revocation_list_issued_at: Option<String>,
}

impl ScanResult {
    pub fn view(self) -> ScanView {
        ScanView {
            valid: self.valid,
            reason: self.reason,
            permit: self.permit,
            signer: self.signer,
            movement: self.movement,
            repeated: self.repeated,
            unrecorded: self.unrecorded,
            revocation_list_issued_at: self.list_issued_at.map(domain::bounds::rfc3339),
        }
    }
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
                repeated: false,
                unrecorded: false,
                revocation_list_issued_at: None,
            }));
        }
    };
    let here = who.actor.verify_permits()?;
    Ok(Json(scan(&app, here, &who.acting(), &bytes, direction).await?.view()))
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
    pdf_response(crate::permits::service::card(&app, &who.actor, &who.acting(), &id).await?)
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
    let pdf = crate::permits::service::dossier_cards(&app, &who.actor, &who.acting(), &id).await?;
    pdf_response(pdf)
}
