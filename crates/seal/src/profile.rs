//! The national profiles: one document-type category (an even number, as ICAO 9303-13 leaves
//! even categories to national profiles) per permit kind, under this platform's
//! feature-definition reference, and the features each carries. `docs/seals.md` describes them
//! with an example seal each.

use serde::Serialize;
use time::Date;

use crate::{Seal, c40, decode_date, encode_date};

/// This platform's feature-definition reference.
pub const FEATURE_DEFINITION: u8 = 0x56;

pub use domain::permit::PermitKind;

/// The document-type category of each kind.
pub fn category(kind: PermitKind) -> u8 {
    match kind {
        PermitKind::ShorePass => 0x10,
        PermitKind::Embarkation => 0x12,
        PermitKind::Alongside => 0x14,
        PermitKind::BorderPass => 0x16,
    }
}

pub fn kind_of(category: u8) -> Option<PermitKind> {
    PermitKind::ALL.into_iter().find(|k| self::category(*k) == category)
}

/// The features' tags.
pub mod tag {
    /// The holder's name in MRZ characters (C40): `NGUYEN<<VAN<AN`.
    pub const NAME_MRZ: u8 = 1;
    /// The holder's name as written (UTF-8): `Nguyễn Văn An`.
    pub const NAME: u8 = 2;
    /// The holder's travel document number (C40).
    pub const DOCUMENT_NUMBER: u8 = 3;
    /// Nationality, ICAO code (C40).
    pub const NATIONALITY: u8 = 4;
    /// Date of birth (three bytes, as the header's dates).
    pub const BIRTH_DATE: u8 = 5;
    /// The vessel's IMO number (C40 digits).
    pub const VESSEL_IMO: u8 = 6;
    /// The checkpoint's code (ASCII): where the permit is valid.
    pub const CHECKPOINT: u8 = 7;
    pub const VALID_FROM: u8 = 8;
    pub const VALID_UNTIL: u8 = 9;
    /// The permit's serial number in hexadecimal (C40), as revocation lists carry it.
    pub const SERIAL: u8 = 10;
}

/// What a permit's seal says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermitData {
    pub kind: PermitKind,
    pub serial: String,
    pub name_mrz: String,
    pub name: String,
    pub document_number: String,
    pub nationality: String,
    #[serde(serialize_with = "iso")]
    pub birth_date: Date,
    pub vessel_imo: Option<String>,
    pub checkpoint: String,
    #[serde(serialize_with = "iso")]
    pub valid_from: Date,
    #[serde(serialize_with = "iso")]
    pub valid_until: Date,
}

fn iso<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
}

/// Why a seal's features do not make a permit of its profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("feature {tag}: {message}")]
pub struct ProfileError {
    pub tag: u8,
    pub message: String,
}

fn err(tag: u8, message: impl Into<String>) -> ProfileError {
    ProfileError { tag, message: message.into() }
}

impl PermitData {
    /// The features, in tag order, for [`crate::SealBuilder`].
    pub fn features(&self) -> Result<Vec<(u8, Vec<u8>)>, ProfileError> {
        let c = |t: u8, s: &str| c40::encode(s).map_err(|e| err(t, e.to_string()));
        let mut out = vec![
            (tag::NAME_MRZ, c(tag::NAME_MRZ, &self.name_mrz)?),
            (tag::NAME, self.name.as_bytes().to_vec()),
            (tag::DOCUMENT_NUMBER, c(tag::DOCUMENT_NUMBER, &self.document_number)?),
            (tag::NATIONALITY, c(tag::NATIONALITY, &self.nationality)?),
            (tag::BIRTH_DATE, encode_date(self.birth_date).to_vec()),
        ];
        if let Some(imo) = &self.vessel_imo {
            out.push((tag::VESSEL_IMO, c(tag::VESSEL_IMO, imo)?));
        }
        if !self.checkpoint.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(err(tag::CHECKPOINT, "a checkpoint code is ASCII"));
        }
        out.push((tag::CHECKPOINT, self.checkpoint.as_bytes().to_vec()));
        out.push((tag::VALID_FROM, encode_date(self.valid_from).to_vec()));
        out.push((tag::VALID_UNTIL, encode_date(self.valid_until).to_vec()));
        if self.serial.is_empty()
            || self.serial.len() > 40
            || !self.serial.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        {
            return Err(err(tag::SERIAL, "a serial is 1-40 upper-case hexadecimal digits"));
        }
        out.push((tag::SERIAL, c(tag::SERIAL, &self.serial)?));
        Ok(out)
    }

    /// Reads a permit from a seal of one of the profiles; `None` for a seal of another profile.
    /// Unknown tags are passed over: a later version of a profile may add some.
    pub fn from_seal(seal: &Seal) -> Option<Result<PermitData, ProfileError>> {
        if seal.header.feature_definition_reference != FEATURE_DEFINITION {
            return None;
        }
        let kind = kind_of(seal.header.document_type_category)?;
        Some(read(kind, seal))
    }
}

