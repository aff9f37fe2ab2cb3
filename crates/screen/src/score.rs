//! How evidence adds up. Each piece of evidence is a log-likelihood ratio in nats: how much
//! likelier it is if the query is about this listed person than if it is about someone else. A
//! name part counts by its rarity on the list (`NGUYEN` about 1.5, a rare given name 8 or more);
//! a full date of birth about 10, a year 4; a differing date or sex counts strongly against. A
//! match is a hit when the evidence beats the chance of a coincidence somewhere on a list of `N`
//! entries, about `ln N`. The constants were set on the evaluation set (`eval` feature); change
//! them only with a fresh run of `bienphong screen-eval run`.

use crate::model::Dob;
use crate::normalize::SlipRates;

/// The score threshold of a hit: fitted on the evaluation set of seed 20261125 (1,000,000
/// entries, 16 in 100 without a full date of birth) as the one with the best recall while at
/// most 2 % of the queries about people not listed get any hit; reported on other seeds.
pub const DEFAULT_THRESHOLD: f32 = 0.72;

/// Evidence, beyond `ln N`, at which the score is one half.
const OFFSET: f32 = -1.0;
/// Nats per unit of log-odds of the score.
const SCALE: f32 = 1.5;

/// However strong the rest, the name itself must say this much: common parts alone
/// (`NGUYEN VAN`) never make a hit, even beside the same date of birth.
pub(crate) const MIN_NAME_EVIDENCE: f32 = 4.0;

/// On a short list every name part is rare, so no part weighs much: there the name need say
/// no more than a share of what a coincidence costs (`ln N`). Without this a list of a few
/// entries would never hit, not even on the same name and date of birth.
pub(crate) fn min_name_evidence(n: usize) -> f32 {
    MIN_NAME_EVIDENCE.min(0.3 * (n.max(1) as f32).ln())
}

/// The chance that a name part is respelt (another transliteration of the same skeleton).
pub(crate) const RESPELLING_RATE: f32 = 0.003;
/// The chance that a name part is written in another romanisation system's spelling of it
/// (`CHIHUN` for `JIHOON`, `SUKSAVAN` for `SOUKSAVANH`): its romanisation key is the same.
pub(crate) const ROMANISATION_RATE: f32 = 0.03;
/// The chances that a name part is misread in one particular way: a look-alike letter, a letter
/// dropped, doubled or swapped, or some other letter.
pub(crate) const SLIP_RATES: SlipRates =
    SlipRates { look_alike: LOOK_ALIKE_RATE, slip: SLIP_RATE, other: OTHER_LETTER_RATE };
const LOOK_ALIKE_RATE: f32 = 0.01;
const SLIP_RATE: f32 = 0.003;
const OTHER_LETTER_RATE: f32 = 0.0005;
/// The weight of a query token found nowhere on the list.
pub(crate) const UNMATCHED_QUERY_WEIGHT: f32 = 3.0;
/// A listed name part the query lacks: documents drop middle names now and then.
pub(crate) const OMISSION_SHARE: f32 = 0.2;
pub(crate) const OMISSION_CAP: f32 = 2.0;
/// A query shorter than the listed name it matches, with a middle part left out (`NGUYEN ANH`
/// for `Nguyễn Văn Anh`): a stranger's name is seldom that short where names of the listed
/// person's nationality rarely are, so the shortness itself is evidence, `-ln` of the share of
/// listed names of that nationality with no more parts; the list says no more than this, since
/// a list of names all of three parts cannot tell how rare two are.
pub(crate) const SHORT_NAME_CAP: f32 = 3.0;
pub(crate) const SHORT_NAME_PRIOR: f32 = 20.0;
/// A listed name's first or last part is its family or its given name, which documents keep.
pub(crate) const END_OMISSION_SHARE: f32 = 1.0;
/// A patronymic is on the list but never in the MRZ: missing, it costs almost nothing.
pub(crate) const PATRONYMIC_SHARE: f32 = 0.05;
/// A query name part the listed name lacks: the traveller has a name the listed person has
/// not, which costs more.
pub(crate) const EXTRA_SHARE: f32 = 1.0;
pub(crate) const EXTRA_CAP: f32 = 5.0;
/// Both names have a part the other lacks: a different name, not an omission.
pub(crate) const SUBSTITUTION: f32 = 5.0;
/// How many names a part must be seen after another part before that sequence counts as much
/// as the part's own rarity: rarer sequences lean on the rarity.
pub(crate) const FOLLOW_PRIOR: f32 = 1000.0;
/// The most that parts in an unusual sequence can add to a name: the candidate search allows
/// for this much beyond the parts' own rarities.
pub(crate) const FOLLOW_RAISE_CAP: f32 = 2.0;
/// Parts in an order that is neither the listed one nor that turned round.
pub(crate) const OUT_OF_ORDER: f32 = 6.0;
/// A name part cut short (a truncated MRZ) proves less than the whole part.
pub(crate) const PREFIX_COST: f32 = 1.0;
pub(crate) const INITIAL_EVIDENCE: f32 = 1.0;
/// The same skeleton spelt otherwise (`ALEXEI`, `ALEKSEY`) proves a little less than the same
/// spelling.
pub(crate) const RESPELLING_COST: f32 = 0.3;
/// A near spelling that is itself a common name (`VU` for `VO`, `NINH` for `MINH`) counts against
/// the match, down to about what two different name parts cost.
pub(crate) const NEAR_FLOOR: f32 = -4.0;

