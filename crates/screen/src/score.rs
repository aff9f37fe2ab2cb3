//! How evidence adds up: name similarity first, then date of birth, nationality and sex raise or
//! lower it. The constants were chosen on the evaluation set (`eval` feature); change them only
//! with a fresh run of `bienphong screen-eval`.

use crate::model::{Country, Dob, Sex};

/// The threshold that gave the best recall at a false-alarm rate within target on the evaluation.
pub const DEFAULT_THRESHOLD: f32 = 0.75;

/// Weight of a query token that matches nothing on the list (a typo beyond reach, a name part
/// the list does not have): about that of an uncommon given name.
pub(crate) const UNMATCHED_QUERY_WEIGHT: f32 = 3.0;
/// Both names have a part the other lacks: a different middle or given name, not an omission.
pub(crate) const SUBSTITUTION_FACTOR: f32 = 0.85;

const DOB_SAME_GAIN: f32 = 0.35;
const DOB_YEAR_GAIN: f32 = 0.15;
const DOB_CLOSE_PENALTY: f32 = 0.05;
const DOB_CONFLICT_PENALTY: f32 = 0.35;
const NATIONALITY_GAIN: f32 = 0.1;
const NATIONALITY_CONFLICT_PENALTY: f32 = 0.1;
const SEX_CONFLICT_PENALTY: f32 = 0.2;

/// Similarity of two tokens whose skeletons are `distance` edits apart.
pub(crate) fn token_similarity(distance: usize, shorter_len: usize) -> f32 {
    match distance {
        0 => 1.0,
        1 if shorter_len <= 3 => 0.6,
        1 if shorter_len <= 5 => 0.75,
        1 => 0.85,
        2 if shorter_len >= 7 => 0.7,
        _ => 0.0,
    }
}