fn read(kind: PermitKind, seal: &Seal) -> Result<PermitData, ProfileError> {
    let get = |t: u8| seal.feature(t).ok_or_else(|| err(t, "missing"));
    let text = |t: u8| -> Result<String, ProfileError> {
        c40::decode(get(t)?, 0).map(|s| s.replace(' ', "<")).map_err(|e| err(t, e.message))
    };
    let date = |t: u8| -> Result<Date, ProfileError> {
        let b: [u8; 3] = get(t)?.try_into().map_err(|_| err(t, "a date has 3 bytes"))?;
        decode_date(b).map_err(|m| err(t, m))
    };
    let utf8 = |t: u8| -> Result<String, ProfileError> {
        String::from_utf8(get(t)?.to_vec()).map_err(|_| err(t, "not UTF-8"))
    };
    Ok(PermitData {
        kind,
        serial: text(tag::SERIAL)?,
        name_mrz: text(tag::NAME_MRZ)?,
        name: utf8(tag::NAME)?,
        document_number: text(tag::DOCUMENT_NUMBER)?,
        nationality: text(tag::NATIONALITY)?,
        birth_date: date(tag::BIRTH_DATE)?,
        vessel_imo: seal.feature(tag::VESSEL_IMO).map(|_| text(tag::VESSEL_IMO)).transpose()?,
        checkpoint: utf8(tag::CHECKPOINT)?,
        valid_from: date(tag::VALID_FROM)?,
        valid_until: date(tag::VALID_UNTIL)?,
    })
}

/// Names for the features of a seal of one of these profiles, for display; other seals'
/// features go by their tag number.
pub fn feature_name(seal: &Seal, t: u8) -> Option<&'static str> {
    if seal.header.feature_definition_reference != FEATURE_DEFINITION
        || kind_of(seal.header.document_type_category).is_none()
    {
        return None;
    }
    Some(match t {
        tag::NAME_MRZ => "name_mrz",
        tag::NAME => "name",
        tag::DOCUMENT_NUMBER => "document_number",
        tag::NATIONALITY => "nationality",
        tag::BIRTH_DATE => "birth_date",
        tag::VESSEL_IMO => "vessel_imo",
        tag::CHECKPOINT => "checkpoint",
        tag::VALID_FROM => "valid_from",
        tag::VALID_UNTIL => "valid_until",
        tag::SERIAL => "serial",
        _ => return None,
    })
}

