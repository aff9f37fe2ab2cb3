//! The printable permit card: A6, Vietnamese and English, the holder's particulars beside a
//! photo box, the validity, and the barcode drawn as vectors so that it prints sharp at any
//! size. A crew's cards come as one document, a page each.

use printpdf::Color;
use printpdf::Mm;
use printpdf::Op;
use printpdf::ParsedFont;
use printpdf::PdfDocument;
use printpdf::PdfFontHandle;
use printpdf::PdfPage;
use printpdf::PdfSaveOptions;
use printpdf::Point;
use printpdf::Pt;
use printpdf::Rect;
use printpdf::Rgb;
use printpdf::TextItem;
use seal::barcode;
use seal::barcode::Symbology;
use std::sync::OnceLock;
use store::permit::PermitRecord;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular-vi.ttf");

const BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold-vi.ttf");

/// A6 portrait, in millimetres.
const WIDTH: f32 = 105.0;

const HEIGHT: f32 = 148.0;

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("the card's font cannot be read")]
    Font,
    #[error("the barcode: {0}")]
    Barcode(#[from] barcode::BarcodeError),
}

fn fonts() -> Result<&'static (ParsedFont, ParsedFont), CardError> {
    static FONTS: OnceLock<Option<(ParsedFont, ParsedFont)>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let regular = ParsedFont::from_bytes(REGULAR, 0, &mut Vec::new())?;
            let bold = ParsedFont::from_bytes(BOLD, 0, &mut Vec::new())?;
            Some((regular, bold))
        })
        .as_ref()
        .ok_or(CardError::Font)
}

/// What a card shows besides the permit itself.
#[derive(Debug, Clone)]
pub struct CardContext {
    /// The checkpoint's name in Vietnamese.
    pub checkpoint_name: String,
}

fn dmy(d: time::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb { r, g, b, icc_profile: None })
}

/// A filled rectangle, in millimetres from the lower left corner.
fn rect(x: f32, y: f32, w: f32, h: f32) -> Rect {
    Rect {
        mode: Some(printpdf::PaintMode::Fill),
        ..Rect::from_xywh(Mm(x).into_pt(), Mm(y).into_pt(), Mm(w).into_pt(), Mm(h).into_pt())
    }
}

struct Page {
    ops: Vec<Op>,
    regular: PdfFontHandle,
    bold: PdfFontHandle,
}

impl Page {
    /// Text with its baseline at `y` millimetres from the bottom.
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let font = if bold { self.bold.clone() } else { self.regular.clone() };
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont { font, size: Pt(size) },
            Op::SetTextCursor { pos: Point::new(Mm(x), Mm(y)) },
            Op::ShowText { items: vec![TextItem::Text(text.to_string())] },
            Op::EndTextSection,
        ]);
    }

    fn fill(&mut self, color: Color, r: Rect) {
        self.ops.push(Op::SetFillColor { col: color });
        self.ops.push(Op::DrawRectangle { rectangle: r });
    }

    fn frame(&mut self, r: Rect) {
        self.ops.push(Op::SetOutlineColor { col: rgb(0.4, 0.4, 0.4) });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(0.6) });
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect { mode: Some(printpdf::PaintMode::Stroke), ..r },
        });
    }

    /// A label in Vietnamese / English over its value.
    fn field(&mut self, x: f32, y: f32, label: &str, value: &str) {
        self.ops.push(Op::SetFillColor { col: rgb(0.35, 0.35, 0.35) });
        self.text(x, y, 6.5, false, label);
        self.ops.push(Op::SetFillColor { col: rgb(0.0, 0.0, 0.0) });
        self.text(x, y - 4.2, 9.5, true, value);
    }

    /// The symbol's dark modules, each run of a row as one rectangle, `side` millimetres square
    /// with its lower left corner at (`x`, `y`).
    fn barcode(&mut self, bytes: &[u8], x: f32, y: f32, side: f32) -> Result<(), CardError> {
        let (grid, width, quiet) = barcode::modules(bytes, Symbology::DataMatrix)?;
        let height = grid.len() / width.max(1);
        let span = (width.max(height) + 2 * quiet) as f32;
        let m = side / span;
        self.ops.push(Op::SetFillColor { col: rgb(0.0, 0.0, 0.0) });
        for row in 0..height {
            let mut col = 0;
            while col < width {
                if !grid[row * width + col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < width && grid[row * width + col] {
                    col += 1;
                }
                let top = y + side - (quiet + row + 1) as f32 * m;
                self.ops.push(Op::DrawRectangle {
                    rectangle: rect(
                        x + (quiet + start) as f32 * m,
                        top,
                        (col - start) as f32 * m,
                        m,
                    ),
                });
            }
        }
        Ok(())
    }
}

