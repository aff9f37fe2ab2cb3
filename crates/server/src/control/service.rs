//! A control check: read the document, gather the facts (screening, last crossing), let the
//! domain rules decide; crossings recorded; a traveller's history read.

use crate::app::{Acting, App, AuditFailed};
use domain::Channel;
use domain::CheckpointCode;
use domain::ControlFacts;
use domain::Country;
use domain::CrossingOutcome;
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
use domain::{Actor, HistoryRight, InvalidValue};
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use store::AuditAction;
use store::CrossingAlert;
use store::CrossingRecord;
use store::NewCrossing;
use store::RecordOutcome;
use store::RecordedBy;
use store::Store;
use store::StoreError;
use time::Date;
use time::OffsetDateTime;
use utoipa::IntoParams;

/// Why a check, a crossing or a history was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("{0}")]
    InvalidJson(String),
    #[error("{0}")]
    InvalidId(String),
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The document is not an MRZ nor fields that make one.
    #[error("{0}")]
    InvalidDocument(String),
    /// A field of a document typed by hand that is not valid.
    #[error("{0}")]
    DocumentField(InvalidValue),
    /// An MRZ that does not identify its holder.
    #[error("{0}")]
    Unreadable(String),
    /// A crossing's time outside the window a crossing may be recorded in.
    #[error("{0}")]
    AtOutOfRange(InvalidValue),
    #[error("{0}")]
    InvalidQuery(&'static str),
    #[error(transparent)]
    Forbidden(#[from] domain::Forbidden),
    #[error("{0} not found")]
    NotFound(String),
    #[error("crossing {0} was recorded with another body")]
    IdConflict(String),
    /// Ours: the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] AuditFailed),
    /// Ours, already logged: what failed for a whole batch, told to each of its crossings.
    #[error("{0}")]
    Failed(String),
}

/// A document as asked: its MRZ as text, or its fields typed by hand.
#[derive(Debug, Clone)]
pub enum DocumentAsked {
    Mrz(String),
    Fields(Box<DocumentInput>),
}

impl DocumentAsked {
    /// The document read on `today` (an MRZ's two-digit years are read against it).
    pub fn read(&self, today: Date) -> Result<Reading, ControlError> {
        match self {
            DocumentAsked::Mrz(text) => read_mrz(text, today),
            DocumentAsked::Fields(input) => {
                let document =
                    input.as_ref().clone().validate().map_err(ControlError::DocumentField)?;
                Ok(Reading { document, problems: Vec::new() })
            }
        }
    }
}

/// A crossing as asked, its values read; the clock and the rights are the service's to judge.
#[derive(Debug)]
pub struct CrossingAsked {
    pub id: uuid::Uuid,
    pub checkpoint: CheckpointCode,
    pub direction: Direction,
    pub channel: Channel,
    /// When it happened; now when left out.
    pub at: Option<OffsetDateTime>,
    /// The decision already made where the traveller stood (an e-gate, a post working
    /// offline). Without it the platform decides, screens and raises alerts itself.
    pub decision: Option<Decision>,
    /// Crossed, or turned back here.
    pub outcome: CrossingOutcome,
    /// The desk's rule: where the platform denies, the traveller is refused, whatever was
    /// asked. A client deciding on its own (a gate, a post offline) keeps its word.
    pub refused_when_denied: bool,
    /// The border pass was stamped at this crossing.
    pub stamped: bool,
    /// The document, or why it could not be read: told only to a caller with the right.
    pub document: Result<DocumentAsked, ControlError>,
    /// What the reading found against the document beyond its fields (a border pass's seal
    /// revoked): judged with the rules as the check judged it.
    pub seal_problems: Vec<Reason>,
    /// A digest of what was sent, to tell a retry of the same crossing from another under the
    /// same id.
    pub body_hash: String,
}

/// What each crossing of a batch came to.
#[derive(Debug)]
pub enum ItemResult {
    Stored { created: bool, record: store::CrossingRecord },
    Failed(ControlError),
}

/// Authorises one crossing, and checks it: the platform always screens, decides and alerts,
/// whatever the client sent. A decision the client sent (a gate, a post that decided offline)
/// is kept beside the platform's; the crossing's decision is the stricter of the two, so a
/// client's clear where the platform refers or denies is referred, never taken as is.
///
/// With `defer`, a crossing that brings its own decision is stored at once and screened in the
/// background (`screening::run`): a batch of a thousand from a post that was offline must not
/// wait for a thousand screenings. Nothing is lost by it: the crossing is stored unscreened,
/// and the screening of every unscreened crossing is finished by whichever process gets to it.
async fn prepare<S: Store>(
    app: &App<S>,
    actor: &Actor,
    asked: CrossingAsked,
    now: OffsetDateTime,
    defer: bool,
) -> Result<NewCrossing, ControlError> {
    let at = match asked.at {
        Some(t) => bounds::within("at", t, now, bounds::CROSSING_PAST, bounds::CROSSING_FUTURE)
            .map_err(ControlError::AtOutOfRange)?,
        None => now,
    };
    let right = actor.act_at(&asked.checkpoint)?;
    let mut reading = asked.document?.read(app.today())?;
    reading.problems.extend(asked.seal_problems);
    let client_decision = asked.decision;
    let (decision, alerts, screened) = match client_decision {
        Some(client) if defer => (client, Vec::new(), false),
        _ => {
            let outcome = check(app, &right, asked.direction, &reading).await?;
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
    let doc = reading.document;
    // Only a border pass carries the stamps of its crossings.
    let doc_is_pass = doc.doc_type == DocumentType::BorderPass;
    Ok(NewCrossing {
        id: asked.id.hyphenated().to_string(),
        name_key: name_key(&doc.surname, &doc.given_names),
        document: doc,
        checkpoint: asked.checkpoint,
        direction: asked.direction,
        channel: asked.channel,
        at,
        decision,
        client_decision,
        outcome: if asked.refused_when_denied && decision == Decision::Deny {
            CrossingOutcome::Refused
        } else {
            asked.outcome
        },
        stamped: asked.stamped && doc_is_pass,
        actor: actor.label(),
        body_hash: asked.body_hash,
        alerts,
        screened,
    })
}

/// Records crossings, each answering on its own: what could not be read (`Err` in `items`), is
/// refused or fails in the store is that item's error, never the whole batch's. The crossings
/// stored, their alerts and their audit record commit together. `defer`: see [`prepare`].
pub async fn record_many<S: Store>(
    app: &App<S>,
    actor: &Actor,
    by: &Acting,
    items: Vec<Result<CrossingAsked, ControlError>>,
    defer: bool,
) -> Vec<ItemResult> {
    let now = app.now();
    let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(items.len());
    let mut batch = Vec::new();
    for item in items {
        let prepared = match item {
            Ok(asked) => prepare(app, actor, asked, now, defer).await,
            Err(e) => Err(e),
        };
        match prepared {
            Ok(c) => {
                results.push(None);
                batch.push(c);
            }
            Err(e) => results.push(Some(ItemResult::Failed(e))),
        }
    }
    let recorded_by = RecordedBy { actor: by.actor.clone(), ip: by.ip.clone() };
    let stored = if batch.is_empty() {
        Ok(Vec::new())
    } else {
        app.store.record_crossings(&batch, &recorded_by, now).await
    };
    if batch.iter().any(|c| !c.screened) {
        app.screening.notify_one();
    }
    // At a node, what was stored now goes up at once rather than at the next round.
    if let Some(link) = &app.node {
        link.wake.notify_one();
    }
    let mut stored = match stored {
        Ok(s) => s.into_iter(),
        Err(e) => {
            tracing::error!(error = %e, crossings = batch.len(), "recording crossings");
            for slot in results.iter_mut().filter(|r| r.is_none()) {
                *slot = Some(ItemResult::Failed(ControlError::Failed(
                    "the crossings could not be stored".into(),
                )));
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
                Some(RecordOutcome::Conflict(id)) => {
                    ItemResult::Failed(ControlError::IdConflict(id))
                }
                None => ItemResult::Failed(ControlError::Failed(
                    "the store answered for fewer crossings than it was given".into(),
                )),
            },
        })
        .collect()
}

/// By document (`number`, and `issuing_state` when known), or by the start of a name (family
/// name first: `NGUYEN VAN` finds every `NGUYEN VAN …`, and `birth_date`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    #[param(value_type = Option<domain::Country>, inline)]
    pub issuing_state: Option<String>,
    #[param(value_type = Option<domain::DocumentNumber>, inline)]
    pub number: Option<String>,
    pub name: Option<String>,
    #[param(value_type = Option<domain::schema::Day>, inline)]
    pub birth_date: Option<String>,
    /// The most crossings per traveller, 1 to 1,000 (100).
    pub limit: Option<u32>,
    /// Travellers to pass over, for the next page of a search by name or number: 0 to 10,000.
    pub offset: Option<u32>,
}

/// Travellers per page of a search by name or number.
pub const HISTORY_PAGE: u32 = 50;

/// Whose history is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryAsked {
    Document {
        issuing_state: Country,
        number: DocumentNumber,
    },
    /// A document number, whatever state issued it: a page of those found.
    Number {
        number: DocumentNumber,
        offset: u32,
    },
    /// The start of a name folded for lookups, and the birth date when known: a page.
    Name {
        key: String,
        birth_date: Option<Date>,
        offset: u32,
    },
}

/// What a history search found: travellers with their crossings, and how many match in all
/// (counted up to `store::TRAVELLER_COUNT_CAP`).
#[derive(Debug)]
pub struct HistoryFound {
    pub people: Vec<(store::TravellerRecord, Vec<store::CrossingRecord>)>,
    pub total: u64,
    pub offset: u32,
}

impl HistoryQuery {
    /// The query read: by document, or by name.
    pub fn read(&self) -> Result<(HistoryAsked, u32), ControlError> {
        let limit = self.limit.unwrap_or(100).clamp(1, 1_000);
        let offset = match self.offset {
            Some(o) if o > store::TRAVELLER_COUNT_CAP as u32 => {
                return Err(InvalidValue::new("offset", "at most 10000")
                    .vi("Tối đa 10.000")
                    .into());
            }
            o => o.unwrap_or(0),
        };
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        let asked = match (&self.issuing_state, &self.number, &self.name) {
            (Some(state), Some(number), _) if !blank(&self.issuing_state) => {
                HistoryAsked::Document {
                    issuing_state: Country::parse_field("issuing_state", state)?,
                    number: DocumentNumber::parse(number)?,
                }
            }
            (_, Some(number), _) if !blank(&self.number) => {
                HistoryAsked::Number { number: DocumentNumber::parse(number)?, offset }
            }
            (_, _, Some(name)) if !blank(&self.name) => {
                let name = bounds::clean_line("name", name, bounds::NAME_MAX)?;
                let key = screen::normalize::tokens(&name).join(" ");
                if key.is_empty() {
                    return Err(InvalidValue::new("name", "give a name")
                        .vi("Hãy gõ họ tên")
                        .into());
                }
                let dob = self.birth_date.as_deref().map(str::trim).filter(|s| !s.is_empty());
                let birth_date = dob.map(|d| bounds::parse_date("birth_date", d)).transpose()?;
                HistoryAsked::Name { key, birth_date, offset }
            }
            _ => {
                return Err(ControlError::InvalidQuery(
                    "give issuing_state and number, or name (and birth_date)",
                ));
            }
        };
        Ok((asked, limit))
    }
}

/// Travellers' histories, `limit` crossings each, the look audited: by document one
/// traveller, by number or name a page of [`HISTORY_PAGE`] with the count of all.
pub async fn find_history<S: Store>(
    app: &App<S>,
    _right: &HistoryRight,
    by: &Acting,
    asked: &HistoryAsked,
    limit: u32,
) -> Result<HistoryFound, ControlError> {
    let (subject, travellers, total, offset) = match asked {
        HistoryAsked::Document { issuing_state: state, number } => {
            let found = app.store.traveller_with_crossings(*state, number, limit).await?;
            let people: Vec<_> = found.into_iter().collect();
            let total = people.len() as u64;
            let subject = format!("traveller:{state}/{number}");
            app.audit(by.audit(AuditAction::HistoryRead, subject, json!({"found": total}))).await?;
            return Ok(HistoryFound { people, total, offset: 0 });
        }
        HistoryAsked::Number { number, offset } => {
            let q = store::TravellerQuery::Number(number.clone());
            let (found, total) = app.store.find_travellers(&q, *offset, HISTORY_PAGE).await?;
            (format!("number:{number}"), found, total, *offset)
        }
        HistoryAsked::Name { key, birth_date, offset } => {
            let dob = birth_date
                .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()));
            let subject = format!("name:{key}/{}", dob.as_deref().unwrap_or(""));
            let q = store::TravellerQuery::NamePrefix { prefix: key.clone(), birth_date: dob };
            let (found, total) = app.store.find_travellers(&q, *offset, HISTORY_PAGE).await?;
            (subject, found, total, *offset)
        }
    };
    let mut people = Vec::with_capacity(travellers.len());
    for t in travellers {
        let crossings = app.store.crossings_of(t.id, limit).await?;
        people.push((t, crossings));
    }
    let detail = json!({"found": people.len(), "total": total, "offset": offset});
    app.audit(by.audit(AuditAction::HistoryRead, subject, detail)).await?;
    Ok(HistoryFound { people, total, offset })
}

