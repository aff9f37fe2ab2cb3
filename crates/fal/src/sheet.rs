//! Spreadsheets in: the first row names the columns (in Vietnamese as the portal's templates do,
//! or in English, or by the wire names), each further row is a person. Rows are numbered as the
//! spreadsheet shows them, the header being row 1.

use std::io::{Cursor, Write};
use std::sync::Arc;

use calamine::{DataRef, Reader, Xlsx};

use crate::{Fault, ListKind, PersonInput, Problem, Refused, Row, fold};

/// The most people one list may hold.
pub const MAX_ROWS: usize = 5_000;

/// Headers by column, folded (lower case, no diacritics).
const HEADERS: &[(&str, &[&str])] = &[
    ("family_name", &["family_name", "family name", "ho", "surname", "ho (family name)"]),
    (
        "given_names",
        &["given_names", "given names", "given name", "ten", "first name", "ten dem va ten"],
    ),
    ("rank", &["rank", "rank or rating", "chuc danh", "chuc vu"]),
    ("nationality", &["nationality", "quoc tich"]),
    ("birth_date", &["birth_date", "date of birth", "ngay sinh", "dob"]),
    ("place_of_birth", &["place_of_birth", "place of birth", "noi sinh"]),
    ("sex", &["sex", "gender", "gioi tinh"]),
    ("document_type", &["document_type", "type of identity document", "loai giay to"]),
    (
        "document_number",
        &[
            "document_number",
            "number of identity document",
            "document number",
            "passport number",
            "so giay to",
            "so ho chieu",
        ],
    ),
    (
        "document_issuing_state",
        &[
            "document_issuing_state",
            "issuing state of identity document",
            "issuing state",
            "quoc gia cap",
            "noi cap",
        ],
    ),
    (
        "document_expiry",
        &[
            "document_expiry",
            "expiry date of identity document",
            "expiry date",
            "ngay het han",
            "han giay to",
        ],
    ),
    ("shore_leave", &["shore_leave", "shore leave", "di bo"]),
    ("transit", &["transit", "qua canh"]),
    ("visa_number", &["visa_number", "visa number", "so thi thuc"]),
];

/// Columns a template may carry that hold nothing to check.
const IGNORED: &[&str] = &["stt", "no", "no.", "#", "ghi chu", "remarks", "note"];

const REQUIRED: &[&str] = &[
    "family_name",
    "nationality",
    "birth_date",
    "sex",
    "document_number",
    "document_issuing_state",
    "document_expiry",
];

/// Reads a CSV list (UTF-8, comma or semicolon separated).
pub fn read_csv(kind: ListKind, bytes: &[u8]) -> Result<Vec<Row>, Refused> {
    let whole = |fault: Fault| Refused(vec![Problem::new(kind, 1, "file", fault)]);
    let text =
        std::str::from_utf8(bytes).map_err(|e| whole(Fault::NotUtf8 { byte: e.valid_up_to() }))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    let delimiter =
        if first_line.matches(';').count() > first_line.matches(',').count() { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record
            .map_err(|e| whole(Fault::UnreadableLine { line: i + 1, detail: e.to_string() }))?;
        grid.push(record.iter().map(str::to_string).collect::<Vec<_>>());
        if grid.len() > MAX_ROWS + 1 {
            return Err(whole(Fault::TooManyPeople { max: MAX_ROWS }));
        }
    }
    rows(kind, grid, |_, header| header.to_string())
}

/// Columns a list may use; cells beyond are refused.
const MAX_COLUMNS: usize = 64;

/// Reads the first sheet of an XLSX workbook. Cells are read one by one, never as the dense
/// rectangle the sheet declares: a few hundred bytes naming cell `XFD1048576` must not make
/// this allocate gigabytes. A workbook the reader cannot take apart is refused, also when the
/// reader itself gives up with a panic.
pub fn read_xlsx(kind: ListKind, bytes: &[u8]) -> Result<Vec<Row>, Refused> {
    let whole = |fault: Fault| Refused(vec![Problem::new(kind, 1, "file", fault)]);
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| xlsx_grid(kind, bytes))) {
        Ok(Ok(grid)) => rows(kind, grid, |j, header| format!("{} ({header})", column_letters(j))),
        Ok(Err(refused)) => Err(refused),
        Err(_) => Err(whole(Fault::NotWorkbook { detail: None })),
    }
}