const DOB_SAME: f32 = 9.9;
const DOB_SAME_YEAR: f32 = 4.0;
/// The same month and year where the list knows no more: about one stranger in 670 shares them.
const DOB_SAME_MONTH: f32 = 6.5;
/// The same year, another month: the listed month was wrong, or this is someone else.
const DOB_MONTH_DIFFERS: f32 = -3.0;
const DOB_CLOSE: f32 = 3.0;
/// A listed year one off the query's: a stranger's year is that close twice in about 56 times,
/// the listed person's seldom (a year is known, or it is not), so it says little either way.
const DOB_YEAR_CLOSE: f32 = 0.5;
const DOB_DIFFERS: f32 = -15.0;
/// A listed full date on the first of a month, against a date in the same month and year:
/// lists write an unknown day as the first (list dates skew towards it), so the first may say
/// only the month. If one listed date in two hundred had its day so filled in, a listed first
/// would be a stand-in about one time in eight (against the one in 30 born on it):
/// `ln(0.13 × 20,440 / 30.4)`, about 4.5 nats, between the same month (6.5) and a misread
/// (3.0). Only the list's: a passport gives the day its holder's papers give.
const DOB_FIRST_OF_MONTH: f32 = 4.5;
/// A full date on the first of January, against a date in the same year: an unknown day and
/// month written as 1 January (lists skew towards it, and so do the papers of some states). If
/// two dates in a hundred were so filled in, 1 January would be a stand-in nine times in ten:
/// `ln(0.88 × 20,440 / 365)`, about the same year's 4 nats.
const DOB_FIRST_OF_YEAR: f32 = 3.9;
const NATIONALITY_DIFFERS: f32 = -3.0;
const SEX_DIFFERS: f32 = -6.0;

/// The highest date-of-birth evidence short of the same full date.
pub(crate) const DOB_BEST_BUT_SAME: f32 = max(
    max(max(DOB_CLOSE, DOB_SAME_YEAR), DOB_SAME_MONTH),
    max(DOB_FIRST_OF_MONTH, DOB_FIRST_OF_YEAR),
);

const fn max(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}
/// A name this long (letters and separators) may have been cut to fit an MRZ name field.
pub(crate) const TRUNCATION_LENGTH: usize = 28;

/// Score from evidence on a list of `n` entries: a logistic curve, 0.5 at `ln n + OFFSET`.
pub(crate) fn score(evidence: f32, n: usize) -> f32 {
    let x = (evidence - (n.max(1) as f32).ln() - OFFSET) / SCALE;
    1.0 / (1.0 + (-x).exp())
}

