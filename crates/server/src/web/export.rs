//! Lists as files people open in a spreadsheet: CSV (UTF-8 with a byte-order mark, so that
//! Excel shows Vietnamese as written) and XLSX (a bold, frozen header row and fitted columns).
//! Every exporting page builds a [`Sheet`] from what it shows, with the same words.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The most rows a file holds: an export is a working list, not a copy of the database.
pub const MAX_ROWS: usize = 100_000;

/// The rows [`Sheet::fill`] asks for at a time.
pub const FILL_BATCH: u32 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format a page's `format` parameter asks for; `None` for the page itself.
    pub fn asked(v: Option<&str>) -> Option<Format> {
        match v.map(str::trim) {
            Some("csv") => Some(Format::Csv),
            Some("xlsx") => Some(Format::Xlsx),
            _ => None,
        }
    }
}

/// A cell: text, or a number a spreadsheet can add up.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n as f64)
    }
}

/// A list as a table: the file's name (ASCII, without extension), its header and its rows.
#[derive(Debug)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(name: impl Into<String>, header: Vec<&'static str>) -> Self {
        Sheet { name: name.into(), header, rows: Vec::new() }
    }

    /// Adds a row; past [`MAX_ROWS`] it is dropped and `false` says so.
    pub fn push(&mut self, row: Vec<Cell>) -> bool {
        if self.rows.len() >= MAX_ROWS {
            return false;
        }
        self.rows.push(row);
        true
    }

    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        w.write_record(&self.header)?;
        for row in &self.rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => defused(s),
                Cell::Number(n) => n.to_string(),
            }))?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    pub fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format as Look, Workbook};
        let mut book = Workbook::new();
        let bold = Look::new().set_bold();
        let sheet = book.add_worksheet();
        for (j, h) in self.header.iter().enumerate() {
            sheet.write_string_with_format(0, col(j), *h, &bold)?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for (j, c) in row.iter().enumerate() {
                match c {
                    // Written as strings, never as formulas, whatever they begin with.
                    Cell::Text(s) => sheet.write_string(r, col(j), s)?,
                    Cell::Number(n) => sheet.write_number(r, col(j), *n)?,
                };
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
        book.save_to_buffer()
    }

    /// Adds rows a batch at a time, `fetch(offset)` answering the batch from there, until a
    /// batch comes back short or the sheet is full: a list too long for one read.
    pub async fn fill<E, F, Fut>(&mut self, mut fetch: F) -> Result<(), E>
    where
        F: FnMut(u64) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Vec<Cell>>, E>>,
    {
        let mut offset = 0u64;
        loop {
            let rows = fetch(offset).await?;
            let n = rows.len();
            for row in rows {
                if !self.push(row) {
                    return Ok(());
                }
            }
            if n < FILL_BATCH as usize {
                return Ok(());
            }
            offset += n as u64;
        }
    }

    /// The file as an answer that downloads.
    pub fn respond(&self, format: Format) -> Response {
        let (bytes, kind, ext) = match format {
            Format::Csv => {
                (self.csv().map_err(|e| e.to_string()), "text/csv; charset=utf-8", "csv")
            }
            Format::Xlsx => (
                self.xlsx().map_err(|e| e.to_string()),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
        };
        match bytes {
            Ok(bytes) => (
                [
                    (header::CONTENT_TYPE, kind.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}.{ext}\"", self.name),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, sheet = %self.name, "writing an export");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

fn col(j: usize) -> u16 {
    u16::try_from(j).unwrap_or(u16::MAX)
}

/// A text cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, a tab or a
/// carriage return first) is written with a leading apostrophe, so that opening an export of
/// outside data never runs it.
fn defused(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sheet {
        let mut s = Sheet::new("danh-sach", vec!["Họ tên", "Số lượt"]);
        s.push(vec!["Nguyễn Văn Đức".into(), 3i64.into()]);
        s.push(vec!["=HYPERLINK(\"x\")".into(), Cell::Number(1.5)]);
        s
    }

    #[test]
    fn csv_is_utf8_with_a_bom_and_formulas_are_defused() {
        let bytes = sample().csv().unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "Họ tên,Số lượt\nNguyễn Văn Đức,3\n\"'=HYPERLINK(\"\"x\"\")\",1.5\n");
    }

    #[test]
    fn xlsx_reads_back_with_its_text_and_numbers() {
        use calamine::{Reader, Xlsx};
        let bytes = sample().xlsx().unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<String>> =
            range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(rows[0], ["Họ tên", "Số lượt"]);
        assert_eq!(rows[1], ["Nguyễn Văn Đức", "3"]);
        assert_eq!(rows[2], ["=HYPERLINK(\"x\")", "1.5"]);
    }

    #[tokio::test]
    async fn fill_reads_batch_after_batch_until_a_short_one_or_the_cap() {
        let mut asked = Vec::new();
        let mut s = Sheet::new("x", vec!["n"]);
        let total = 2 * FILL_BATCH as u64 + 3;
        s.fill(|offset| {
            asked.push(offset);
            let n = (total - offset).min(u64::from(FILL_BATCH));
            async move {
                Ok::<_, ()>((0..n).map(|i| vec![Cell::Number((offset + i) as f64)]).collect())
            }
        })
        .await
        .unwrap();
        assert_eq!(asked, [0, 5_000, 10_000]);
        assert_eq!(s.rows.len() as u64, total);
        assert_eq!(s.rows.last(), Some(&vec![Cell::Number((total - 1) as f64)]));

        let mut endless = Sheet::new("x", vec!["n"]);
        let full = endless.fill(|_| async {
            Ok::<_, ()>((0..FILL_BATCH).map(|_| vec![Cell::Number(1.0)]).collect())
        });
        full.await.unwrap();
        assert_eq!(endless.rows.len(), MAX_ROWS);
    }

    #[test]
    fn rows_stop_at_the_cap() {
        let mut s = Sheet::new("x", vec!["a"]);
        for _ in 0..MAX_ROWS {
            assert!(s.push(vec!["1".into()]));
        }
        assert!(!s.push(vec!["1".into()]));
        assert_eq!(s.rows.len(), MAX_ROWS);
    }
}