fn xlsx_grid(kind: ListKind, bytes: &[u8]) -> Result<Vec<Vec<String>>, Refused> {
    let whole = |fault: Fault| Refused(vec![Problem::new(kind, 1, "file", fault)]);
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e: calamine::XlsxError| {
            whole(Fault::NotWorkbook { detail: Some(e.to_string()) })
        })?;
    let name = book.sheet_names().first().cloned().ok_or_else(|| whole(Fault::NoSheet))?;
    let mut reader = book
        .worksheet_cells_reader(&name)
        .map_err(|e| whole(Fault::SheetUnreadable { detail: e.to_string() }))?;
    let mut grid: Vec<Vec<String>> = Vec::new();
    let mut problems = Vec::new();
    while let Some(cell) =
        reader.next_cell().map_err(|e| whole(Fault::SheetUnreadable { detail: e.to_string() }))?
    {
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::String(s) => s.clone(),
            DataRef::SharedString(s) => (*s).to_string(),
            DataRef::Int(n) => n.to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            DataRef::Float(f) => f.to_string(),
            DataRef::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            DataRef::DateTime(dt) => {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                format!("{y:04}-{m:02}-{d:02}")
            }
            DataRef::DateTimeIso(s) => s.chars().take(10).collect(),
            DataRef::DurationIso(s) => s.clone(),
            DataRef::Error(e) => {
                problems.push(Problem::new(
                    kind,
                    r + 1,
                    column_letters(c),
                    Fault::CellError { detail: e.to_string() },
                ));
                continue;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        if r > MAX_ROWS + 1 {
            return Err(whole(Fault::TooManyPeople { max: MAX_ROWS }));
        }
        if c >= MAX_COLUMNS {
            return Err(whole(Fault::TooManyColumns {
                cell: format!("{}{}", column_letters(c), r + 1),
                max: MAX_COLUMNS,
            }));
        }
        if grid.len() <= r {
            grid.resize_with(r + 1, Vec::new);
        }
        let line = &mut grid[r];
        if line.len() <= c {
            line.resize(c + 1, String::new());
        }
        line[c] = text;
    }
    if problems.is_empty() { Ok(grid) } else { Err(Refused(problems)) }
}

/// `A`, …, `Z`, `AA`, … for a column index from 0.
fn column_letters(mut j: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (j % 26) as u8);
        if j < 26 {
            break;
        }
        j = j / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The header row maps columns; each further non-blank row becomes a person.