/// The evidence a hit needs at `threshold`.
pub(crate) fn evidence_needed(threshold: f32, n: usize) -> f32 {
    let t = threshold.clamp(1e-6, 1.0 - 1e-6);
    (n.max(1) as f32).ln() + OFFSET + SCALE * (t / (1.0 - t)).ln()
}

/// Two different years one slip apart: one off, or one digit of four changed (`1985`, `1988`,
/// `1965`). Any other two years make two dates of birth differ.
pub(crate) fn years_may_be_one_slip(a: i32, b: i32) -> bool {
    a != b && (a.abs_diff(b) == 1 || digits_apart(a, b) == 1)
}

/// In how many of their four decimal places two numbers of a date differ (a day, a month, a
/// year: `Dob` takes years up to 9,999).
fn digits_apart(a: i32, b: i32) -> usize {
    [1, 10, 100, 1000].iter().filter(|&&p| (a / p).rem_euclid(10) != (b / p).rem_euclid(10)).count()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum DobVerdict {
    Same,
    /// The same month and year, where one side knows no day.
    SameMonth,
    /// The same year and another month, where one side knows no day.
    MonthDiffers,
    SameYear,
    /// Full dates one digit apart, or day and month swapped: a misread.
    Close,
    /// Full dates in the same month and year, the listed one on the first: the first may
    /// stand for an unknown day.
    FirstOfMonth,
    /// Full dates in the same year, one of them on 1 January: it may stand for an unknown day
    /// and month.
    FirstOfYear,
    /// Years one apart where only a year is known.
    YearClose,
    Differs,
    Unknown,
}

impl DobVerdict {
    pub fn evidence(self) -> f32 {
        match self {
            DobVerdict::Same => DOB_SAME,
            DobVerdict::SameMonth => DOB_SAME_MONTH,
            DobVerdict::MonthDiffers => DOB_MONTH_DIFFERS,
            DobVerdict::SameYear => DOB_SAME_YEAR,
            DobVerdict::Close => DOB_CLOSE,
            DobVerdict::FirstOfMonth => DOB_FIRST_OF_MONTH,
            DobVerdict::FirstOfYear => DOB_FIRST_OF_YEAR,
            DobVerdict::YearClose => DOB_YEAR_CLOSE,
            DobVerdict::Differs => DOB_DIFFERS,
            DobVerdict::Unknown => 0.0,
        }
    }
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
            // A slip in one place: the day or the month off by one digit, day and month swapped,
            // or the year off by one or in one digit (`1985` read `1988` or `1965`: OCR-B's 3
            // and 8, 6 and 8, a key struck beside another). A stranger's date is any of these
            // about as seldom as one of the day's or the month's slips (a day and month in
            // 365, one of a dozen years in some seventy).
            let digits = |x: u8, y: u8| digits_apart(i32::from(x), i32::from(y));
            let (am, bm) = (u8::from(a.month()), u8::from(b.month()));
            let same_year = a.year() == b.year();
            // A stand-in is the likelier reading where a misread would also do (01 and 07).
            if same_year && am == bm && b.day() == 1 {
                return DobVerdict::FirstOfMonth;
            }
            let new_year = |d: time::Date| d.day() == 1 && d.month() == time::Month::January;
            if same_year && (new_year(a) || new_year(b)) {
                return DobVerdict::FirstOfYear;
            }
            let close = (same_year && am == bm && digits(a.day(), b.day()) == 1)
                || (same_year && a.day() == b.day() && digits(am, bm) == 1)
                || (same_year && am == b.day() && a.day() == bm)
                || (am == bm && a.day() == b.day() && years_may_be_one_slip(a.year(), b.year()));
            if close { DobVerdict::Close } else { DobVerdict::Differs }
        }
        _ => match q.year().abs_diff(l.year()) {
            0 => match (q.month(), l.month()) {
                (Some(a), Some(b)) if a == b => DobVerdict::SameMonth,
                (Some(_), Some(_)) => DobVerdict::MonthDiffers,
                _ => DobVerdict::SameYear,
            },
            1 => DobVerdict::YearClose,
            _ => DobVerdict::Differs,
        },
    }
}