/// Writes and signs a permit's seal: version 4, issued by Việt Nam.
pub fn sign_permit(
    data: &PermitData,
    signer_identifier: &str,
    certificate_reference: &str,
    today: Date,
    key: &crate::SigningKey,
) -> Result<Vec<u8>, crate::EncodeError> {
    let header = crate::Header {
        version: crate::Version::V4,
        issuing_country: "VNM".into(),
        signer_identifier: signer_identifier.into(),
        certificate_reference: certificate_reference.into(),
        document_issue_date: today,
        signature_creation_date: today,
        feature_definition_reference: FEATURE_DEFINITION,
        document_type_category: category(data.kind),
    };
    let features = data.features().map_err(|e| crate::EncodeError::Invalid(e.to_string()))?;
    features
        .into_iter()
        .fold(crate::SealBuilder::new(header), |b, (t, v)| b.feature(t, v))
        .sign(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    pub(crate) fn shore_pass() -> PermitData {
        PermitData {
            kind: PermitKind::ShorePass,
            serial: "2600001A".into(),
            name_mrz: "SANTOS<<JOSE".into(),
            name: "Santos José".into(),
            document_number: "P1234567A".into(),
            nationality: "PHL".into(),
            birth_date: date!(1988 - 12 - 15),
            vessel_imo: Some("9244491".into()),
            checkpoint: "CANG-HAI-PHONG".into(),
            valid_from: date!(2026 - 11 - 25),
            valid_until: date!(2026 - 11 - 28),
        }
    }

    #[test]
    fn a_permit_is_written_and_read_back() {
        let key = crate::SigningKey::generate().unwrap();
        for kind in PermitKind::ALL {
            let mut data = shore_pass();
            data.kind = kind;
            if kind == PermitKind::BorderPass {
                data.vessel_imo = None;
            }
            let bytes = sign_permit(&data, "VNHP", "1A", date!(2026 - 11 - 25), &key).unwrap();
            let seal = crate::decode(&bytes).unwrap();
            assert!(seal.signed_by(&key.verifying_key()));
            assert_eq!(PermitData::from_seal(&seal), Some(Ok(data)));
            assert_eq!(PermitKind::parse(kind.as_str()), Some(kind));
            assert_eq!(category(kind) % 2, 0, "national profiles take even categories");
        }
    }

    #[test]
    fn a_broken_permit_names_its_feature() {
        let key = crate::SigningKey::generate().unwrap();
        let data = shore_pass();
        let header = crate::Header {
            version: crate::Version::V4,
            issuing_country: "VNM".into(),
            signer_identifier: "VNHP".into(),
            certificate_reference: "1A".into(),
            document_issue_date: date!(2026 - 11 - 25),
            signature_creation_date: date!(2026 - 11 - 25),
            feature_definition_reference: FEATURE_DEFINITION,
            document_type_category: category(PermitKind::ShorePass),
        };
        let mut b = crate::SealBuilder::new(header);
        for (t, v) in data.features().unwrap() {
            b = b.feature(t, if t == tag::VALID_UNTIL { vec![0, 0] } else { v });
        }
        let seal = crate::decode(&b.sign(&key).unwrap()).unwrap();
        let e = PermitData::from_seal(&seal).unwrap().unwrap_err();
        assert_eq!(e.tag, tag::VALID_UNTIL);
        let mut other = seal.clone();
        other.header.feature_definition_reference = 0xFB;
        assert_eq!(PermitData::from_seal(&other), None);
        let mut bad = data;
        bad.name_mrz = "Nguyễn".into();
        assert_eq!(bad.features().unwrap_err().tag, tag::NAME_MRZ);
    }
}

/// A permit's verdict: the seal's, then the permit's own — revoked by its serial, or outside
/// its days (Việt Nam time).
#[derive(Debug, Clone)]
pub struct PermitVerdict {
    pub verdict: crate::Verdict,
    pub permit: Option<PermitData>,
}

/// Việt Nam's offset: a permit's days are Việt Nam's days.
const VIETNAM: time::UtcOffset = time::macros::offset!(+7);

pub fn verify_permit(
    store: &crate::TrustStore,
    bytes: &[u8],
    at: time::OffsetDateTime,
) -> PermitVerdict {
    use crate::Reason;
    let mut verdict = store.verify(bytes, at);
    let read = verdict.seal.as_ref().and_then(PermitData::from_seal);
    let permit = match read {
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => {
            // Signed, but not a permit of its own profile: nothing to rely on.
            if verdict.reason.is_none() {
                verdict.reason = Some(Reason::WrongFormat);
            }
            None
        }
        None => None,
    };
    if let (None, Some(p)) = (verdict.reason, &permit) {
        let today = at.to_offset(VIETNAM).date();
        verdict.reason = if store.permit_revoked(&p.serial) {
            Some(Reason::Revoked)
        } else if today < p.valid_from {
            Some(Reason::NotYetValid)
        } else if today > p.valid_until {
            Some(Reason::Expired)
        } else {
            None
        };
    }
    PermitVerdict { verdict, permit }
}