/// One document, a card a page.
pub fn cards(permits: &[(PermitRecord, CardContext)]) -> Result<Vec<u8>, CardError> {
    let (regular, bold) = fonts()?;
    let mut doc = PdfDocument::new("Giấy phép / Permit");
    let regular = PdfFontHandle::External(doc.add_font(regular));
    let bold = PdfFontHandle::External(doc.add_font(bold));
    let mut pages = Vec::with_capacity(permits.len());
    for (record, ctx) in permits {
        let p = &record.permit;
        let mut page = Page { ops: Vec::new(), regular: regular.clone(), bold: bold.clone() };
        // The band: who issues it.
        page.fill(rgb(0.08, 0.33, 0.18), rect(0.0, HEIGHT - 16.0, WIDTH, 16.0));
        page.ops.push(Op::SetFillColor { col: rgb(1.0, 1.0, 1.0) });
        page.text(
            6.0,
            HEIGHT - 7.0,
            8.0,
            true,
            "BỘ ĐỘI BIÊN PHÒNG VIỆT NAM · VIETNAM BORDER GUARD",
        );
        page.text(6.0, HEIGHT - 12.5, 7.5, false, &ctx.checkpoint_name);
        let (vi, en) = p.kind.names();
        page.ops.push(Op::SetFillColor { col: rgb(0.0, 0.0, 0.0) });
        page.text(6.0, HEIGHT - 24.0, 13.0, true, &vi.to_uppercase());
        page.text(6.0, HEIGHT - 29.0, 8.5, false, en);
        // The photo box: the guard compares the face with the holder's document.
        let photo = rect(6.0, HEIGHT - 72.0, 30.0, 40.0);
        page.frame(photo);
        page.ops.push(Op::SetFillColor { col: rgb(0.55, 0.55, 0.55) });
        page.text(13.0, HEIGHT - 53.0, 7.0, false, "Ảnh / Photo");
        let h = &p.holder;
        let x = 40.0;
        let name = format!("{} {}", h.family_name, h.given_names);
        page.field(x, HEIGHT - 35.0, "Họ và tên / Name", name.trim());
        page.field(x, HEIGHT - 45.0, "Quốc tịch / Nationality", &h.nationality.to_string());
        page.field(x, HEIGHT - 55.0, "Ngày sinh / Date of birth", &dmy(h.birth_date));
        page.field(x, HEIGHT - 65.0, "Số giấy tờ / Document No.", h.document_number.as_str());
        let mut y = HEIGHT - 80.0;
        if let Some(imo) = &p.vessel_imo {
            page.field(6.0, y, "Tàu (số IMO) / Vessel (IMO)", &imo.to_string());
            page.field(56.0, y, "Số / Serial", &p.serial);
        } else {
            page.field(6.0, y, "Số / Serial", &p.serial);
        }
        y -= 10.0;
        let validity = format!("{} – {}", dmy(p.valid_from), dmy(p.valid_until));
        page.field(6.0, y, "Hiệu lực / Valid", &validity);
        page.field(56.0, y, "Tại / At", &ctx.checkpoint_name);
        page.barcode(&p.seal, (WIDTH - 38.0) / 2.0, 11.0, 38.0)?;
        page.ops.push(Op::SetFillColor { col: rgb(0.35, 0.35, 0.35) });
        page.text(
            6.0,
            5.5,
            6.0,
            false,
            "Mã ký số, kiểm tra bằng máy quét · Digitally sealed: scan to verify",
        );
        pages.push(PdfPage::new(Mm(WIDTH), Mm(HEIGHT), page.ops));
    }
    Ok(doc.with_pages(pages).save(&PdfSaveOptions::default(), &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::permit::PermitKind;
    use domain::{CheckpointCode, Country, DocumentNumber};
    use store::permit::{Holder, NewPermit};
    use time::macros::{date, datetime};

    #[test]
    fn a_card_is_one_a6_page_with_the_holder_in_vietnamese_letters() {
        let key = seal::SigningKey::generate().unwrap();
        let data = seal::profile::PermitData {
            kind: PermitKind::ShorePass,
            serial: "1A2B3C4D5E6F".into(),
            name_mrz: "SANTOS<<JOSE<MARIA".into(),
            name: "Santos José María".into(),
            document_number: "P1234567A".into(),
            nationality: "PHL".into(),
            birth_date: date!(1988 - 12 - 15),
            vessel_imo: Some("9074729".into()),
            checkpoint: "CANG-HAI-PHONG".into(),
            valid_from: date!(2026 - 11 - 25),
            valid_until: date!(2026 - 11 - 28),
        };
        let seal =
            seal::profile::sign_permit(&data, "VN0A", "1F2E3D4C", date!(2026 - 11 - 25), &key)
                .unwrap();
        let record = PermitRecord {
            permit: NewPermit {
                id: "p1".into(),
                serial: data.serial.clone(),
                kind: data.kind,
                checkpoint: CheckpointCode::parse("CANG-HAI-PHONG").unwrap(),
                dossier_id: None,
                holder: Holder {
                    family_name: "Santos".into(),
                    given_names: "José María".into(),
                    nationality: Country::parse("PHL").unwrap(),
                    birth_date: data.birth_date,
                    document_number: DocumentNumber::parse("P1234567A").unwrap(),
                },
                vessel_imo: Some(domain::port::ImoNumber::parse("9074729").unwrap()),
                valid_from: data.valid_from,
                valid_until: data.valid_until,
                seal,
                signer: "VN0A1F2E3D4C".into(),
                issued_by: "user:commander.haiphong".into(),
            },
            issued_at: datetime!(2026-11-25 03:00 UTC),
            revoked: None,
        };
        let ctx = CardContext { checkpoint_name: "Cửa khẩu cảng Hải Phòng".into() };
        let pdf = cards(&[(record, ctx)]).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 120_000, "{} bytes: the fonts are subset", pdf.len());
        // To look at it: BIENPHONG_CARD_OUT=/tmp/card.pdf cargo test -p bienphong-server card
        if let Ok(path) = std::env::var("BIENPHONG_CARD_OUT") {
            std::fs::write(path, &pdf).unwrap();
        }
    }
}