/// A document as read, with what the reader found wrong with it.
#[derive(Debug, Clone)]
pub struct Reading {
    pub document: TravelDocument,
    pub problems: Vec<Reason>,
}

fn to_time(d: mrz::Date) -> Option<Date> {
    let month = time::Month::try_from(d.month()).ok()?;
    Date::from_calendar_date(i32::from(d.year()), month, d.day()).ok()
}

pub fn read_mrz(text: &str, today: Date) -> Result<Reading, ControlError> {
    let reading_date = u16::try_from(today.year())
        .ok()
        .and_then(|y| mrz::Date::new(y, u8::from(today.month()), today.day()))
        .ok_or_else(|| ControlError::Failed("today is out of the MRZ's range".into()))?;
    let m = mrz::parse(text, reading_date).map_err(|e| ControlError::Unreadable(e.to_string()))?;
    let unreadable = |what: &str| {
        ControlError::Unreadable(format!(
            "the MRZ has no usable {what}: the traveller cannot be identified"
        ))
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
    let problems =
        m.problems.iter().map(|p| Reason::new(p.code(), p.to_string(), p.vietnamese())).collect();
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
    /// For a border pass: whether it needs its stamp today (stamped at most once in ten days).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamp: Option<StampStatus>,
    /// At a checkpoint's node: whose history the sequence was judged on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryScope>,
    /// Asked for with `"explain": true`: listings not counted as hits because the whole name
    /// matches but is common and the list has no full date of birth to tell them apart. The
    /// first reason of each says so.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held_back: Vec<HeldBack>,
    #[serde(skip)]
    #[schema(ignore)]
    pub traveller_id: Option<i64>,
}

/// Whose crossings a node's check judged the entry/exit sequence on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryScope {
    /// `nationwide` (headquarters answered) or `this_post` (it did not, in time).
    pub scope: &'static str,
    /// Since when headquarters has not answered, for `this_post`.
    #[schema(value_type = Option<domain::schema::Instant>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headquarters_unreachable_since: Option<String>,
    /// The same in words.
    pub note: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub note_vi: String,
}

