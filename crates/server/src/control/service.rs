//! A control check: read the document, gather the facts (screening, last crossing), let the
//! domain rules decide; crossings recorded; a traveller's history read.

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::Authed;
use axum::http::StatusCode;
use domain::Channel;
use domain::CheckpointCode;
use domain::ControlFacts;
use domain::Country;
use domain::Decision;
use domain::Direction;
use domain::DocumentInput;
use domain::DocumentNumber;
use domain::DocumentType;
use domain::Reason;
use domain::RecordRight;
use domain::Sex;
use domain::TravelDocument;
use domain::Verdict;
use domain::WatchHit;
use domain::bounds;
use domain::decide;
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use serde_json::json;
use sha2::Digest;
use sha2::Sha256;
use store::AuditAction;
use store::CrossingAlert;
use store::CrossingRecord;
use store::NewCrossing;
use store::RecordOutcome;
use store::RecordedBy;
use store::Store;
use time::Date;
use time::OffsetDateTime;
use utoipa::IntoParams;
use utoipa::ToSchema;

/// One crossing as a client sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossingRequest {
    /// Made by the client, so that a retry never records twice.
    #[schema(format = "uuid")]
    id: String,
    #[schema(value_type = domain::CheckpointCode)]
    checkpoint: String,
    #[schema(value_type = domain::Direction)]
    direction: String,
    #[schema(value_type = DocumentRequest)]
    document: Value,
    #[schema(value_type = domain::Channel)]
    channel: String,
    /// When the traveller crossed (RFC 3339): from 30 days ago to 10 minutes ahead.
    #[schema(format = DateTime)]
    at: Option<String>,
    /// The decision already made where the traveller stood (an e-gate, a post working
    /// offline). Without it the platform decides, screens and raises alerts itself.
    #[schema(value_type = Option<domain::Decision>)]
    decision: Option<String>,
}

#[derive(Debug)]
pub enum ItemResult {
    Stored { created: bool, record: store::CrossingRecord },
    Failed(ApiError),
}

/// Parses and authorises one crossing, and checks it: the platform always screens, decides and
/// alerts, whatever the client sent. A decision the client sent (a gate, a post that decided
/// offline) is kept beside the platform's; the crossing's decision is the stricter of the two,
/// so a client's clear where the platform refers or denies is referred, never taken as is.
///
/// With `defer`, a crossing that brings its own decision is stored at once and screened in the
/// background (`screening::run`): a batch of a thousand from a post that was offline must not
/// wait for a thousand screenings. Nothing is lost by it: the crossing is stored unscreened,
/// and the screening of every unscreened crossing is finished by whichever process gets to it.
async fn prepare<S: Store>(
    app: &App<S>,
    who: &Authed,
    raw: &Value,
    now: OffsetDateTime,
    defer: bool,
) -> ApiResult<NewCrossing> {
    let req: CrossingRequest = serde_json::from_value(raw.clone())
        .map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))?;
    let id = uuid::Uuid::parse_str(&req.id).map_err(|_| {
        ApiError::bad_request("invalid_id", format!("{:?} is not a UUID", bounds::clip(&req.id)))
    })?;
    let checkpoint = CheckpointCode::parse(&req.checkpoint)?;
    let direction = Direction::parse(&req.direction)?;
    let channel = Channel::parse(&req.channel)?;
    let at = match &req.at {
        Some(s) => {
            let t = bounds::parse_time("at", s)?;
            bounds::within("at", t, now, bounds::CROSSING_PAST, bounds::CROSSING_FUTURE).map_err(
                |e| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "at_out_of_range",
                        e.to_string(),
                    )
                },
            )?
        }
        None => now,
    };
    let client_decision = req.decision.as_deref().map(Decision::parse).transpose()?;
    let right = who.actor.act_at(&checkpoint)?;
    let reading = read_document(&req.document, app.today())?;
    let (decision, alerts, screened) = match client_decision {
        Some(client) if defer => (client, Vec::new(), false),
        _ => {
            let outcome = crate::control::service::check(app, &right, direction, &reading).await?;
            let alerts = outcome
                .watchlist_hits
                .iter()
                .filter(|h| !h.dismissed)
                .map(|h| CrossingAlert { entry_id: h.entry_id.clone(), score: f64::from(h.score) })
                .collect();
            let decision = outcome.decision();
            (client_decision.map_or(decision, |c| c.max(decision)), alerts, true)
        }
    };
    // Serialised from a map, the body's keys come in one order, whatever the client's.
    let body_hash = hex::encode(Sha256::digest(raw.to_string().as_bytes()));
    let doc = reading.document;
    Ok(NewCrossing {
        id: id.hyphenated().to_string(),
        name_key: name_key(&doc.surname, &doc.given_names),
        document: doc,
        checkpoint,
        direction,
        channel,
        at,
        decision,
        client_decision,
        actor: who.actor.label(),
        body_hash,
        alerts,
        screened,
    })
}

