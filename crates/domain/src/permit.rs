//! Permits: their kinds, for how long and where each may be issued and used (Decree
//! 77/2017/NĐ-CP arts. 23–24 for ports; border passes for border residents).

use serde::Serialize;
use time::Date;

use crate::{Checkpoint, CheckpointKind, InvalidValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PermitKind {
    /// A foreign crew member's pass to go ashore (*giấy phép đi bờ*).
    ShorePass,
    /// Leave to board a foreign vessel (*giấy phép xuống tàu*).
    Embarkation,
    /// Leave for a craft to come alongside a foreign vessel (*giấy phép cập mạn*).
    Alongside,
    /// A border resident's border pass (*giấy thông hành biên giới*).
    BorderPass,
}

impl PermitKind {
    pub const ALL: [PermitKind; 4] = [
        PermitKind::ShorePass,
        PermitKind::Embarkation,
        PermitKind::Alongside,
        PermitKind::BorderPass,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PermitKind::ShorePass => "shore_pass",
            PermitKind::Embarkation => "embarkation",
            PermitKind::Alongside => "alongside",
            PermitKind::BorderPass => "border_pass",
        }
    }

    pub fn parse(s: &str) -> Option<PermitKind> {
        PermitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn parse_field(field: &'static str, s: &str) -> Result<PermitKind, InvalidValue> {
        PermitKind::parse(s).ok_or_else(|| {
            InvalidValue::new(
                field,
                format!(
                    "{s:?} is not a permit type (shore_pass, embarkation, alongside, border_pass)"
                ),
            )
        })
    }

    /// Names on the card: Vietnamese, English.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            PermitKind::ShorePass => ("Giấy phép đi bờ", "Crew shore pass"),
            PermitKind::Embarkation => ("Giấy phép xuống tàu", "Embarkation permit"),
            PermitKind::Alongside => ("Giấy phép cập mạn", "Permit alongside"),
            PermitKind::BorderPass => ("Giấy thông hành biên giới", "Border pass"),
        }
    }

    /// A seaport checkpoint issues the port permits; a land checkpoint the border passes.
    pub fn issued_at(self, kind: CheckpointKind) -> bool {
        match self {
            PermitKind::BorderPass => matches!(
                kind,
                CheckpointKind::LandInternational
                    | CheckpointKind::LandMain
                    | CheckpointKind::LandSecondary
            ),
            _ => kind == CheckpointKind::Seaport,
        }
    }

    /// The longest a permit of this kind runs, in days, first and last included.
    pub fn max_days(self) -> i64 {
        match self {
            // One voyage, or several for up to a month on a liner (art. 23).
            PermitKind::ShorePass => 31,
            // Twelve months for those who board for work (art. 24).
            PermitKind::Embarkation => 366,
            PermitKind::Alongside => 31,
            PermitKind::BorderPass => 366,
        }
    }

    pub fn needs_vessel(self) -> bool {
        matches!(self, PermitKind::ShorePass | PermitKind::Alongside)
    }

    /// Where a permit issued at `issuer` is honoured: the issuing checkpoint, or for a border
    /// pass any checkpoint of the same border area.
    pub fn valid_at(self, issuer: &Checkpoint, here: &Checkpoint) -> bool {
        match self {
            PermitKind::BorderPass => issuer.province == here.province,
            _ => issuer.code == here.code,
        }
    }
}

/// Checks a permit's days and place before it is signed. A permit may have started already:
/// a lost card is issued again for the days it had.
pub fn check_issue(
    kind: PermitKind,
    checkpoint: &Checkpoint,
    valid_from: Date,
    valid_until: Date,
    has_vessel: bool,
) -> Result<(), InvalidValue> {
    if !kind.issued_at(checkpoint.kind) {
        return Err(InvalidValue::new(
            "checkpoint",
            format!("{} is not where a {} is issued", checkpoint.code, kind.as_str()),
        ));
    }
    if valid_until < valid_from {
        return Err(InvalidValue::new("valid_until", "before valid_from"));
    }
    let days = (valid_until - valid_from).whole_days() + 1;
    if days > kind.max_days() {
        return Err(InvalidValue::new(
            "valid_until",
            format!("a {} runs at most {} days ({days} asked)", kind.as_str(), kind.max_days()),
        ));
    }
    if kind.needs_vessel() && !has_vessel {
        return Err(InvalidValue::new(
            "vessel_imo",
            format!("a {} names its vessel", kind.as_str()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CheckpointCode;
    use time::macros::date;

    fn cp(code: &str, kind: CheckpointKind, province: &str) -> Checkpoint {
        Checkpoint {
            code: CheckpointCode::parse(code).unwrap(),
            name_vi: code.into(),
            name_ascii: code.into(),
            kind,
            province: province.into(),
            neighbour: None,
            counterpart: None,
        }
    }

    #[test]
    fn days_place_and_vessel_are_checked() {
        let hp = cp("CANG-HAI-PHONG", CheckpointKind::Seaport, "Hải Phòng");
        let mc = cp("MONG-CAI", CheckpointKind::LandInternational, "Quảng Ninh");
        let bl = cp("BAC-LUAN", CheckpointKind::LandInternational, "Quảng Ninh");
        let today = date!(2026 - 11 - 25);
        let ok = |k, c: &Checkpoint, until, vessel| check_issue(k, c, today, until, vessel);
        assert!(ok(PermitKind::ShorePass, &hp, date!(2026 - 12 - 25), true).is_ok());
        assert!(ok(PermitKind::ShorePass, &hp, date!(2026 - 12 - 26), true).is_err(), "32 days");
        assert!(ok(PermitKind::ShorePass, &hp, date!(2026 - 11 - 28), false).is_err());
        assert!(ok(PermitKind::ShorePass, &mc, date!(2026 - 11 - 28), true).is_err());
        assert!(ok(PermitKind::Embarkation, &hp, date!(2027 - 11 - 25), false).is_ok());
        assert!(ok(PermitKind::BorderPass, &mc, date!(2027 - 11 - 25), false).is_ok());
        assert!(ok(PermitKind::Embarkation, &hp, date!(2026 - 11 - 24), false).is_err());
        assert!(
            check_issue(PermitKind::Embarkation, &hp, date!(2026 - 11 - 01), today, false).is_ok(),
            "a running permit issued again"
        );
        assert!(PermitKind::BorderPass.valid_at(&mc, &bl));
        assert!(
            !PermitKind::Embarkation
                .valid_at(&hp, &cp("CANG-DA-NANG", CheckpointKind::Seaport, "Đà Nẵng"))
        );
        assert_eq!(PermitKind::parse("shore_pass"), Some(PermitKind::ShorePass));
        assert!(PermitKind::parse_field("type", "visa").is_err());
    }
}
