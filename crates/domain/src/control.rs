//! The rules of a control decision: facts in, decision and reasons out. The facts are gathered
//! by the caller (the reading, the screening hits, the last crossing, today's date), so the rules
//! are plain functions that a test can feed directly.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::document::{DocumentType, TravelDocument};
use crate::values::{Checkpoint, CheckpointCode, Country, Decision, Direction, word_enum};

word_enum!(WatchAction, "action", { Deny => "deny", Refer => "refer", Notify => "notify" });

impl WatchAction {
    /// What the entry asks the officer to do, as the desk says it in Vietnamese.
    pub fn vietnamese(self) -> &'static str {
        match self {
            WatchAction::Deny => "từ chối",
            WatchAction::Refer => "kiểm tra thêm",
            WatchAction::Notify => "thông báo",
        }
    }

    fn decision(self) -> Decision {
        match self {
            WatchAction::Deny => Decision::Deny,
            WatchAction::Refer => Decision::Refer,
            WatchAction::Notify => Decision::Clear,
        }
    }
}

/// Why a decision is what it is: a stable code and a plain sentence, in English on the wire and
/// in Vietnamese for the pages, so that no page has to show an English sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reason {
    pub code: String,
    pub message: String,
    #[serde(skip)]
    pub vietnamese: String,
}

impl Reason {
    pub fn new(code: &str, message: impl Into<String>, vietnamese: impl Into<String>) -> Self {
        Self { code: code.to_string(), message: message.into(), vietnamese: vietnamese.into() }
    }

    /// The sentence in the page's language.
    pub fn said(&self, vietnamese: bool) -> &str {
        if vietnamese { &self.vietnamese } else { &self.message }
    }
}

/// A date as Vietnamese write it: `30/11/2026`.
pub fn day_vi(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// A border pass is stamped at most once in this many days (seed 000): its holder crosses daily.
pub const STAMP_EVERY_DAYS: i64 = 10;

/// Whether a border pass last stamped on `last` needs its stamp on `today`.
pub fn stamp_due(last: Option<Date>, today: Date) -> bool {
    last.is_none_or(|d| (today - d).whole_days() >= STAMP_EVERY_DAYS)
}

/// A screening hit on the watchlist, with what its entry says to do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WatchHit {
    pub entry_id: String,
    pub score: f32,
    pub action: WatchAction,
    pub matched_name: String,
    /// Why the entry is on the list (wanted for what): the officer must see it.
    pub listed_for: String,
    /// What the screening found alike or different, in English.
    pub reasons: Vec<String>,
    /// The same in Vietnamese, for the pages.
    #[serde(skip)]
    pub reasons_vi: Vec<String>,
    /// Already dismissed as a false positive for this traveller: shown, but it decides nothing.
    pub dismissed: bool,
}

/// The traveller's latest recorded crossing anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastCrossing {
    pub direction: Direction,
    pub checkpoint: CheckpointCode,
    /// The checkpoint's name, as people call it.
    pub checkpoint_name: String,
    pub at: OffsetDateTime,
}

/// Everything a decision rests on.
#[derive(Debug, Clone, Copy)]
pub struct ControlFacts<'a> {
    pub checkpoint: &'a Checkpoint,
    pub direction: Direction,
    pub document: &'a TravelDocument,
    /// What the reader found wrong with the document (check digits, format).
    pub reading_problems: &'a [Reason],
    pub today: Date,
    pub watch_hits: &'a [WatchHit],
    pub last_crossing: Option<&'a LastCrossing>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    pub decision: Decision,
    pub reasons: Vec<Reason>,
}

/// The decision: the strictest any rule asks for, with every rule's reason.
pub fn decide(f: &ControlFacts<'_>) -> Verdict {
    let mut decision = Decision::Clear;
    let mut reasons = Vec::new();
    let mut ask = |d: Decision, r: Reason| {
        decision = decision.max(d);
        reasons.push(r);
    };

    for p in f.reading_problems {
        ask(Decision::Refer, p.clone());
    }
    if let Some(expiry) = f.document.expiry_date
        && expiry < f.today
    {
        ask(
            Decision::Deny,
            Reason::new(
                "document_expired",
                format!("the document expired on {expiry}"),
                format!("Giấy tờ đã hết hạn ngày {}", day_vi(expiry)),
            ),
        );
    }
    if f.document.doc_type == DocumentType::BorderPass {
        border_pass(f, &mut ask);
    }
    for h in f.watch_hits.iter().filter(|h| !h.dismissed) {
        ask(
            h.action.decision(),
            Reason::new(
                "watchlist_hit",
                format!(
                    "watchlist entry {} ({}, score {:.2}): {} — listed for: {}",
                    h.entry_id, h.matched_name, h.score, h.action, h.listed_for
                ),
                format!(
                    "Trùng danh sách đối tượng {} ({}, điểm {}): {} — lý do: {}",
                    h.entry_id,
                    h.matched_name,
                    format!("{:.2}", h.score).replace('.', ","),
                    h.action.vietnamese(),
                    h.listed_for
                ),
            ),
        );
    }
    if let Some(last) = f.last_crossing
        && last.direction == f.direction
    {
        let (code, message, vi) = match f.direction {
            Direction::Entry => (
                "entry_without_exit",
                "entered before with no exit since",
                "Đã nhập cảnh trước đó, chưa có lần xuất cảnh",
            ),
            Direction::Exit => (
                "exit_without_entry",
                "exited before with no entry since",
                "Đã xuất cảnh trước đó, chưa có lần nhập cảnh",
            ),
        };
        let day = last.at.date();
        ask(
            Decision::Refer,
            Reason::new(
                code,
                format!("{message} (at {} on {day})", last.checkpoint),
                format!("{vi} (tại {} ngày {})", last.checkpoint_name, day_vi(day)),
            ),
        );
    }
    Verdict { decision, reasons }
}