impl HistoryScope {
    fn nationwide() -> Self {
        HistoryScope {
            scope: "nationwide",
            headquarters_unreachable_since: None,
            note: "history from every checkpoint".into(),
            note_vi: "Lịch sử từ mọi cửa khẩu".into(),
        }
    }

    fn this_post(since: time::OffsetDateTime) -> Self {
        let local = bounds::at_offset(since, bounds::VIETNAM);
        let hm = format!("{:02}:{:02}", local.hour(), local.minute());
        let day = domain::day_vi(local.date());
        HistoryScope {
            scope: "this_post",
            headquarters_unreachable_since: Some(bounds::rfc3339(since)),
            note: format!(
                "history from this post only; headquarters unreachable since {hm} on {}",
                local.date()
            ),
            note_vi: format!(
                "Chỉ có lịch sử tại cửa khẩu này; không liên lạc được với trung tâm từ {hm} ngày {day}"
            ),
        }
    }
}

/// A border pass's stamp: due when it has had none in the last ten days.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StampStatus {
    pub due: bool,
    /// The day of its last stamp (Việt Nam time), if it has one.
    #[schema(value_type = Option<domain::schema::Day>)]
    pub last_stamped: Option<String>,
    #[serde(skip)]
    #[schema(ignore)]
    pub last_day: Option<Date>,
}

