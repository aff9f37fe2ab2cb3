//! Border procedures for vessels at port checkpoints: the values a dossier is made of (tax codes,
//! IMO numbers, UN/LOCODEs), the catalogue of procedures, a dossier's life and its clock.

use std::fmt;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::access::Role;
use crate::values::{InvalidValue, word_enum};

/// A Vietnamese tax code (*mã số thuế*): ten digits whose tenth checks the first nine, and for a
/// branch three more (`0100109106-001`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaxCode {
    base: [u8; 10],
    branch: Option<u16>,
}

const TAX_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

impl TaxCode {
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let bad =
            |why: &str| InvalidValue::new("tax_code", format!("{s:?} is not a tax code: {why}"));
        let digits: String = s.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '.')).collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("only digits, with a hyphen before a branch number"));
        }
        if digits.len() != 10 && digits.len() != 13 {
            return Err(bad("10 digits, or 13 for a branch"));
        }
        let b = digits.as_bytes();
        let mut base = [0u8; 10];
        for (i, d) in b[..10].iter().enumerate() {
            base[i] = d - b'0';
        }
        if base[2..9].iter().all(|&d| d == 0) {
            return Err(bad("the serial part (digits 3 to 9) is all zeros"));
        }
        let total: u32 = base[..9].iter().zip(TAX_WEIGHTS).map(|(&d, w)| u32::from(d) * w).sum();
        // A remainder of 0 would need a check digit of 10: no such code is issued.
        let expected = 10 - total % 11;
        if expected == 10 || u32::from(base[9]) != expected % 10 {
            return Err(bad("the check digit (the tenth) does not match"));
        }
        let branch = if b.len() == 13 {
            let n = b[10..].iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
            if n == 0 {
                return Err(bad("a branch number runs from 001 to 999"));
            }
            Some(n)
        } else {
            None
        };
        Ok(Self { base, branch })
    }

    pub fn is_branch(&self) -> bool {
        self.branch.is_some()
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.base {
            write!(f, "{d}")?;
        }
        if let Some(b) = self.branch {
            write!(f, "-{b:03}")?;
        }
        Ok(())
    }
}

impl Serialize for TaxCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An IMO ship identification number: seven digits, the last checking the first six.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImoNumber(u32);

impl ImoNumber {
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let t = s.trim();
        let t = t.strip_prefix("IMO").or_else(|| t.strip_prefix("imo")).unwrap_or(t).trim();
        let bad =
            |why: &str| InvalidValue::new("imo", format!("{s:?} is not an IMO number: {why}"));
        if t.len() != 7 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("seven digits"));
        }
        let d: Vec<u32> = t.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = d[..6].iter().zip([7, 6, 5, 4, 3, 2]).map(|(a, w)| a * w).sum();
        if sum % 10 != d[6] {
            return Err(bad("the check digit (the seventh) does not match"));
        }
        Ok(Self(d.iter().fold(0, |acc, x| acc * 10 + x)))
    }

    pub fn value(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ImoNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:07}", self.0)
    }
}