/// Records crossings, each answering on its own: what cannot be parsed, is refused or fails
/// in the store is that item's error, never the whole batch's. The crossings stored, their
/// alerts and their audit record commit together. `defer`: see [`prepare`].
pub async fn record_many<S: Store>(
    app: &App<S>,
    who: &Authed,
    items: &[Value],
    defer: bool,
) -> Vec<ItemResult> {
    let now = app.now();
    let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(items.len());
    let mut batch = Vec::new();
    for raw in items {
        match prepare(app, who, raw, now, defer).await {
            Ok(c) => {
                results.push(None);
                batch.push(c);
            }
            Err(e) => results.push(Some(ItemResult::Failed(e))),
        }
    }
    let by = RecordedBy { actor: who.actor.label(), ip: who.ip.map(|i| i.to_string()) };
    let stored = if batch.is_empty() {
        Ok(Vec::new())
    } else {
        app.store.record_crossings(&batch, &by, now).await
    };
    if batch.iter().any(|c| !c.screened) {
        app.screening.notify_one();
    }
    let mut stored = match stored {
        Ok(s) => s.into_iter(),
        Err(e) => {
            let e = ApiError::from(e);
            for slot in results.iter_mut().filter(|r| r.is_none()) {
                *slot =
                    Some(ItemResult::Failed(ApiError::new(e.status, e.code, e.message.clone())));
            }
            Vec::new().into_iter()
        }
    };
    results
        .into_iter()
        .map(|slot| match slot {
            Some(done) => done,
            None => match stored.next() {
                Some(RecordOutcome::Created(record)) => {
                    ItemResult::Stored { created: true, record }
                }
                Some(RecordOutcome::Existing(record)) => {
                    ItemResult::Stored { created: false, record }
                }
                Some(RecordOutcome::Conflict(id)) => ItemResult::Failed(ApiError::new(
                    StatusCode::CONFLICT,
                    "id_conflict",
                    format!("crossing {id} was recorded with another body"),
                )),
                None => ItemResult::Failed(ApiError::internal(&std::io::Error::other(
                    "the store answered for fewer crossings than it was given",
                ))),
            },
        })
        .collect()
}

/// By document (`issuing_state` and `number`), or by name (and `birth_date`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    #[param(value_type = Option<domain::Country>, inline)]
    pub issuing_state: Option<String>,
    #[param(value_type = Option<domain::DocumentNumber>, inline)]
    pub number: Option<String>,
    pub name: Option<String>,
    #[param(format = Date)]
    pub birth_date: Option<String>,
    /// The most crossings per traveller, 1 to 1,000 (100).
    pub limit: Option<u32>,
}

