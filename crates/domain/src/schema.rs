//! The wire shapes of the domain's values, for the API's description (feature `openapi`). The
//! values serialise as plain strings; these say which strings.

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, SchemaFormat};

/// A string of one of these words.
pub fn words(words: &[&str]) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(words.iter().copied())).into()
}

/// A string matching `pattern`, described.
pub fn text(pattern: &str, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .into()
}

/// A calendar date, `YYYY-MM-DD`.
pub fn date() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date)))
        .into()
}

/// Implements `ToSchema` for a value that serialises as a string.
macro_rules! string_schema {
    ($name:ty, $schema:expr) => {
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $schema
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use string_schema;

string_schema!(
    crate::CheckpointCode,
    text("^[A-Z0-9][A-Z0-9-]{0,38}[A-Z0-9]$", "a checkpoint's code, such as MONG-CAI")
);
string_schema!(
    crate::Country,
    text("^[A-Z][A-Z<]{2}$", "an ICAO 9303 three-letter code of a state, such as VNM or D<<")
);
string_schema!(
    crate::DocumentNumber,
    text("^[A-Z0-9]{1,20}$", "a document number in upper-case letters and digits")
);
string_schema!(
    crate::Username,
    text("^[a-z0-9._-]{3,64}$", "a user name: 3 to 64 letters, digits, '.', '_' or '-'")
);
string_schema!(
    crate::port::TaxCode,
    text("^[0-9]{10}(-[0-9]{3})?$", "a Vietnamese tax code, 10 digits or 13 for a branch")
);
string_schema!(
    crate::port::ImoNumber,
    text("^[0-9]{7}$", "an IMO ship identification number, seven digits with its check digit")
);
string_schema!(crate::port::UnLocode, text("^[A-Z]{2}[A-Z2-9]{3}$", "a UN/LOCODE, such as VNHPH"));
string_schema!(crate::port::CallSign, text("^[A-Z0-9]{3,9}$", "a radio call sign"));
string_schema!(
    crate::permit::PermitKind,
    words(&["shore_pass", "embarkation", "alongside", "border_pass"])
);

/// A calendar date as the API takes it: `YYYY-MM-DD`, from 1900 to 2199.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Describes what the parsers in `crate::bounds` take.
#[schema(value_type = String, format = Date, pattern = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]
pub struct Day(String);

/// A moment as the API takes it: RFC 3339 with its offset, from 1900 to 2199.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Describes what the parsers in `crate::bounds` take.
#[schema(
    value_type = String,
    format = DateTime,
    pattern = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)]
pub struct Instant(String);