impl Outcome {
    pub fn decision(&self) -> Decision {
        self.verdict.decision
    }

    /// The audit record of the check that gave this outcome, the same from the API and the desk.
    pub fn audit(
        &self,
        by: &Acting,
        checkpoint: &domain::CheckpointCode,
        direction: domain::Direction,
    ) -> store::AuditEvent {
        let d = &self.traveller;
        by.audit(
            AuditAction::ControlCheck,
            format!("traveller:{}/{}", d.issuing_state, d.number),
            serde_json::json!({
                "checkpoint": checkpoint, "direction": direction, "decision": self.decision()
            }),
        )
    }
}

/// A listing the screening held back: what an officer who asks was not shown, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeldBack {
    pub entry_id: String,
    pub score: f32,
    pub matched_name: String,
    pub listed_for: String,
    pub reasons: Vec<String>,
    pub reasons_vi: Vec<String>,
}

impl From<crate::watchlist::index::Match> for HeldBack {
    fn from(m: crate::watchlist::index::Match) -> HeldBack {
        HeldBack {
            entry_id: m.entry_id,
            score: m.score,
            matched_name: m.matched_name,
            listed_for: m.listed_for,
            reasons: m.reasons,
            reasons_vi: m.reasons_vi,
        }
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
            listed_for: m.listed_for,
            reasons: m.reasons,
            reasons_vi: m.reasons_vi,
        })
        .collect()
}