/// Travellers' histories for a query by document or by name, the look audited.
pub async fn find_history<S: Store>(
    app: &App<S>,
    who: &Authed,
    q: &HistoryQuery,
) -> ApiResult<Vec<(store::TravellerRecord, Vec<store::CrossingRecord>)>> {
    who.actor.read_history()?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1_000);
    let (subject, found) = match (&q.issuing_state, &q.number, &q.name) {
        (Some(state), Some(number), _) => {
            let state = Country::parse_field("issuing_state", state)?;
            let number = DocumentNumber::parse(number)?;
            let found = app.store.traveller_with_crossings(state, &number, limit).await?;
            (format!("traveller:{state}/{number}"), found.into_iter().collect::<Vec<_>>())
        }
        (None, None, Some(name)) => {
            let name = bounds::clean_line("name", name, bounds::NAME_MAX)?;
            let key = screen::normalize::tokens(&name).join(" ");
            if key.is_empty() {
                return Err(ApiError::bad_request("invalid_field", "name: give a name"));
            }
            let dob = q.birth_date.as_deref().map(str::trim).filter(|s| !s.is_empty());
            if let Some(d) = dob {
                bounds::parse_date("birth_date", d)?;
            }
            let travellers = app.store.travellers_by_name(&key, dob, 50).await?;
            let mut found = Vec::with_capacity(travellers.len());
            for t in travellers {
                let crossings = app.store.crossings_of(t.id, limit).await?;
                found.push((t, crossings));
            }
            (format!("name:{key}/{}", dob.unwrap_or("")), found)
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "give issuing_state and number, or name (and birth_date)",
            ));
        }
    };
    app.audit(who.audit(AuditAction::HistoryRead, subject, json!({"found": found.len()}))).await?;
    Ok(found)
}

/// A document as read, with what the reader found wrong with it.
#[derive(Debug, Clone)]
pub struct Reading {
    pub document: TravelDocument,
    pub problems: Vec<Reason>,
}

/// `{"mrz": "..."}` or the fields typed by hand.
pub fn read_document(value: &Value, today: Date) -> ApiResult<Reading> {
    let Value::Object(map) = value else {
        return Err(ApiError::bad_request("invalid_document", "the document is a JSON object"));
    };
    if let Some(mrz) = map.get("mrz") {
        let Some(text) = mrz.as_str() else {
            return Err(ApiError::bad_request("invalid_document", "mrz is the MRZ as text"));
        };
        if map.len() > 1 {
            return Err(ApiError::bad_request(
                "invalid_document",
                "send either the MRZ or the fields, not both",
            ));
        }
        return read_mrz(text, today);
    }
    let input: DocumentInput = serde_json::from_value(value.clone())
        .map_err(|e| ApiError::bad_request("invalid_document", e.to_string()))?;
    let document =
        input.validate().map_err(|e| ApiError::bad_request("invalid_document", e.to_string()))?;
    Ok(Reading { document, problems: Vec::new() })
}

fn to_time(d: mrz::Date) -> Option<Date> {
    let month = time::Month::try_from(d.month()).ok()?;
    Date::from_calendar_date(i32::from(d.year()), month, d.day()).ok()
}

pub fn read_mrz(text: &str, today: Date) -> ApiResult<Reading> {
    let reading_date = u16::try_from(today.year())
        .ok()
        .and_then(|y| mrz::Date::new(y, u8::from(today.month()), today.day()))
        .ok_or_else(|| {
            ApiError::internal(&std::io::Error::other("today is out of the MRZ's range"))
        })?;
    let m = mrz::parse(text, reading_date)
        .map_err(|e| ApiError::bad_request("unreadable_document", e.to_string()))?;
    let unreadable = |what: &str| {
        ApiError::bad_request(
            "unreadable_document",
            format!("the MRZ has no usable {what}: the traveller cannot be identified"),
        )
    };
    let doc_type = match m.document_code.as_bytes().first() {
        Some(b'P') => DocumentType::Passport,
        Some(b'V') => DocumentType::Visa,
        _ => DocumentType::IdCard,
    };
    let document = TravelDocument {
        doc_type,
        number: DocumentNumber::parse(&m.document_number)
            .map_err(|_| unreadable("document number"))?,
        issuing_state: Country::parse(&m.issuing_state).map_err(|_| unreadable("issuing state"))?,
        surname: m.surname.clone(),
        given_names: m.given_names.clone(),
        nationality: Country::parse(&m.nationality).ok(),
        birth_date: m.birth_date.and_then(to_time),
        sex: m.sex.map(|s| match s {
            mrz::Sex::Male => Sex::Male,
            mrz::Sex::Female => Sex::Female,
            mrz::Sex::Unspecified => Sex::Unspecified,
        }),
        expiry_date: m.expiry_date.and_then(to_time),
        issuing_area: None,
    };
    let problems = m.problems.iter().map(|p| Reason::new(p.code(), p.to_string())).collect();
    Ok(Reading { document, problems })
}

