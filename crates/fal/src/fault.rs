//! What is wrong with a list or one of its cells, in words for the sender: English on the wire
//! and in logs, Vietnamese on the portal's pages. A fault keeps its particulars so that either
//! language can say it in full.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DateStyle;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Fault {
    NotUtf8 { byte: usize },
    UnreadableLine { line: usize, detail: String },
    TooManyPeople { max: usize },
    NotWorkbook { detail: Option<String> },
    NoSheet,
    SheetUnreadable { detail: String },
    CellError { detail: String },
    TooManyColumns { cell: String, max: usize },
    EmptyFile,
    SecondColumn { name: String },
    UnknownColumn { header: String },
    MissingColumn { name: String },
    ValueWithoutHeader,
    NoMaster,
    MasterNotFirst,
    MissingFamilyName,
    MissingRank,
    Missing,
    MissingSex,
    UnknownCountry { value: String },
    BirthInFuture { date: String },
    NotSex { value: String },
    NotDocumentType { value: String },
    BadDocumentNumber { detail: String },
    NotZeroOne { value: String },
    TransitForCrew,
    ShoreLeaveForPassenger,
    NameTooLong,
    NameNotAscii { value: String, suggestion: String },
    NotDate { value: String, style: DateStyle },
    NotRealDate { value: String },
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Fault::*;
        match self {
            NotUtf8 { byte } => write!(f, "the file is not UTF-8 text (byte {byte})"),
            UnreadableLine { line, detail } => write!(f, "row {line}: {detail}"),
            TooManyPeople { max } => write!(f, "more than {max} people in one list"),
            NotWorkbook { detail: None } => f.write_str("not a readable XLSX workbook"),
            NotWorkbook { detail: Some(d) } => write!(f, "not a readable XLSX workbook: {d}"),
            NoSheet => f.write_str("the workbook has no sheet"),
            SheetUnreadable { detail } => write!(f, "the first sheet cannot be read: {detail}"),
            CellError { detail } => write!(f, "the cell holds a spreadsheet error ({detail})"),
            TooManyColumns { cell, max } => {
                write!(f, "a value in cell {cell}: a list has at most {max} columns")
            }
            EmptyFile => {
                f.write_str("the file is empty: a header row and a row per person are expected")
            }
            SecondColumn { name } => write!(f, "a second {name} column"),
            UnknownColumn { header } => write!(f, "{header:?} is not a column of the list"),
            MissingColumn { name } => write!(f, "the {name} column is missing"),
            ValueWithoutHeader => f.write_str("a value in a column without a header"),
            NoMaster => f.write_str("a crew list has at least the master"),
            MasterNotFirst => {
                f.write_str("the master comes first, with the rank Thuyền trưởng (Master)")
            }
            MissingFamilyName => f.write_str("the family name is missing"),
            MissingRank => f.write_str("a crew member's rank or rating is missing"),
            Missing => f.write_str("missing"),
            MissingSex => f.write_str("missing (M or F)"),
            UnknownCountry { value } => {
                write!(f, "{value:?} is neither an ICAO country code nor a country we know")
            }
            BirthInFuture { date } => write!(f, "{date} is in the future"),
            NotSex { value } => write!(f, "{value:?} is not M or F"),
            NotDocumentType { value } => write!(
                f,
                "{value:?} is not a document type (passport, seafarer_book, id_card, other)"
            ),
            BadDocumentNumber { detail } => f.write_str(detail),
            NotZeroOne { value } => write!(f, "{value:?} is not 0 or 1"),
            TransitForCrew => f.write_str("transit is for passengers; crew ask for shore leave"),
            ShoreLeaveForPassenger => f.write_str("shore leave is for crew"),
            NameTooLong => f.write_str("longer than 80 characters"),
            NameNotAscii { value, suggestion } => write!(
                f,
                "{value:?}: names are written in upper-case A-Z and 0-9 without diacritics \
                 ({suggestion:?})"
            ),
            NotDate { value, style: DateStyle::Iso } => {
                write!(f, "{value:?} is not a date (YYYY-MM-DD)")
            }
            NotDate { value, style: DateStyle::DayMonthYear } => {
                write!(f, "{value:?} is not a date (dd/mm/yyyy)")
            }
            NotRealDate { value } => write!(f, "{value:?} is not a real date"),
        }
    }
}

