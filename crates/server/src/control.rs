//! A control check: read the document, gather the facts (screening, last crossing), let the
//! domain rules decide.

use domain::{
    ControlFacts, Country, Decision, Direction, DocumentInput, DocumentNumber, DocumentType,
    Reason, RecordRight, Sex, TravelDocument, Verdict, WatchHit, decide,
};
use serde::Serialize;
use serde_json::Value;
use store::AuditAction;
use store::{CrossingRecord, Store};
use time::Date;

use crate::error::{ApiError, ApiResult};
use crate::state::App;

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
        who: &crate::extract::Authed,
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
pub fn as_hits(matches: Vec<crate::watch::Match>, dismissed: &[String]) -> Vec<WatchHit> {
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