/// The holder's name folded for lookups: upper-case ASCII words, family name first.
pub fn name_key(surname: &str, given_names: &str) -> String {
    screen::normalize::tokens(&format!("{surname} {given_names}")).join(" ")
}

/// The check's answer: the decision with every reason, the traveller as read, the watchlist's
/// hits and the recent crossings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    #[serde(flatten)]
    pub verdict: Verdict,
    pub traveller: TravelDocument,
    pub watchlist_hits: Vec<WatchHit>,
    pub recent_crossings: Vec<CrossingRecord>,
    #[serde(skip)]
    #[schema(ignore)]
    pub traveller_id: Option<i64>,
}

impl Outcome {
    pub fn decision(&self) -> Decision {
        self.verdict.decision
    }

    /// The audit record of the check that gave this outcome, the same from the API and the desk.
    pub fn audit(
        &self,
        who: &crate::http::extract::Authed,
        checkpoint: &domain::CheckpointCode,
        direction: domain::Direction,
    ) -> store::AuditEvent {
        let d = &self.traveller;
        who.audit(
            AuditAction::ControlCheck,
            format!("traveller:{}/{}", d.issuing_state, d.number),
            serde_json::json!({
                "checkpoint": checkpoint, "direction": direction, "decision": self.decision()
            }),
        )
    }
}

/// The document screened against the watchlist on `day`, each hit marked if it was dismissed as
/// a false positive for this traveller before.
pub async fn watch_hits<S: Store>(
    app: &App<S>,
    traveller_id: Option<i64>,
    doc: &TravelDocument,
    day: Date,
) -> store::Result<Vec<WatchHit>> {
    let matches = app.watchlist().screen(doc, day, 5);
    let dismissed = match (traveller_id, matches.is_empty()) {
        (Some(id), false) => app.store.dismissed_entries(id).await?,
        _ => Vec::new(),
    };
    Ok(as_hits(matches, &dismissed))
}

/// Screening matches as the control rules take them, marked when dismissed for this traveller.
pub fn as_hits(
    matches: Vec<crate::watchlist::index::Match>,
    dismissed: &[String],
) -> Vec<WatchHit> {
    matches
        .into_iter()
        .map(|m| WatchHit {
            dismissed: dismissed.contains(&m.entry_id),
            entry_id: m.entry_id,
            score: m.score,
            action: m.action,
            matched_name: m.matched_name,
            reasons: m.reasons,
        })
        .collect()
}

/// The decision for this reading at this checkpoint, now. Writes nothing.
pub async fn check<S: Store>(
    app: &App<S>,
    right: &RecordRight,
    direction: Direction,
    reading: &Reading,
) -> ApiResult<Outcome> {
    let checkpoint = app
        .checkpoints
        .get(right.checkpoint())
        .ok_or_else(|| ApiError::not_found(format!("checkpoint {}", right.checkpoint())))?;
    let doc = &reading.document;
    let today = app.today();
    let (traveller, recent) =
        match app.store.traveller_with_crossings(doc.issuing_state, &doc.number, 5).await? {
            Some((t, recent)) => (Some(t), recent),
            None => (None, Vec::new()),
        };
    let hits = watch_hits(app, traveller.as_ref().map(|t| t.id), doc, today).await?;
    let last = recent.first().map(|c| c.last_crossing());
    let verdict = decide(&ControlFacts {
        checkpoint,
        direction,
        document: doc,
        reading_problems: &reading.problems,
        today,
        watch_hits: &hits,
        last_crossing: last.as_ref(),
    });
    Ok(Outcome {
        verdict,
        traveller: doc.clone(),
        watchlist_hits: hits,
        recent_crossings: recent,
        traveller_id: traveller.map(|t| t.id),
    })
}

/// A document as read: its MRZ as text, or its fields typed by hand.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Describes what `crate::control::service::read_document` reads.
pub enum DocumentRequest {
    Mrz(MrzRequest),
    Fields(Box<domain::DocumentInput>),
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct MrzRequest {
    /// The machine-readable zone, its lines separated by line breaks.
    mrz: String,
}