/// A border pass is valid only at the checkpoints of the border area that issued it.
fn border_pass(f: &ControlFacts<'_>, ask: &mut impl FnMut(Decision, Reason)) {
    let cp = f.checkpoint;
    let here = cp.code.as_str();
    match (&f.document.issuing_area, f.document.issuing_state) {
        (Some(area), _) => {
            if !same_area(area, &cp.province) {
                ask(
                    Decision::Deny,
                    Reason::new(
                        "border_pass_wrong_area",
                        format!("a border pass of {area} is not valid at {here} ({})", cp.province),
                        format!(
                            "Giấy thông hành của {area} không có giá trị tại cửa khẩu {} ({})",
                            cp.name_vi, cp.province
                        ),
                    ),
                );
            }
        }
        (None, state) if state != Country::VNM => {
            if cp.neighbour != Some(state) {
                ask(
                    Decision::Deny,
                    Reason::new(
                        "border_pass_wrong_area",
                        format!("a border pass issued by {state} is not valid at {here}"),
                        format!(
                            "Giấy thông hành do {state} cấp không có giá trị tại cửa khẩu {}",
                            cp.name_vi
                        ),
                    ),
                );
            }
        }
        (None, _) => ask(
            Decision::Refer,
            Reason::new(
                "border_pass_area_unknown",
                "the border pass does not say which border area issued it",
                "Giấy thông hành không ghi khu vực biên giới cấp",
            ),
        ),
    }
}

