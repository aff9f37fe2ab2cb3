//! A travel document as the control sees it, however it was read.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::values::{Country, DocumentNumber, InvalidValue, word_enum};

word_enum!(DocumentType, "type", {
    Passport => "passport",
    IdCard => "id_card",
    BorderPass => "border_pass",
    Visa => "visa",
});
word_enum!(Sex, "sex", { Male => "M", Female => "F", Unspecified => "X" });

/// A document's fields, checked: what the rules and the store work with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TravelDocument {
    #[serde(rename = "type")]
    pub doc_type: DocumentType,
    pub number: DocumentNumber,
    pub issuing_state: Country,
    /// Upper case as the document prints it; may be empty for a one-name holder's given names.
    pub surname: String,
    pub given_names: String,
    pub nationality: Option<Country>,
    #[serde(with = "opt_date")]
    pub birth_date: Option<Date>,
    pub sex: Option<Sex>,
    #[serde(with = "opt_date")]
    pub expiry_date: Option<Date>,
    /// For a border pass: the border province that issued it, where it alone is valid.
    pub issuing_area: Option<String>,
}

impl TravelDocument {
    /// The holder's name as one line, family name first.
    pub fn full_name(&self) -> String {
        if self.given_names.is_empty() {
            self.surname.clone()
        } else {
            format!("{} {}", self.surname, self.given_names)
        }
    }
}

/// A document's fields as typed at a desk or sent by a device, before they are checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentInput {
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
    pub number: Option<String>,
    pub issuing_state: Option<String>,
    pub surname: Option<String>,
    pub given_names: Option<String>,
    pub nationality: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub expiry_date: Option<String>,
    pub issuing_area: Option<String>,
}

use crate::bounds::parse_date;

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn name_part(field: &'static str, s: Option<&str>) -> Result<String, InvalidValue> {
    Ok(crate::bounds::clean_line(field, s.unwrap_or(""), 100)?.to_uppercase())
}

impl DocumentInput {
    /// Every field checked; the first problem is the answer.
    pub fn validate(&self) -> Result<TravelDocument, InvalidValue> {
        let doc_type = DocumentType::parse(blank(&self.doc_type).ok_or_else(|| {
            InvalidValue::new("type", "is required").vi("Chưa chọn loại giấy tờ")
        })?)?;
        let number = DocumentNumber::parse(blank(&self.number).ok_or_else(|| {
            InvalidValue::new("number", "is required").vi("Chưa điền số giấy tờ")
        })?)?;
        let issuing_state = Country::parse_field(
            "issuing_state",
            blank(&self.issuing_state).ok_or_else(|| {
                InvalidValue::new("issuing_state", "is required").vi("Chưa điền nước cấp")
            })?,
        )?;
        let surname = name_part("surname", blank(&self.surname))?;
        if surname.is_empty() {
            return Err(InvalidValue::new("surname", "is required").vi("Chưa điền họ"));
        }
        let given_names = name_part("given_names", blank(&self.given_names))?;
        let nationality =
            blank(&self.nationality).map(|s| Country::parse_field("nationality", s)).transpose()?;
        let birth_date =
            blank(&self.birth_date).map(|s| parse_date("birth_date", s)).transpose()?;
        let sex = blank(&self.sex).map(|s| Sex::parse(&s.to_ascii_uppercase())).transpose()?;
        let expiry_date =
            blank(&self.expiry_date).map(|s| parse_date("expiry_date", s)).transpose()?;
        let issuing_area = blank(&self.issuing_area)
            .map(|a| crate::bounds::clean_line("issuing_area", a, 100))
            .transpose()?;
        Ok(TravelDocument {
            doc_type,
            number,
            issuing_state,
            surname,
            given_names,
            nationality,
            birth_date,
            sex,
            expiry_date,
            issuing_area,
        })
    }
}

pub(crate) mod opt_date {
    use serde::Serializer;
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&format!(
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            )),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DocumentInput {
        DocumentInput {
            doc_type: Some("passport".into()),
            number: Some("L898902C3".into()),
            issuing_state: Some("UTO".into()),
            surname: Some("Eriksson".into()),
            given_names: Some(" Anna  Maria ".into()),
            nationality: Some("UTO".into()),
            birth_date: Some("1974-08-12".into()),
            sex: Some("f".into()),
            expiry_date: Some("2012-04-15".into()),
            issuing_area: None,
        }
    }

    #[test]
    fn typed_fields_become_a_document() {
        let d = input().validate().unwrap();
        assert_eq!(d.full_name(), "ERIKSSON ANNA MARIA");
        assert_eq!(d.sex, Some(Sex::Female));
        assert_eq!(d.birth_date, Some(time::macros::date!(1974 - 08 - 12)));
    }

    #[test]
    fn each_bad_field_is_named() {
        type Spoil = fn(&mut DocumentInput);
        let cases: [(Spoil, &str); 6] = [
            (|i| i.doc_type = Some("card".into()), "type"),
            (|i| i.number = None, "number"),
            (|i| i.issuing_state = Some("U".into()), "issuing_state"),
            (|i| i.surname = Some(" ".into()), "surname"),
            (|i| i.birth_date = Some("12/08/1974".into()), "birth_date"),
            (|i| i.sex = Some("W".into()), "sex"),
        ];
        for (spoil, field) in cases {
            let mut i = input();
            spoil(&mut i);
            assert_eq!(i.validate().unwrap_err().field, field);
        }
    }
}