impl Serialize for ImoNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A UN/LOCODE: a two-letter country and three letters or digits 2–9 (`VNHPH`, `SGSIN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnLocode([u8; 5]);

impl UnLocode {
    pub fn parse_field(field: &'static str, s: &str) -> Result<Self, InvalidValue> {
        let t: String =
            s.trim().chars().filter(|c| *c != ' ').collect::<String>().to_ascii_uppercase();
        let b = t.as_bytes();
        let ok = b.len() == 5
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..].iter().all(|c| c.is_ascii_uppercase() || (b'2'..=b'9').contains(c));
        if ok {
            Ok(Self([b[0], b[1], b[2], b[3], b[4]]))
        } else {
            Err(InvalidValue::new(
                field,
                format!(
                    "{s:?} is not a UN/LOCODE (a country's two letters and three letters or digits, as VNHPH)"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("?????")
    }
}

impl fmt::Display for UnLocode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for UnLocode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A radio call sign: 3 to 9 upper-case letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CallSign(String);

impl CallSign {
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let t = s.trim().to_ascii_uppercase();
        if (3..=9).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(t))
        } else {
            Err(InvalidValue::new(
                "call_sign",
                format!("{s:?} is not a call sign (3 to 9 letters and digits)"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

word_enum!(ProcedureCode, "procedure", {
    VesselEntry => "vessel_entry",
    VesselExit => "vessel_exit",
    VesselTransit => "vessel_transit",
    VesselPortShift => "vessel_port_shift",
    ArrivalPortChange => "arrival_port_change",
    CambodiaWaterwayTransit => "cambodia_waterway_transit",
    NeighbourSmallVessel => "neighbour_small_vessel",
    OffshoreOilGas => "offshore_oil_gas",
    DomesticRoute => "domestic_route",
    DossierAmendment => "dossier_amendment",
    PortalAccount => "portal_account",
});

word_enum!(DocumentKind, "document", {
    GeneralDeclaration => "general_declaration",
    CrewList => "crew_list",
    PassengerList => "passenger_list",
    DangerousGoods => "dangerous_goods",
    WeaponsExplosives => "weapons_explosives",
    Stowaways => "stowaways",
    NoticeOfChange => "notice_of_change",
    Amendment => "amendment",
    AccountRequest => "account_request",
});

impl DocumentKind {
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            DocumentKind::GeneralDeclaration => {
                ("Bản khai chung (FAL 1)", "General declaration (FAL 1)")
            }
            DocumentKind::CrewList => ("Danh sách thuyền viên (FAL 5)", "Crew list (FAL 5)"),
            DocumentKind::PassengerList => {
                ("Danh sách hành khách (FAL 6)", "Passenger list (FAL 6)")
            }
            DocumentKind::DangerousGoods => {
                ("Bản khai hàng nguy hiểm", "Dangerous goods declaration")
            }
            DocumentKind::WeaponsExplosives => {
                ("Bản khai vũ khí, vật liệu nổ", "Weapons and explosives declaration")
            }
            DocumentKind::Stowaways => ("Bản khai người trốn trên tàu", "Stowaway declaration"),
            DocumentKind::NoticeOfChange => ("Văn bản thông báo thay đổi", "Notice of the change"),
            DocumentKind::Amendment => ("Nội dung sửa đổi, bổ sung", "The amended content"),
            DocumentKind::AccountRequest => ("Đơn đề nghị cấp tài khoản", "Account application"),
        }
    }
}

/// One procedure of the catalogue, as the checkpoint lists it publicly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    pub code: ProcedureCode,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    pub documents: &'static [DocumentKind],
    /// From a complete dossier to a decision.
    pub deadline: Duration,
    /// Who takes the decision.
    pub decided_by: Role,
    /// Filed as a vessel dossier (vessel, port call, people on board).
    pub vessel_dossier: bool,
}

/// The default deadline of the vessel procedures (Decree 77/2017 and the 24/7 portal).
pub const VESSEL_DEADLINE: Duration = Duration::hours(2);

const VESSEL_DOCS: &[DocumentKind] = &[
    DocumentKind::GeneralDeclaration,
    DocumentKind::CrewList,
    DocumentKind::PassengerList,
    DocumentKind::DangerousGoods,
    DocumentKind::WeaponsExplosives,
    DocumentKind::Stowaways,
];
const DEPARTURE_DOCS: &[DocumentKind] =
    &[DocumentKind::GeneralDeclaration, DocumentKind::CrewList, DocumentKind::PassengerList];

/// The procedures of the ministry's list for port checkpoints, with their default deadlines.
pub fn catalogue() -> Vec<Procedure> {
    use ProcedureCode as P;
    let vessel = |code, name_vi, name_en, documents| Procedure {
        code,
        name_vi,
        name_en,
        documents,
        deadline: VESSEL_DEADLINE,
        decided_by: Role::Commander,
        vessel_dossier: true,
    };
    vec![
        vessel(
            P::VesselEntry,
            "Thủ tục biên phòng điện tử đối với tàu thuyền nhập cảnh",
            "Electronic border procedure for a vessel's entry",
            VESSEL_DOCS,
        ),
        vessel(
            P::VesselExit,
            "Thủ tục biên phòng điện tử đối với tàu thuyền xuất cảnh",
            "Electronic border procedure for a vessel's exit",
            DEPARTURE_DOCS,
        ),
        vessel(
            P::VesselTransit,
            "Thủ tục biên phòng điện tử đối với tàu thuyền quá cảnh",
            "Electronic border procedure for a vessel in transit",
            DEPARTURE_DOCS,
        ),
        vessel(
            P::VesselPortShift,
            "Thủ tục biên phòng điện tử đối với tàu thuyền chuyển cảng",
            "Electronic border procedure for a vessel's port shift",
            DEPARTURE_DOCS,
        ),
        vessel(
            P::ArrivalPortChange,
            "Thủ tục thay đổi cảng đến của tàu thuyền",
            "Change of a vessel's port of arrival",
            &[DocumentKind::GeneralDeclaration, DocumentKind::NoticeOfChange],
        ),
        vessel(
            P::CambodiaWaterwayTransit,
            "Thủ tục đối với tàu thuyền quá cảnh theo Hiệp định vận tải thủy Việt Nam – Campuchia",
            "Vessel transit under the Viet Nam–Cambodia waterway agreement",
            DEPARTURE_DOCS,
        ),
        vessel(
            P::NeighbourSmallVessel,
            "Thủ tục đối với tàu thuyền có trọng tải đến 200 tấn của nước có chung biên giới ra, vào cảng khu vực biên giới",
            "Vessels of up to 200 t of a neighbouring country at border-area ports",
            DEPARTURE_DOCS,
        ),
        vessel(
            P::OffshoreOilGas,
            "Thủ tục đối với tàu thuyền ra, vào cảng dầu khí ngoài khơi",
            "Vessels at offshore oil and gas ports",
            DEPARTURE_DOCS,
        ),
        vessel(
            P::DomesticRoute,
            "Thủ tục đối với tàu thuyền Việt Nam hoạt động tuyến nội địa vào, rời cảng biển có cửa khẩu",
            "Vietnamese vessels on domestic routes at checkpoint ports",
            &[DocumentKind::GeneralDeclaration, DocumentKind::CrewList],
        ),
        Procedure {
            code: P::DossierAmendment,
            name_vi: "Sửa đổi, bổ sung hồ sơ điện tử",
            name_en: "Amending an electronic dossier",
            documents: &[DocumentKind::Amendment],
            deadline: VESSEL_DEADLINE,
            decided_by: Role::Commander,
            vessel_dossier: false,
        },
        Procedure {
            code: P::PortalAccount,
            name_vi: "Cấp, tạm dừng, hủy bỏ tài khoản cổng thông tin điện tử",
            name_en: "Granting, suspending and cancelling portal accounts",
            documents: &[DocumentKind::AccountRequest],
            deadline: Duration::hours(8),
            decided_by: Role::Admin,
            vessel_dossier: false,
        },
    ]
}

word_enum!(DossierStatus, "status", {
    Draft => "draft",
    Submitted => "submitted",
    InReview => "in_review",
    Approved => "approved",
    Rejected => "rejected",
    SupplementRequested => "supplement_requested",
    Cancelled => "cancelled",
});

impl DossierStatus {
    /// Decided or withdrawn: nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, DossierStatus::Approved | DossierStatus::Rejected | DossierStatus::Cancelled)
    }

    /// Waiting for the border guard: on the officers' queue, the clock running.
    pub fn is_pending(self) -> bool {
        matches!(self, DossierStatus::Submitted | DossierStatus::InReview)
    }
}

word_enum!(DossierAction, "decision", {
    Submit => "submit",
    Review => "review",
    Approve => "approve",
    Reject => "reject",
    RequestSupplement => "request_supplement",
    Cancel => "cancel",
});

/// Who acts on a dossier, as far as its life is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DossierParty {
    /// The agency that filed it.
    Agent,
    Officer,
    Commander,
}

/// A step a dossier may not take, said plainly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepRefused {
    #[error("the dossier is {status}: it cannot be {action}")]
    WrongStatus { status: DossierStatus, action: &'static str },
    #[error("{0}")]
    NotYours(&'static str),
    #[error("a reason is needed to {0}")]
    NoteNeeded(&'static str),
}

impl DossierAction {
    fn past(self) -> &'static str {
        match self {
            DossierAction::Submit => "submitted",
            DossierAction::Review => "taken into review",
            DossierAction::Approve => "approved",
            DossierAction::Reject => "rejected",
            DossierAction::RequestSupplement => "sent back for a supplement",
            DossierAction::Cancel => "cancelled",
        }
    }
}

/// The status a dossier moves to when `party` takes `action` on it, or why it may not.
pub fn step(
    status: DossierStatus,
    action: DossierAction,
    party: DossierParty,
    note: Option<&str>,
) -> Result<DossierStatus, StepRefused> {
    use DossierAction as A;
    use DossierParty as W;
    use DossierStatus as S;
    let wrong = || StepRefused::WrongStatus { status, action: action.past() };
    let has_note = note.is_some_and(|n| !n.trim().is_empty());
    match action {
        A::Submit => {
            if party != W::Agent {
                return Err(StepRefused::NotYours("only the agency files its dossier"));
            }
            match status {
                S::Draft | S::SupplementRequested => Ok(S::Submitted),
                _ => Err(wrong()),
            }
        }
        A::Cancel => {
            if party != W::Agent {
                return Err(StepRefused::NotYours("only the agency withdraws its dossier"));
            }
            if status.is_final() { Err(wrong()) } else { Ok(S::Cancelled) }
        }
        A::Review => {
            if party == W::Agent {
                return Err(StepRefused::NotYours("the border guard reviews dossiers"));
            }
            if status == S::Submitted { Ok(S::InReview) } else { Err(wrong()) }
        }
        A::RequestSupplement => {
            if party == W::Agent {
                return Err(StepRefused::NotYours("the border guard asks for supplements"));
            }
            if !has_note {
                return Err(StepRefused::NoteNeeded("ask for a supplement"));
            }
            if status.is_pending() { Ok(S::SupplementRequested) } else { Err(wrong()) }
        }
        A::Approve | A::Reject => {
            if party != W::Commander {
                return Err(StepRefused::NotYours("only the checkpoint's commander decides"));
            }
            if action == A::Reject && !has_note {
                return Err(StepRefused::NoteNeeded("reject"));
            }
            match (status.is_pending(), action) {
                (true, A::Approve) => Ok(S::Approved),
                (true, _) => Ok(S::Rejected),
                (false, _) => Err(wrong()),
            }
        }
    }
}

/// A dossier's clock: it runs while the border guard has the dossier (submitted or in review)
/// and stops while the agency supplements it. The deadline counts running time only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    deadline: Duration,
    /// Running time spent before the current run.
    used: Duration,
    /// When the current run started, if the clock runs.
    running_since: Option<OffsetDateTime>,
    /// When it was resolved (approved or rejected), and whether in time.
    resolved: Option<(OffsetDateTime, bool)>,
}

impl Clock {
    pub fn new(deadline: Duration) -> Self {
        Clock { deadline, used: Duration::ZERO, running_since: None, resolved: None }
    }

    /// A clock as it was stored: the running time used before the current run, and when the
    /// current run started.
    pub fn restore(
        deadline: Duration,
        used: Duration,
        running_since: Option<OffsetDateTime>,
    ) -> Self {
        Clock { deadline, used, running_since, resolved: None }
    }

    /// When the current run started, if the clock runs.
    pub fn running_since(&self) -> Option<OffsetDateTime> {
        self.running_since
    }

    /// Running time before the current run.
    pub fn used_before(&self) -> Duration {
        self.used
    }

    /// Moves the clock along with a change of status at `at`.
    pub fn enter(&mut self, status: DossierStatus, at: OffsetDateTime) {
        if let Some(since) = self.running_since.take() {
            self.used += (at - since).max(Duration::ZERO);
        }
        match status {
            DossierStatus::Submitted | DossierStatus::InReview => self.running_since = Some(at),
            DossierStatus::Approved | DossierStatus::Rejected => {
                self.resolved = Some((at, self.used <= self.deadline));
            }
            _ => {}
        }
    }

    /// When a running dossier falls due.
    pub fn due_at(&self) -> Option<OffsetDateTime> {
        self.running_since.map(|since| since + (self.deadline - self.used))
    }

    /// Running time so far: what the handling time statistics count.
    pub fn used(&self, now: OffsetDateTime) -> Duration {
        self.used + self.running_since.map_or(Duration::ZERO, |s| (now - s).max(Duration::ZERO))
    }

    pub fn resolved(&self) -> Option<(OffsetDateTime, bool)> {
        self.resolved
    }

    pub fn deadline(&self) -> Duration {
        self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn tax_codes_check_their_digit() {
        for ok in ["0100109106", "0301442379", "0312687878-001", "0100109106001", "01 00 109 106"] {
            assert!(TaxCode::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(TaxCode::parse("0312687878001").unwrap().to_string(), "0312687878-001");
        assert!(TaxCode::parse("0312687878001").unwrap().is_branch());
        let e = TaxCode::parse("0100109107").unwrap_err();
        assert!(e.message.contains("check digit"), "{}", e.message);
        assert!(TaxCode::parse("0100109106-000").unwrap_err().message.contains("001 to 999"));
        assert!(TaxCode::parse("010010910").unwrap_err().message.contains("10 digits"));
        assert!(TaxCode::parse("01000000005").is_err());
        assert!(TaxCode::parse("0100000000").unwrap_err().message.contains("all zeros"));
        assert!(TaxCode::parse("01001O9106").is_err());
    }

    #[test]
    fn imo_numbers_check_their_digit() {
        assert_eq!(ImoNumber::parse("IMO 9074729").unwrap().to_string(), "9074729");
        assert_eq!(ImoNumber::parse("9176187").unwrap().value(), 9_176_187);
        assert!(ImoNumber::parse("9074728").unwrap_err().message.contains("check digit"));
        assert!(ImoNumber::parse("907472").is_err());
    }

    #[test]
    fn locodes_and_call_signs() {
        assert_eq!(UnLocode::parse_field("last_port", "vn hph").unwrap().as_str(), "VNHPH");
        assert!(UnLocode::parse_field("last_port", "VNHP1").is_err());
        assert!(UnLocode::parse_field("last_port", "V1HPH").is_err());
        assert_eq!(CallSign::parse("3ewk9").unwrap().as_str(), "3EWK9");
        assert!(CallSign::parse("A").is_err());
    }

    #[test]
    fn the_catalogue_has_the_contract_codes_once_each() {
        let c = catalogue();
        for code in ["vessel_entry", "vessel_exit", "vessel_transit", "vessel_port_shift"] {
            let p = c.iter().find(|p| p.code.as_str() == code).unwrap();
            assert_eq!(p.deadline, Duration::hours(2));
            assert!(p.vessel_dossier);
        }
        assert_eq!(c.len(), ProcedureCode::ALL.len());
        for code in ProcedureCode::ALL {
            assert_eq!(c.iter().filter(|p| p.code == *code).count(), 1, "{code}");
        }
    }

    #[test]
    fn a_dossier_moves_only_where_its_rules_allow() {
        use DossierAction as A;
        use DossierParty as W;
        use DossierStatus as S;
        assert_eq!(step(S::Draft, A::Submit, W::Agent, None), Ok(S::Submitted));
        assert_eq!(step(S::Submitted, A::Review, W::Officer, None), Ok(S::InReview));
        assert_eq!(step(S::InReview, A::Approve, W::Commander, None), Ok(S::Approved));
        assert_eq!(step(S::Submitted, A::Approve, W::Commander, None), Ok(S::Approved));
        assert!(matches!(
            step(S::InReview, A::Approve, W::Officer, None),
            Err(StepRefused::NotYours(_))
        ));
        assert_eq!(
            step(S::InReview, A::Reject, W::Commander, Some(" ")),
            Err(StepRefused::NoteNeeded("reject"))
        );
        assert_eq!(step(S::InReview, A::Reject, W::Commander, Some("no FAL 5")), Ok(S::Rejected));
        assert_eq!(
            step(S::Submitted, A::RequestSupplement, W::Officer, Some("crew list")),
            Ok(S::SupplementRequested)
        );
        assert_eq!(step(S::SupplementRequested, A::Submit, W::Agent, None), Ok(S::Submitted));
        assert_eq!(step(S::SupplementRequested, A::Cancel, W::Agent, None), Ok(S::Cancelled));
        let e = step(S::Approved, A::Cancel, W::Agent, None).unwrap_err();
        assert_eq!(e.to_string(), "the dossier is approved: it cannot be cancelled");
        assert!(step(S::Approved, A::Reject, W::Commander, Some("x")).is_err());
        assert!(step(S::Draft, A::Approve, W::Commander, None).is_err());
        assert!(step(S::Submitted, A::Submit, W::Agent, None).is_err());
        assert!(step(S::Submitted, A::Review, W::Agent, None).is_err());
    }

    #[test]
    fn the_clock_stops_while_the_agency_supplements() {
        let mut c = Clock::new(Duration::hours(2));
        c.enter(DossierStatus::Submitted, datetime!(2026-11-25 01:00 UTC));
        assert_eq!(c.due_at(), Some(datetime!(2026-11-25 03:00 UTC)));
        c.enter(DossierStatus::InReview, datetime!(2026-11-25 01:30 UTC));
        assert_eq!(c.due_at(), Some(datetime!(2026-11-25 03:00 UTC)));
        c.enter(DossierStatus::SupplementRequested, datetime!(2026-11-25 02:00 UTC));
        assert_eq!(c.due_at(), None);
        // Back five hours later: one hour of the two is left.
        c.enter(DossierStatus::Submitted, datetime!(2026-11-25 07:00 UTC));
        assert_eq!(c.due_at(), Some(datetime!(2026-11-25 08:00 UTC)));
        assert_eq!(c.used(datetime!(2026-11-25 07:30 UTC)), Duration::minutes(90));
        c.enter(DossierStatus::Approved, datetime!(2026-11-25 07:45 UTC));
        assert_eq!(c.resolved(), Some((datetime!(2026-11-25 07:45 UTC), true)));
        assert_eq!(c.due_at(), None);

        let mut late = Clock::new(Duration::hours(2));
        late.enter(DossierStatus::Submitted, datetime!(2026-11-25 01:00 UTC));
        late.enter(DossierStatus::Rejected, datetime!(2026-11-25 03:00:01 UTC));
        assert_eq!(late.resolved().map(|r| r.1), Some(false));
    }
}