fn same_area(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::document::DocumentInput;
    use crate::values::CheckpointKind;

    fn mong_cai() -> Checkpoint {
        Checkpoint {
            code: CheckpointCode::parse("MONG-CAI").unwrap(),
            name_vi: "Móng Cái".into(),
            name_ascii: "Mong Cai".into(),
            kind: CheckpointKind::LandInternational,
            province: "Quảng Ninh".into(),
            neighbour: Some(Country::parse("CHN").unwrap()),
            counterpart: Some("Dongxing".into()),
        }
    }

    fn passport() -> TravelDocument {
        DocumentInput {
            doc_type: Some("passport".into()),
            number: Some("C1234567".into()),
            issuing_state: Some("VNM".into()),
            surname: Some("NGUYEN".into()),
            given_names: Some("VAN NAM".into()),
            nationality: Some("VNM".into()),
            birth_date: Some("1980-01-01".into()),
            sex: Some("M".into()),
            expiry_date: Some("2030-01-01".into()),
            issuing_area: None,
        }
        .validate()
        .unwrap()
    }

    fn facts<'a>(cp: &'a Checkpoint, doc: &'a TravelDocument) -> ControlFacts<'a> {
        ControlFacts {
            checkpoint: cp,
            direction: Direction::Exit,
            document: doc,
            reading_problems: &[],
            today: date!(2026 - 11 - 25),
            watch_hits: &[],
            last_crossing: None,
        }
    }

    fn codes(v: &Verdict) -> Vec<&str> {
        v.reasons.iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn a_valid_document_with_nothing_against_it_clears() {
        let (cp, doc) = (mong_cai(), passport());
        let v = decide(&facts(&cp, &doc));
        assert_eq!(v, Verdict { decision: Decision::Clear, reasons: vec![] });
    }

    #[test]
    fn each_rule_decides_and_says_why() {
        let cp = mong_cai();
        let mut expired = passport();
        expired.expiry_date = Some(date!(2026 - 11 - 24));
        let v = decide(&facts(&cp, &expired));
        assert_eq!((v.decision, codes(&v)), (Decision::Deny, vec!["document_expired"]));
        // Expiring today is still valid.
        expired.expiry_date = Some(date!(2026 - 11 - 25));
        assert_eq!(decide(&facts(&cp, &expired)).decision, Decision::Clear);

        let doc = passport();
        let problems = [Reason::new("check_digit", "the birth date's check digit is wrong", "")];
        let v = decide(&ControlFacts { reading_problems: &problems, ..facts(&cp, &doc) });
        assert_eq!((v.decision, codes(&v)), (Decision::Refer, vec!["check_digit"]));

        let last = LastCrossing {
            direction: Direction::Exit,
            checkpoint: CheckpointCode::parse("HUU-NGHI").unwrap(),
            checkpoint_name: "Hữu Nghị".into(),
            at: datetime!(2026-11-20 08:00 UTC),
        };
        let v = decide(&ControlFacts { last_crossing: Some(&last), ..facts(&cp, &doc) });
        assert_eq!((v.decision, codes(&v)), (Decision::Refer, vec!["exit_without_entry"]));
        let v = decide(&ControlFacts {
            last_crossing: Some(&last),
            direction: Direction::Entry,
            ..facts(&cp, &doc)
        });
        assert_eq!(v.decision, Decision::Clear);
    }

    #[test]
    fn watchlist_hits_act_as_their_entry_says_unless_dismissed() {
        let (cp, doc) = (mong_cai(), passport());
        let hit = |action, dismissed| WatchHit {
            entry_id: "W1".into(),
            score: 0.9,
            action,
            matched_name: "Nguyễn Văn Nam".into(),
            listed_for: "truy nã".into(),
            reasons: vec![],
            reasons_vi: vec![],
            dismissed,
        };
        for (action, want) in [
            (WatchAction::Deny, Decision::Deny),
            (WatchAction::Refer, Decision::Refer),
            (WatchAction::Notify, Decision::Clear),
        ] {
            let hits = [hit(action, false)];
            let v = decide(&ControlFacts { watch_hits: &hits, ..facts(&cp, &doc) });
            assert_eq!((v.decision, codes(&v)), (want, vec!["watchlist_hit"]));
        }
        let hits = [hit(WatchAction::Deny, true)];
        let v = decide(&ControlFacts { watch_hits: &hits, ..facts(&cp, &doc) });
        assert_eq!(v.decision, Decision::Clear);
    }

    #[test]
    fn every_reason_is_said_in_vietnamese_too() {
        let cp = mong_cai();
        let mut doc = passport();
        doc.expiry_date = Some(date!(2026 - 11 - 20));
        let last = LastCrossing {
            direction: Direction::Exit,
            checkpoint: CheckpointCode::parse("HUU-NGHI").unwrap(),
            checkpoint_name: "Hữu Nghị".into(),
            at: datetime!(2026-11-20 08:00 UTC),
        };
        let hits = [WatchHit {
            entry_id: "W1".into(),
            score: 0.9,
            action: WatchAction::Notify,
            matched_name: "Nguyễn Văn Nam".into(),
            listed_for: "truy nã về tội buôn lậu".into(),
            reasons: vec![],
            reasons_vi: vec![],
            dismissed: false,
        }];
        let v = decide(&ControlFacts {
            last_crossing: Some(&last),
            watch_hits: &hits,
            ..facts(&cp, &doc)
        });
        let vi: Vec<&str> = v.reasons.iter().map(|r| r.said(true)).collect();
        assert_eq!(
            vi,
            [
                "Giấy tờ đã hết hạn ngày 20/11/2026",
                "Trùng danh sách đối tượng W1 (Nguyễn Văn Nam, điểm 0,90): thông báo — lý do: \
                 truy nã về tội buôn lậu",
                "Đã xuất cảnh trước đó, chưa có lần nhập cảnh (tại Hữu Nghị ngày 20/11/2026)",
            ]
        );
        assert!(v.reasons[0].said(false).contains("2026-11-20"));
    }

    #[test]
    fn a_border_pass_is_stamped_once_in_ten_days() {
        let today = date!(2026 - 11 - 25);
        assert!(stamp_due(None, today));
        assert!(!stamp_due(Some(today), today));
        assert!(!stamp_due(Some(date!(2026 - 11 - 16)), today));
        assert!(stamp_due(Some(date!(2026 - 11 - 15)), today));
    }

    #[test]
    fn a_border_pass_is_valid_only_in_its_area() {
        let cp = mong_cai();
        let mut pass = passport();
        pass.doc_type = DocumentType::BorderPass;
        pass.issuing_area = Some("Quảng Ninh".into());
        assert_eq!(decide(&facts(&cp, &pass)).decision, Decision::Clear);
        pass.issuing_area = Some("Lạng Sơn".into());
        let v = decide(&facts(&cp, &pass));
        assert_eq!((v.decision, codes(&v)), (Decision::Deny, vec!["border_pass_wrong_area"]));
        pass.issuing_area = None;
        assert_eq!(decide(&facts(&cp, &pass)).decision, Decision::Refer);
        // A Chinese resident's pass at the Chinese border, and at the Lao one.
        pass.issuing_state = Country::parse("CHN").unwrap();
        assert_eq!(decide(&facts(&cp, &pass)).decision, Decision::Clear);
        let mut lao_border = mong_cai();
        lao_border.neighbour = Some(Country::parse("LAO").unwrap());
        assert_eq!(decide(&facts(&lao_border, &pass)).decision, Decision::Deny);
    }
}
