//! The e-gate's rules: what a gate read and measured, judged with the desk's verdict, the chip's
//! passive authentication and the checkpoint's thresholds. A gate opens only when nothing is in
//! doubt; anything else sends the traveller to an officer's lane, with every reason.

use serde::Serialize;

use crate::control::{Reason, Verdict};
use crate::document::DocumentType;
use crate::values::{Decision, InvalidValue, word_enum};

word_enum!(GateDecision, "decision", { Open => "open", Refer => "refer" });
word_enum!(ChipAccess, "chip_access", { Pace => "pace", Bac => "bac", Failed => "failed" });
// What became of the chip: read and authenticated, read and failed, not read, or not asked
// for (a border pass has none).
word_enum!(ChipOutcome, "chip", {
    Verified => "verified",
    Failed => "failed",
    Unread => "unread",
    NotRequired => "not_required",
});

/// A gate's name at its checkpoint: 1 to 32 letters, digits, `-`, `_` or `.` (`G1`, `MC-EG-04`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateName(String);

impl GateName {
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let ok = (1..=32).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(InvalidValue::new(
                "gate",
                "a gate is named by 1 to 32 letters, digits, '-', '_' or '.'",
            )
            .vi("Tên cổng gồm 1–32 chữ cái, chữ số, '-', '_' hoặc '.'"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for GateName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A score from 0 to 1, as a gate's matcher reports it: never NaN nor outside the range.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Score(f64);

impl Score {
    pub fn parse(field: &'static str, v: f64) -> Result<Self, InvalidValue> {
        if v.is_finite() && (0.0..=1.0).contains(&v) {
            Ok(Self(v))
        } else {
            Err(InvalidValue::new(field, "a score from 0 to 1").vi("Điểm từ 0 đến 1"))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// The face's comparison with the chip's portrait, and the liveness check's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceScores {
    pub score: Score,
    pub liveness: Score,
}

/// One finger (1 to 10, ISO/IEC 19794-4: 1 the right thumb … 10 the left little finger) and
/// its match score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FingerScore {
    pub finger: u8,
    pub score: Score,
}

impl FingerScore {
    pub fn parse(finger: i64, score: f64) -> Result<Self, InvalidValue> {
        let finger = u8::try_from(finger)
            .ok()
            .filter(|f| (1..=10).contains(f))
            .ok_or_else(|| InvalidValue::new("finger", "a finger is numbered 1 to 10"))?;
        Ok(Self { finger, score: Score::parse("fingerprints.score", score)? })
    }
}

/// The lowest scores a checkpoint's gates accept.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub face: Score,
    pub liveness: Score,
    pub fingerprint: Score,
}

impl Default for Thresholds {
    /// Where a checkpoint has set none: a starting point, strict rather than loose. A matcher's
    /// scores mean what its supplier calibrated them to, so each checkpoint sets its own from
    /// its gates' figures.
    fn default() -> Self {
        Thresholds { face: Score(0.80), liveness: Score(0.85), fingerprint: Score(0.80) }
    }
}

/// What the gate brought, as the rules take it.
#[derive(Debug)]
pub struct GateFacts<'a> {
    /// The desk's rules on the document as read (check digits, expiry, watchlist, sequence,
    /// border-pass area).
    pub verdict: &'a Verdict,
    pub doc_type: DocumentType,
    pub chip_access: Option<ChipAccess>,
    /// Whether the gate sent the chip's files.
    pub chip_read: bool,
    /// Passive authentication's reasons, when the chip's files were checked.
    pub chip_problems: &'a [Reason],
    pub face: Option<FaceScores>,
    pub fingerprints: &'a [FingerScore],
    pub thresholds: &'a Thresholds,
}

/// The gate's decision with every reason; the chip's outcome beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct GateVerdict {
    pub decision: GateDecision,
    pub reasons: Vec<Reason>,
    pub chip: ChipOutcome,
}

/// Whether a document of this type carries a chip the gate must read.
pub fn needs_chip(doc_type: DocumentType) -> bool {
    matches!(doc_type, DocumentType::Passport | DocumentType::IdCard)
}

/// Opens only when the desk would clear the traveller, the chip (where there is one) is read
/// and genuine, and every score reaches the checkpoint's threshold.
pub fn decide_gate(f: &GateFacts<'_>) -> GateVerdict {
    let mut reasons: Vec<Reason> = Vec::new();
    if f.verdict.decision != Decision::Clear {
        reasons.extend(f.verdict.reasons.iter().cloned());
    }
    if f.doc_type == DocumentType::Visa {
        reasons.push(Reason::new(
            "document_not_for_gate",
            "a visa is not a document the gate takes",
            "Thị thực không dùng được ở cổng tự động",
        ));
    }
    let chip = if !needs_chip(f.doc_type) {
        ChipOutcome::NotRequired
    } else if f.chip_access == Some(ChipAccess::Failed) {
        reasons.push(Reason::new(
            "chip_access_failed",
            "the gate could not open the chip (BAC/PACE failed)",
            "Cổng không truy cập được chip (BAC/PACE không thành công)",
        ));
        ChipOutcome::Unread
    } else if !f.chip_read {
        reasons.push(Reason::new(
            "chip_not_read",
            "the document's chip was not read",
            "Chưa đọc được chip của giấy tờ",
        ));
        ChipOutcome::Unread
    } else if f.chip_problems.is_empty() {
        ChipOutcome::Verified
    } else {
        reasons.extend(f.chip_problems.iter().cloned());
        ChipOutcome::Failed
    };
    let t = f.thresholds;
    match f.face {
        None => reasons.push(Reason::new(
            "face_missing",
            "the gate sent no face comparison",
            "Cổng không gửi kết quả so khớp khuôn mặt",
        )),
        Some(face) => {
            if face.score < t.face {
                reasons.push(Reason::new(
                    "face_mismatch",
                    format!(
                        "the face matched the portrait at {:.2}, under the threshold {:.2}",
                        face.score.0, t.face.0
                    ),
                    format!(
                        "Khuôn mặt khớp ảnh {}, dưới ngưỡng {}",
                        comma(face.score.0),
                        comma(t.face.0)
                    ),
                ));
            }
            if face.liveness < t.liveness {
                reasons.push(Reason::new(
                    "liveness_failed",
                    format!(
                        "liveness {:.2}, under the threshold {:.2}: possibly not a live face",
                        face.liveness.0, t.liveness.0
                    ),
                    format!(
                        "Độ sống {}, dưới ngưỡng {}: có thể không phải người thật",
                        comma(face.liveness.0),
                        comma(t.liveness.0)
                    ),
                ));
            }
        }
    }
    // A border resident's gate matches the fingers enrolled for the pass: without them there
    // is nothing to say the holder is the pass's.
    if f.doc_type == DocumentType::BorderPass && f.fingerprints.is_empty() {
        reasons.push(Reason::new(
            "fingerprints_missing",
            "a border pass opens the gate only with the holder's fingerprints matched",
            "Giấy thông hành chỉ qua cổng khi khớp vân tay người mang",
        ));
    }
    for p in f.fingerprints.iter().filter(|p| p.score < t.fingerprint) {
        reasons.push(Reason::new(
            "fingerprint_mismatch",
            format!(
                "finger {} matched at {:.2}, under the threshold {:.2}",
                p.finger, p.score.0, t.fingerprint.0
            ),
            format!(
                "Ngón {} khớp {}, dưới ngưỡng {}",
                p.finger,
                comma(p.score.0),
                comma(t.fingerprint.0)
            ),
        ));
    }
    let decision = if reasons.is_empty() { GateDecision::Open } else { GateDecision::Refer };
    GateVerdict { decision, reasons, chip }
}

fn comma(v: f64) -> String {
    format!("{v:.2}").replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(
        verdict: &'a Verdict,
        problems: &'a [Reason],
        fingers: &'a [FingerScore],
        t: &'a Thresholds,
    ) -> GateFacts<'a> {
        GateFacts {
            verdict,
            doc_type: DocumentType::Passport,
            chip_access: Some(ChipAccess::Pace),
            chip_read: true,
            chip_problems: problems,
            face: Some(FaceScores {
                score: Score::parse("s", 0.93).unwrap(),
                liveness: Score::parse("l", 0.97).unwrap(),
            }),
            fingerprints: fingers,
            thresholds: t,
        }
    }