/// The decision for this reading at this checkpoint, now. Writes nothing.
pub async fn check<S: Store>(
    app: &App<S>,
    right: &RecordRight,
    direction: Direction,
    reading: &Reading,
) -> Result<Outcome, ControlError> {
    let checkpoint = app
        .checkpoints
        .get(right.checkpoint())
        .ok_or_else(|| ControlError::NotFound(format!("checkpoint {}", right.checkpoint())))?;
    let doc = &reading.document;
    let today = app.today();
    let (traveller, mut recent) =
        match app.store.traveller_with_crossings(doc.issuing_state, &doc.number, 5).await? {
            Some((t, recent)) => (Some(t), recent),
            None => (None, Vec::new()),
        };
    // At a checkpoint's node the sequence is judged on the nation's history when headquarters
    // answers in time, else on the post's own, and the answer says which.
    let history = match &app.node {
        None => None,
        Some(link) => {
            let id = traveller.as_ref().map_or(0, |t| t.id);
            match crate::sync::link::nationwide_history(link, doc, id, 5, app.now()).await {
                Ok(nation) => {
                    for c in nation {
                        if !recent.iter().any(|r| r.id == c.id) {
                            recent.push(c);
                        }
                    }
                    recent.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
                    recent.truncate(5);
                    Some(HistoryScope::nationwide())
                }
                Err(since) => Some(HistoryScope::this_post(since)),
            }
        }
    };
    let hits = watch_hits(app, traveller.as_ref().map(|t| t.id), doc, today).await?;
    let stamp = if doc.doc_type == DocumentType::BorderPass {
        let last = match &traveller {
            Some(t) => app.store.last_stamp(t.id).await?,
            None => None,
        };
        let last_day = last.map(|at| bounds::at_offset(at, bounds::VIETNAM).date());
        Some(StampStatus {
            due: domain::stamp_due(last_day, today),
            last_stamped: last_day.map(|d| d.to_string()),
            last_day,
        })
    } else {
        None
    };
    // A refusal is not a movement: the sequence is judged on the last crossing made.
    let last = recent.iter().find(|c| c.crossed()).map(|c| {
        let name = app
            .checkpoints
            .get(&c.checkpoint)
            .map_or_else(|| c.checkpoint.to_string(), |cp| cp.name_vi.clone());
        c.last_crossing(name)
    });
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
        stamp,
        history,
        held_back: Vec::new(),
        traveller_id: traveller.map(|t| t.id),
    })
}

/// The check as an officer or a gate asks for it: decided, and its audit record written before
/// the answer (the API's and the desk's one copy).
/// The listings held back for this traveller (the whole name matches, but it is common and the
/// list has no full date of birth), at most five, each written to the audit trail as a read of
/// the listed person's data: what a caller who asks is shown besides the hits.
pub async fn held_back_audited<S: Store>(
    app: &App<S>,
    by: &Acting,
    doc: &TravelDocument,
) -> Result<Vec<HeldBack>, ControlError> {
    let held = app.watchlist().held_back(doc, app.today(), 5);
    for m in &held {
        let detail = serde_json::json!({
            "held_back": true,
            "traveller": format!("{}/{}", doc.issuing_state, doc.number),
        });
        app.audit(by.audit(AuditAction::WatchlistRead, format!("watch:{}", m.entry_id), detail))
            .await?;
    }
    Ok(held.into_iter().map(Into::into).collect())
}

pub async fn check_audited<S: Store>(
    app: &App<S>,
    right: &RecordRight,
    by: &Acting,
    direction: Direction,
    reading: &Reading,
) -> Result<Outcome, ControlError> {
    let outcome = check(app, right, direction, reading).await?;
    app.audit(outcome.audit(by, right.checkpoint(), direction)).await?;
    Ok(outcome)
}