impl Fault {
    /// The same, in Vietnamese, as the portal's pages say it.
    pub fn vietnamese(&self) -> String {
        use Fault::*;
        match self {
            NotUtf8 { byte } => format!("tệp không phải văn bản UTF-8 (byte {byte})"),
            UnreadableLine { line, detail } => format!("dòng {line} không đọc được ({detail})"),
            TooManyPeople { max } => format!("một danh sách có tối đa {max} người"),
            NotWorkbook { .. } => "không phải tệp Excel (XLSX) đọc được".into(),
            NoSheet => "tệp Excel không có trang tính nào".into(),
            SheetUnreadable { detail } => format!("không đọc được trang tính đầu ({detail})"),
            CellError { detail } => format!("ô chứa lỗi của bảng tính ({detail})"),
            TooManyColumns { cell, max } => {
                format!("ô {cell} có giá trị: danh sách có tối đa {max} cột")
            }
            EmptyFile => "tệp trống: cần một dòng tiêu đề và mỗi người một dòng".into(),
            SecondColumn { name } => format!("cột {name} bị lặp"),
            UnknownColumn { header } => format!("\"{header}\" không phải cột của danh sách"),
            MissingColumn { name } => format!("thiếu cột {name}"),
            ValueWithoutHeader => "có giá trị trong cột không có tiêu đề".into(),
            NoMaster => "danh sách thuyền viên phải có ít nhất thuyền trưởng".into(),
            MasterNotFirst => "thuyền trưởng phải ở dòng đầu, chức danh Thuyền trưởng".into(),
            MissingFamilyName => "thiếu họ".into(),
            MissingRank => "thiếu chức danh của thuyền viên".into(),
            Missing => "còn trống".into(),
            MissingSex => "còn trống (M hoặc F)".into(),
            UnknownCountry { value } => {
                format!("\"{value}\" không phải mã quốc gia ICAO hay tên nước đã biết")
            }
            BirthInFuture { date } => format!("ngày sinh {date} ở tương lai"),
            NotSex { value } => format!("\"{value}\" không phải M hoặc F"),
            NotDocumentType { value } => format!(
                "\"{value}\" không phải loại giấy tờ (passport, seafarer_book, id_card, other)"
            ),
            BadDocumentNumber { detail } => format!("số giấy tờ không hợp lệ ({detail})"),
            NotZeroOne { value } => format!("\"{value}\" không phải 0 hoặc 1"),
            TransitForCrew => "quá cảnh chỉ dành cho hành khách; thuyền viên xin đi bờ".into(),
            ShoreLeaveForPassenger => "đi bờ chỉ dành cho thuyền viên".into(),
            NameTooLong => "dài quá 80 ký tự".into(),
            NameNotAscii { value, suggestion } => format!(
                "\"{value}\": họ tên viết chữ in hoa A-Z, số 0-9, không dấu (\"{suggestion}\")"
            ),
            NotDate { value, style: DateStyle::Iso } => {
                format!("\"{value}\" không phải ngày (YYYY-MM-DD)")
            }
            NotDate { value, style: DateStyle::DayMonthYear } => {
                format!("\"{value}\" không phải ngày (dd/mm/yyyy)")
            }
            NotRealDate { value } => format!("\"{value}\" không phải ngày có thật"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ListKind, Problem};

    #[test]
    fn a_problem_travels_as_json_with_its_code_and_comes_back_whole() {
        let p = Problem::new(
            ListKind::Crew,
            4,
            "F (Ngày sinh)",
            Fault::NotRealDate { value: "30/02/1990".into() },
        );
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "list": "crew", "row": 4, "column": "F (Ngày sinh)", "code": "not_real_date",
                "value": "30/02/1990", "message": "\"30/02/1990\" is not a real date",
            })
        );
        assert_eq!(serde_json::from_value::<Problem>(v).unwrap(), p);
        assert_eq!(p.fault.vietnamese(), "\"30/02/1990\" không phải ngày có thật");
        let style =
            Fault::NotDate { value: "1/1/80".into(), style: crate::DateStyle::DayMonthYear };
        let back: Fault = serde_json::from_value(serde_json::to_value(&style).unwrap()).unwrap();
        assert_eq!(back, style);
    }
}