    fn clear() -> Verdict {
        Verdict { decision: Decision::Clear, reasons: Vec::new() }
    }

    #[test]
    fn opens_only_when_nothing_is_in_doubt() {
        let (v, t) = (clear(), Thresholds::default());
        let g = decide_gate(&facts(&v, &[], &[], &t));
        assert_eq!((g.decision, g.chip), (GateDecision::Open, ChipOutcome::Verified));

        let mut f = facts(&v, &[], &[], &t);
        f.face = Some(FaceScores {
            score: Score::parse("s", 0.79).unwrap(),
            liveness: Score::parse("l", 0.5).unwrap(),
        });
        let g = decide_gate(&f);
        let codes: Vec<_> = g.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["face_mismatch", "liveness_failed"]);
        assert_eq!(g.decision, GateDecision::Refer);

        let mut f = facts(&v, &[], &[], &t);
        f.chip_read = false;
        assert_eq!(decide_gate(&f).reasons[0].code, "chip_not_read");
        f.chip_access = Some(ChipAccess::Failed);
        assert_eq!(decide_gate(&f).reasons[0].code, "chip_access_failed");
        f.face = None;
        assert!(decide_gate(&f).reasons.iter().any(|r| r.code == "face_missing"));
    }

    #[test]
    fn the_desks_doubt_and_the_chips_are_the_gates() {
        let refer = Verdict {
            decision: Decision::Refer,
            reasons: vec![Reason::new("watchlist_hit", "x", "x")],
        };
        let notify = Verdict {
            decision: Decision::Clear,
            reasons: vec![Reason::new("watchlist_hit", "notify", "x")],
        };
        let pa = [Reason::new("dg_hash_mismatch", "DG2", "DG2")];
        let t = Thresholds::default();
        assert_eq!(decide_gate(&facts(&refer, &[], &[], &t)).reasons[0].code, "watchlist_hit");
        // A hit the list says only to notify of lets the traveller through, as at the desk.
        assert_eq!(decide_gate(&facts(&notify, &[], &[], &t)).decision, GateDecision::Open);
        let g = decide_gate(&facts(&notify, &pa, &[], &t));
        assert_eq!((g.decision, g.chip), (GateDecision::Refer, ChipOutcome::Failed));
    }

    #[test]
    fn a_border_pass_needs_its_fingers_not_a_chip() {
        let (v, t) = (clear(), Thresholds::default());
        let good = [FingerScore::parse(2, 0.9).unwrap(), FingerScore::parse(7, 0.85).unwrap()];
        let mut f = facts(&v, &[], &good, &t);
        f.doc_type = DocumentType::BorderPass;
        f.chip_read = false;
        let g = decide_gate(&f);
        assert_eq!((g.decision, g.chip), (GateDecision::Open, ChipOutcome::NotRequired));
        f.fingerprints = &[];
        assert_eq!(decide_gate(&f).reasons[0].code, "fingerprints_missing");
        let weak = [FingerScore::parse(2, 0.9).unwrap(), FingerScore::parse(7, 0.4).unwrap()];
        f.fingerprints = &weak;
        assert_eq!(decide_gate(&f).reasons[0].code, "fingerprint_mismatch");
    }

    #[test]
    fn values_are_held_at_the_edge() {
        assert!(Score::parse("s", f64::NAN).is_err());
        assert!(Score::parse("s", 1.000_1).is_err());
        assert!(Score::parse("s", -0.0).is_ok());
        assert!(FingerScore::parse(0, 0.5).is_err());
        assert!(FingerScore::parse(11, 0.5).is_err());
        assert!(GateName::parse("MC-EG-04").is_ok());
        assert!(GateName::parse("").is_err());
        assert!(GateName::parse("gate one").is_err());
        assert!(GateName::parse(&"G".repeat(33)).is_err());
    }
}
