//! Small values that can only hold what is valid: parsed once at the edge, trusted after.

use std::fmt;

use serde::Serialize;

/// A value refused at the edge, with the field it came from and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidValue {
    pub field: &'static str,
    pub message: String,
    /// What is wrong, said in Vietnamese for the pages, where it has been written; a page
    /// without it names the field in its own words instead of showing the English.
    pub vietnamese: Option<String>,
}

impl InvalidValue {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into(), vietnamese: None }
    }

    /// The same refusal, said in Vietnamese.
    #[must_use]
    pub fn vi(mut self, sentence: impl Into<String>) -> Self {
        self.vietnamese = Some(sentence.into());
        self
    }
}

macro_rules! string_value {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// A checkpoint's code: upper-case letters, digits and hyphens (`MONG-CAI`, `CANG-HAI-PHONG`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CheckpointCode(String);
string_value!(CheckpointCode);

impl CheckpointCode {
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let s = s.trim();
        let ok = (2..=40).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(InvalidValue::new(
                "checkpoint",
                format!("{s:?} is not a checkpoint code (upper-case letters, digits and hyphens)"),
            ))
        }
    }
}

/// An ICAO 9303 three-letter code of a state or organisation (`VNM`, `UTO`, `D<<` for Germany).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 3]);

impl Country {
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::parse_field("country", s)
    }

    pub fn parse_field(field: &'static str, s: &str) -> Result<Self, InvalidValue> {
        let t = s.trim().to_ascii_uppercase();
        let b = t.as_bytes();
        // Letters first, fillers after: `D<<` is Germany, `<D<` is nothing.
        let letters = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
        if b.len() == 3 && letters >= 1 && b[letters..].iter().all(|&c| c == b'<') {
            Ok(Self([b[0], b[1], b[2]]))
        } else {
            Err(InvalidValue::new(field, format!("{s:?} is not an ICAO three-letter country code"))
                .vi(format!("«{s}» không phải mã quốc gia ba chữ cái (như VNM, CHN)")))
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    pub const VNM: Country = Country(*b"VNM");
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Read back only as valid: stored lists are parsed as strictly as input.
impl<'de> serde::Deserialize<'de> for Country {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Country::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A travel document's number as the MRZ holds it: upper-case letters and digits, at most 20
/// (the long numbers of TD1 cards included).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DocumentNumber(String);
string_value!(DocumentNumber);

impl<'de> serde::Deserialize<'de> for DocumentNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DocumentNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl DocumentNumber {
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        // Readers and people type separators the MRZ does not hold.
        let t: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '<'))
            .collect::<String>()
            .to_ascii_uppercase();
        if (1..=20).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(t))
        } else {
            Err(InvalidValue::new(
                "number",
                format!("{s:?} is not a document number (1 to 20 letters and digits)"),
            ))
        }
    }
}

/// An account's name: 3 to 64 of lower-case letters, digits, `.`, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);
string_value!(Username);

impl Username {
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let t = s.trim().to_lowercase();
        let ok = (3..=64).contains(&t.len())
            && t.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            });
        if ok {
            Ok(Self(t))
        } else {
            Err(InvalidValue::new(
                "username",
                "a username has 3 to 64 letters, digits, '.', '_' or '-'",
            ))
        }
    }
}

macro_rules! word_enum {
    ($name:ident, $field:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            pub fn parse(s: &str) -> Result<Self, $crate::InvalidValue> {
                match s.trim() {
                    $($word => Ok($name::$variant),)+
                    other => Err($crate::InvalidValue::new(
                        $field,
                        format!(
                            "{other:?} is not one of: {}",
                            [$($word),+].join(", ")
                        ),
                    ).vi("Không phải một lựa chọn của ô này")),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "openapi")]
        $crate::schema::string_schema!($name, $crate::schema::words(&[$($word),+]));
    };
}
pub(crate) use word_enum;

word_enum!(Direction, "direction", { Entry => "entry", Exit => "exit" });
word_enum!(Channel, "channel", { Manual => "manual", Barcode => "barcode", Egate => "egate" });
word_enum!(Decision, "decision", { Clear => "clear", Refer => "refer", Deny => "deny" });
// A traveller who was refused did not cross: the record is kept, but it is not a movement and
// never counts in the entry/exit sequence.
word_enum!(CrossingOutcome, "outcome", { Crossed => "crossed", Refused => "refused" });
word_enum!(CheckpointKind, "kind", {
    LandInternational => "land_international",
    LandMain => "land_main",
    LandSecondary => "land_secondary",
    Seaport => "seaport",
    Airport => "airport",
});

impl Decision {
    fn rank(self) -> u8 {
        match self {
            Decision::Clear => 0,
            Decision::Refer => 1,
            Decision::Deny => 2,
        }
    }

    /// The stricter of two decisions.
    pub fn max(self, other: Decision) -> Decision {
        if other.rank() > self.rank() { other } else { self }
    }
}

/// A checkpoint as the reference data describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Checkpoint {
    pub code: CheckpointCode,
    pub name_vi: String,
    pub name_ascii: String,
    pub kind: CheckpointKind,
    pub province: String,
    /// The neighbouring country at a land border.
    pub neighbour: Option<Country>,
    pub counterpart: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_only_when_valid() {
        assert_eq!(CheckpointCode::parse(" MONG-CAI ").unwrap().as_str(), "MONG-CAI");
        assert!(CheckpointCode::parse("mong cai").is_err());
        assert!(CheckpointCode::parse("-X").is_err());
        assert_eq!(Country::parse("d<<").unwrap().as_str(), "D<<");
        assert!(Country::parse("<D<").is_err());
        assert!(Country::parse("VN").is_err());
        assert_eq!(DocumentNumber::parse("c 123-456").unwrap().as_str(), "C123456");
        assert!(DocumentNumber::parse("").is_err());
        assert!(DocumentNumber::parse("Ä1").is_err());
        assert_eq!(Username::parse("Officer.MC").unwrap().as_str(), "officer.mc");
        assert!(Username::parse("a b").is_err());
        assert_eq!(Direction::parse("exit").unwrap(), Direction::Exit);
        let e = Channel::parse("fax").unwrap_err();
        assert_eq!(e.message, "\"fax\" is not one of: manual, barcode, egate");
        assert_eq!(Decision::Refer.max(Decision::Clear), Decision::Refer);
        assert_eq!(Decision::Refer.max(Decision::Deny), Decision::Deny);
    }
}