/// An initial (`D`) or a name cut short, as in a truncated MRZ (`CHARONGU`).
pub(crate) fn prefix_similarity(query: &str, listed: &str) -> f32 {
    if query.len() == 1 && listed.starts_with(query) {
        0.5
    } else if query.len() >= 4 && listed.len() > query.len() && listed.starts_with(query) {
        0.8
    } else {
        0.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DobVerdict {
    Same,
    SameYear,
    /// One digit apart, day and month swapped, or years one apart.
    Close,
    Differs,
    Unknown,
}

pub(crate) fn compare_dob(query: Option<Dob>, listed: Option<Dob>) -> DobVerdict {
    let (Some(q), Some(l)) = (query, listed) else {
        return DobVerdict::Unknown;
    };
    match (q, l) {
        (Dob::Full(a), Dob::Full(b)) => {
            if a == b {
                return DobVerdict::Same;
            }
            let (sa, sb) = (Dob::Full(a).to_string(), Dob::Full(b).to_string());
            let differing = sa.bytes().zip(sb.bytes()).filter(|(x, y)| x != y).count();
            let swapped = a.year() == b.year()
                && u8::from(a.month()) == b.day()
                && a.day() == u8::from(b.month());
            if differing == 1 || swapped {
                DobVerdict::Close
            } else {
                DobVerdict::Differs
            }
        }
        _ => match q.year().abs_diff(l.year()) {
            0 => DobVerdict::SameYear,
            1 => DobVerdict::Close,
            _ => DobVerdict::Differs,
        },
    }
}

/// The other evidence about a candidate, beside the name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Evidence {
    pub dob: DobVerdict,
    pub nationality: Option<bool>,
    pub sex_conflict: bool,
}

impl Evidence {
    pub fn of(
        query: (Option<Dob>, Option<Country>, Option<Sex>),
        listed: (Option<Dob>, Option<Country>, Option<Sex>),
    ) -> Evidence {
        Evidence {
            dob: compare_dob(query.0, listed.0),
            nationality: query.1.zip(listed.1).map(|(a, b)| a == b),
            sex_conflict: matches!(query.2.zip(listed.2), Some((a, b)) if a != b),
        }
    }

    /// The final score from the name's.
    pub fn combine(self, name: f32) -> f32 {
        let mut s = name;
        match self.dob {
            DobVerdict::Same => s += (1.0 - s) * DOB_SAME_GAIN,
            DobVerdict::SameYear => s += (1.0 - s) * DOB_YEAR_GAIN,
            DobVerdict::Close => s -= DOB_CLOSE_PENALTY,
            DobVerdict::Differs => s -= DOB_CONFLICT_PENALTY,
            DobVerdict::Unknown => {}
        }
        match self.nationality {
            Some(true) => s += (1.0 - s) * NATIONALITY_GAIN,
            Some(false) => s -= NATIONALITY_CONFLICT_PENALTY,
            None => {}
        }
        if self.sex_conflict {
            s -= SEX_CONFLICT_PENALTY;
        }
        s.clamp(0.0, 1.0)
    }
}

/// The least name score that can still reach `threshold` given what the query carries: the
/// bound that lets the index skip candidates without scoring them.
pub(crate) fn least_name_score(
    threshold: f32,
    query_has_dob: bool,
    query_has_nationality: bool,
) -> f32 {
    let dob = if query_has_dob { DOB_SAME_GAIN } else { 0.0 };
    let nat = if query_has_nationality {
        NATIONALITY_GAIN
    } else {
        0.0
    };
    let gain = 1.0 - (1.0 - dob) * (1.0 - nat);
    ((threshold - gain) / (1.0 - gain)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dob(s: &str) -> Option<Dob> {
        Some(Dob::parse(s).unwrap())
    }

    #[test]
    fn dates_of_birth_compare() {
        assert_eq!(
            compare_dob(dob("1985-03-12"), dob("1985-03-12")),
            DobVerdict::Same
        );
        assert_eq!(
            compare_dob(dob("1985-03-12"), dob("1985-12-03")),
            DobVerdict::Close
        );
        assert_eq!(
            compare_dob(dob("1985-03-12"), dob("1985-03-13")),
            DobVerdict::Close
        );
        assert_eq!(
            compare_dob(dob("1985-03-12"), dob("1986-03-12")),
            DobVerdict::Close
        );
        assert_eq!(
            compare_dob(dob("1985-03-12"), dob("1990-07-01")),
            DobVerdict::Differs
        );
        assert_eq!(
            compare_dob(dob("1985-03-12"), dob("1985")),
            DobVerdict::SameYear
        );
        assert_eq!(
            compare_dob(dob("1985"), dob("1984-01-01")),
            DobVerdict::Close
        );
        assert_eq!(compare_dob(dob("1985"), dob("1975")), DobVerdict::Differs);
        assert_eq!(compare_dob(None, dob("1975")), DobVerdict::Unknown);
    }

    #[test]
    fn evidence_raises_and_lowers() {
        let none = Evidence {
            dob: DobVerdict::Unknown,
            nationality: None,
            sex_conflict: false,
        };
        assert_eq!(none.combine(0.8), 0.8);
        let same = Evidence {
            dob: DobVerdict::Same,
            nationality: Some(true),
            ..none
        };
        assert!(same.combine(0.8) > 0.85);
        let differs = Evidence {
            dob: DobVerdict::Differs,
            ..none
        };
        assert!(differs.combine(1.0) < DEFAULT_THRESHOLD);
        let sex = Evidence {
            sex_conflict: true,
            ..none
        };
        assert!(sex.combine(0.9) < DEFAULT_THRESHOLD);
    }

    #[test]
    fn the_bound_is_what_the_best_evidence_can_lift() {
        let least = least_name_score(DEFAULT_THRESHOLD, true, true);
        let best = Evidence {
            dob: DobVerdict::Same,
            nationality: Some(true),
            sex_conflict: false,
        };
        assert!((best.combine(least) - DEFAULT_THRESHOLD).abs() < 1e-4);
        assert_eq!(
            least_name_score(DEFAULT_THRESHOLD, false, false),
            DEFAULT_THRESHOLD
        );
    }
}