fn rows(
    kind: ListKind,
    grid: Vec<Vec<String>>,
    label: impl Fn(usize, &str) -> String,
) -> Result<Vec<Row>, Refused> {
    let mut problems = Vec::new();
    let mut lines =
        grid.into_iter().enumerate().skip_while(|(_, r)| r.iter().all(|c| c.trim().is_empty()));
    let Some((header_at, header)) = lines.next() else {
        return Err(Refused(vec![Problem::new(kind, 1, "file", Fault::EmptyFile)]));
    };
    let header_row = header_at + 1;
    // `None` for a column without a header; `Some(None)` for one whose values are not checked.
    let mut columns: Vec<Option<Option<&'static str>>> = Vec::with_capacity(header.len());
    let mut labels = Vec::new();
    for (j, h) in header.iter().enumerate() {
        let f = fold(h);
        let column = HEADERS.iter().find(|(_, names)| names.contains(&f.as_str())).map(|(c, _)| *c);
        match column {
            Some(c) if labels.iter().any(|(k, _): &(String, String)| k == c) => {
                problems.push(Problem::new(
                    kind,
                    header_row,
                    label(j, h.trim()),
                    Fault::SecondColumn { name: c.to_string() },
                ));
            }
            Some(c) => labels.push((c.to_string(), label(j, h.trim()))),
            None if f.is_empty() || IGNORED.contains(&f.as_str()) => {}
            None => problems.push(Problem::new(
                kind,
                header_row,
                label(j, h.trim()),
                Fault::UnknownColumn { header: h.trim().to_string() },
            )),
        }
        columns.push(if f.is_empty() { None } else { Some(column) });
    }
    let mut required: Vec<&str> = REQUIRED.to_vec();
    required.push(match kind {
        ListKind::Crew => "rank",
        ListKind::Passengers => "transit",
    });
    for c in required {
        if !columns.contains(&Some(Some(c))) {
            problems.push(Problem::new(
                kind,
                header_row,
                c,
                Fault::MissingColumn { name: c.to_string() },
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Refused(problems));
    }
    let labels: Arc<[(String, String)]> = labels.into();
    let mut out = Vec::new();
    for (i, cells) in lines {
        let mut input = PersonInput::default();
        for (j, value) in cells.into_iter().enumerate() {
            match columns.get(j) {
                Some(Some(Some(c))) => input.set(c, value),
                Some(Some(None)) => {}
                _ if value.trim().is_empty() => {}
                _ => problems.push(Problem::new(
                    kind,
                    i + 1,
                    label(j, &format!("column {}", j + 1)),
                    Fault::ValueWithoutHeader,
                )),
            }
        }
        if !input.is_blank() {
            out.push(Row { row: i + 1, labels: labels.clone(), input });
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(Refused(problems)) }
}

/// A workbook of one sheet with these rows, as text cells; a cell written `serial:N` is a date
/// cell holding Excel's serial day `N`. Enough for templates, tests and benchmarks.
pub fn write_xlsx<S: AsRef<str>>(rows: &[Vec<S>]) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (i, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, i + 1));
        for (j, v) in row.iter().map(AsRef::as_ref).enumerate() {
            let r = format!("{}{}", column_letters(j), i + 1);
            if let Some(serial) = v.strip_prefix("serial:") {
                sheet.push_str(&format!(r#"<c r="{r}" s="1"><v>{serial}</v></c>"#));
            } else {
                sheet.push_str(&format!(
                    r#"<c r="{r}" t="inlineStr"><is><t>{}</t></is></c>"#,
                    xml_escape(v)
                ));
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let files = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Crew" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_string()),
        ("xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#.to_string()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in files {
        // Writing to memory fails only when memory does.
        if zip.start_file(name, options).is_err() || zip.write_all(body.as_bytes()).is_err() {
            return Vec::new();
        }
    }
    if zip.finish().is_err() {
        return Vec::new();
    }
    out.into_inner()
}

/// Text as XML character data.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use time::macros::date;

    use super::*;
    use crate::{DateStyle, check_list};

    const CREW_CSV: &str = "STT,Họ,Tên,Chức danh,Quốc tịch,Ngày sinh,Giới tính,Loại giấy tờ,Số giấy tờ,Quốc gia cấp,Ngày hết hạn,Đi bờ\n\
        1,IVANOV,PETR,Thuyền trưởng,RUS,01/03/1970,M,seafarer_book,RUS1234567,RUS,01/01/2030,0\n\
        2,SANTOS,JOSE,Cook,Philippines,15/12/1988,M,passport,P1234567A,PHL,31/05/2029,1\n";

    #[test]
    fn a_portal_csv_reads_into_people() {
        let rows = read_csv(ListKind::Crew, CREW_CSV.as_bytes()).unwrap();
        assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3]);
        let people =
            check_list(ListKind::Crew, &rows, DateStyle::DayMonthYear, date!(2026 - 11 - 25))
                .unwrap();
        assert_eq!(people[1].birth_date, date!(1988 - 12 - 15));
        assert!(people[1].shore_leave);
    }

    #[test]
    fn csv_problems_name_the_row_and_the_header() {
        let bad = CREW_CSV.replace("15/12/1988", "1988-13-15").replace("SANTOS", "Santos");
        let rows = read_csv(ListKind::Crew, bad.as_bytes()).unwrap();
        let Err(Refused(ps)) =
            check_list(ListKind::Crew, &rows, DateStyle::DayMonthYear, date!(2026 - 11 - 25))
        else {
            panic!("accepted")
        };
        let at: Vec<(usize, &str)> = ps.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert_eq!(at, [(3, "Họ"), (3, "Ngày sinh")]);
        let missing = read_csv(ListKind::Crew, "Họ,Tên\nA,B\n".as_bytes()).unwrap_err();
        assert!(missing.0.iter().any(|p| p.message == "the birth_date column is missing"));
        let odd = read_csv(ListKind::Crew, "Họ,Shoe size\n".as_bytes()).unwrap_err();
        assert!(odd.0.iter().any(|p| p.column == "Shoe size"));
        assert!(read_csv(ListKind::Crew, b"\xff\xfe").is_err());
        assert!(read_csv(ListKind::Crew, b"").is_err());
    }

    #[test]
    fn semicolons_are_taken_too() {
        let rows = read_csv(ListKind::Crew, CREW_CSV.replace(',', ";").as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn column_letters_run_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27 * 26), "AAA");
    }

    #[test]
    fn hostile_workbooks_are_refused_not_fatal() {
        // Found by fuzzing: a cell reference whose column overflows the reader's arithmetic.
        let overflow = include_bytes!("../tests/data/cell-reference-overflow.xlsx");
        for kind in [ListKind::Crew, ListKind::Passengers] {
            assert!(read_xlsx(kind, overflow).is_err());
        }
        let wide: Vec<Vec<String>> = vec![(0..70).map(|j| format!("c{j}")).collect()];
        let refused = read_xlsx(ListKind::Crew, &write_xlsx(&wide)).unwrap_err();
        assert!(refused.0[0].message.contains("at most 64 columns"), "{refused:?}");
    }

    #[test]
    fn an_xlsx_list_reads_with_real_dates_and_letters() {
        let header = vec![
            "Họ",
            "Tên",
            "Chức danh",
            "Quốc tịch",
            "Ngày sinh",
            "Giới tính",
            "Số giấy tờ",
            "Quốc gia cấp",
            "Ngày hết hạn",
            "Đi bờ",
        ];
        // 25569 is 1970-01-01 in Excel's 1900 system.
        let master = vec![
            "IVANOV",
            "PETR",
            "Thuyền trưởng",
            "RUS",
            "serial:25569",
            "M",
            "RUS1234567",
            "RUS",
            "01/01/2030",
            "0",
        ];
        let cook = vec![
            "SANTOS",
            "JOSE",
            "Cook",
            "PHL",
            "31/02/1988",
            "M",
            "P1234567A",
            "PHL",
            "01/01/2030",
            "1",
        ];
        let book = write_xlsx(&[header.clone(), master.clone()]);
        let rows = read_xlsx(ListKind::Crew, &book).unwrap();
        let people =
            check_list(ListKind::Crew, &rows, DateStyle::DayMonthYear, date!(2026 - 11 - 25))
                .unwrap();
        assert_eq!(people[0].birth_date, date!(1970 - 01 - 01));
        let book = write_xlsx(&[header, master, cook]);
        let rows = read_xlsx(ListKind::Crew, &book).unwrap();
        let Err(Refused(ps)) =
            check_list(ListKind::Crew, &rows, DateStyle::DayMonthYear, date!(2026 - 11 - 25))
        else {
            panic!("accepted")
        };
        assert_eq!((ps[0].row, ps[0].column.as_str()), (3, "E (Ngày sinh)"));
        assert!(read_xlsx(ListKind::Crew, b"PK\x03\x04 not really").is_err());
        assert!(read_xlsx(ListKind::Crew, CREW_CSV.as_bytes()).is_err());
    }
}