/// A differing nationality counts against. A matching one adds nothing: the name has already
/// said it (`POPOVA` is Russian), and counting it twice makes common names look rare.
pub(crate) fn nationality_evidence(same: Option<bool>) -> f32 {
    if same == Some(false) { NATIONALITY_DIFFERS } else { 0.0 }
}

/// Likewise a matching sex, which `VAN`, `THI` and `-OVA` have already told.
pub(crate) fn sex_evidence(same: Option<bool>) -> f32 {
    if same == Some(false) { SEX_DIFFERS } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dob(s: &str) -> Option<Dob> {
        Some(Dob::parse(s).unwrap())
    }

    #[test]
    fn dates_of_birth_compare() {
        let cases = [
            ("1985-03-12", "1985-03-12", DobVerdict::Same),
            ("1985-03-12", "1985-12-03", DobVerdict::Close),
            ("1985-03-12", "1985-03-13", DobVerdict::Close),
            ("1985-03-12", "1985-08-12", DobVerdict::Close),
            ("1985-03-12", "1986-03-12", DobVerdict::Close),
            // The first of a month, or 1 January, may stand for what was not known.
            ("1985-03-12", "1985-03-01", DobVerdict::FirstOfMonth),
            ("1985-03-01", "1985-03-12", DobVerdict::Differs),
            ("1985-03-01", "1985-03-11", DobVerdict::Close),
            ("1985-03-07", "1985-03-01", DobVerdict::FirstOfMonth),
            ("1985-03-01", "1985-03-07", DobVerdict::Close),
            ("1985-07-23", "1985-01-01", DobVerdict::FirstOfYear),
            ("1985-01-01", "1985-07-23", DobVerdict::FirstOfYear),
            ("1985-01-01", "1985-01-23", DobVerdict::FirstOfYear),
            ("1985-01-23", "1985-01-01", DobVerdict::FirstOfMonth),
            ("1985-07-23", "1986-01-01", DobVerdict::Differs),
            ("1985-07-23", "1985-02-01", DobVerdict::Differs),
            ("1985-03-01", "1985-04-01", DobVerdict::Close),
            ("1985-01-01", "1985-01-01", DobVerdict::Same),
            // A year misread in one digit, where the month and the day agree.
            ("1985-03-12", "1995-03-12", DobVerdict::Close),
            ("1985-03-12", "1988-03-12", DobVerdict::Close),
            ("1989-03-12", "1990-03-12", DobVerdict::Close),
            ("1985-03-12", "1978-03-12", DobVerdict::Differs),
            ("1985-03-12", "1988-03-13", DobVerdict::Differs),
            ("1985-03-12", "1990-07-01", DobVerdict::Differs),
            ("1985-03-12", "1985", DobVerdict::SameYear),
            ("1985-03-12", "1985-03", DobVerdict::SameMonth),
            ("1985-03", "1985-03", DobVerdict::SameMonth),
            ("1985-03-12", "1985-04", DobVerdict::MonthDiffers),
            ("1985-03", "1985", DobVerdict::SameYear),
            ("1985-03-12", "1986-03", DobVerdict::YearClose),
            ("1985-03-12", "1987-03", DobVerdict::Differs),
            ("1985", "1984-01-01", DobVerdict::YearClose),
            ("1985", "1975", DobVerdict::Differs),
        ];
        for (q, l, verdict) in cases {
            assert_eq!(compare_dob(dob(q), dob(l)), verdict, "{q} against {l}");
        }
        assert_eq!(compare_dob(None, dob("1975")), DobVerdict::Unknown);
    }

    #[test]
    fn score_is_monotone_and_the_needed_evidence_inverts_it() {
        let n = 1_000_000;
        assert!(score(10.0, n) < score(20.0, n));
        let needed = evidence_needed(DEFAULT_THRESHOLD, n);
        assert!((score(needed, n) - DEFAULT_THRESHOLD).abs() < 1e-4);
        // A bigger list needs more evidence for the same score.
        assert!(evidence_needed(0.75, 1_000_000) > evidence_needed(0.75, 1_000));
    }
}
