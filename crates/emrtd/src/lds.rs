//! The data groups an e-gate's reader hands over (Doc 9303-10 §4.6–4.7): EF.COM, DG1 (the
//! MRZ) and DG2 (the face). The face's image is located and measured, never kept: the platform
//! stores no biometric image.

use crate::tlv::{TlvError, single};

/// EF.COM: the LDS version and which data groups the chip holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Com {
    /// `0107` for LDS 1.7.
    pub lds_version: String,
    pub unicode_version: String,
    /// The data groups' tags (`0x61` for DG1, `0x75` for DG2, …).
    pub tags: Vec<u8>,
}

/// DG1: the MRZ as the chip holds it, lines run together (88 characters for a passport).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg1 {
    pub mrz: String,
}

/// DG2: the faces it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg2 {
    pub faces: Vec<FaceImage>,
}

/// One face's image, as located in its biometric data block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceImage {
    /// `jpeg`, `jpeg2000`, or `unknown`.
    pub format: &'static str,
    /// The biometric data block's length, header included.
    pub block_len: usize,
}

fn text(value: &[u8], what: &str, offset: usize) -> Result<String, TlvError> {
    if value.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        Ok(String::from_utf8_lossy(value).into_owned())
    } else {
        Err(TlvError::new(offset, format!("{what} is not printable ASCII")))
    }
}

impl Com {
    pub fn read(bytes: &[u8]) -> Result<Com, TlvError> {
        let com = single(bytes, "EF.COM")?.expect(0x60, "EF.COM")?;
        let (mut lds_version, mut unicode_version, mut tags) = (None, None, None);
        let mut r = com.children();
        while let Some(t) = r.next_tlv()? {
            match t.tag {
                0x5F01 => lds_version = Some(text(t.value, "the LDS version", t.offset)?),
                0x5F36 => unicode_version = Some(text(t.value, "the Unicode version", t.offset)?),
                0x5C => tags = Some(t.value.to_vec()),
                _ => {}
            }
        }
        Ok(Com {
            lds_version: lds_version
                .ok_or_else(|| TlvError::new(0, "EF.COM has no LDS version (5F01)"))?,
            unicode_version: unicode_version.unwrap_or_default(),
            tags: tags.ok_or_else(|| TlvError::new(0, "EF.COM has no tag list (5C)"))?,
        })
    }
}

impl Dg1 {
    pub fn read(bytes: &[u8]) -> Result<Dg1, TlvError> {
        let dg1 = single(bytes, "DG1")?.expect(0x61, "DG1")?;
        let mut r = dg1.children();
        let mrz = r.next_required("the MRZ (5F1F)")?.expect(0x5F1F, "the MRZ")?;
        let text = text(mrz.value, "the MRZ", mrz.offset)?;
        if ![90, 72, 88].contains(&text.len()) {
            return Err(TlvError::new(
                mrz.offset,
                format!("an MRZ of {} characters (90, 72 or 88 expected)", text.len()),
            ));
        }
        Ok(Dg1 { mrz: text })
    }

    /// The MRZ in its lines (3 × 30, 2 × 36 or 2 × 44).
    pub fn lines(&self) -> Vec<&str> {
        let width = match self.mrz.len() {
            90 => 30,
            72 => 36,
            _ => 44,
        };
        (0..self.mrz.len() / width).map(|i| &self.mrz[i * width..(i + 1) * width]).collect()
    }
}

impl Dg2 {
    pub fn read(bytes: &[u8]) -> Result<Dg2, TlvError> {
        let dg2 = single(bytes, "DG2")?.expect(0x75, "DG2")?;
        let group = dg2
            .children()
            .next_required("the biometric group (7F61)")?
            .expect(0x7F61, "the biometric group")?;
        let mut r = group.children();
        let count =
            r.next_required("the number of faces (02)")?.expect(0x02, "the number of faces")?;
        let declared = crate::tlv::small_uint(count.value).ok_or_else(|| {
            TlvError::new(count.offset, "the number of faces is not a small number")
        })?;
        let mut faces = Vec::new();
        while let Some(t) = r.next_tlv()? {
            if t.tag != 0x7F60 {
                continue;
            }
            let mut inner = t.children();
            let mut block = None;
            while let Some(x) = inner.next_tlv()? {
                if x.tag == 0x5F2E || x.tag == 0x7F2E {
                    block = Some(x);
                }
            }
            let block = block
                .ok_or_else(|| TlvError::new(t.offset, "a face without its data block (5F2E)"))?;
            faces.push(FaceImage {
                format: image_format(block.value),
                block_len: block.value.len(),
            });
        }
        if faces.len() != declared as usize {
            return Err(TlvError::new(
                count.offset,
                format!("{declared} faces declared, {} found", faces.len()),
            ));
        }
        Ok(Dg2 { faces })
    }
}

/// The image's kind, by its signature inside the ISO/IEC 19794-5 block.
fn image_format(block: &[u8]) -> &'static str {
    let find = |needle: &[u8]| block.windows(needle.len()).any(|w| w == needle);
    if find(&[0xFF, 0xD8, 0xFF]) {
        "jpeg"
    } else if find(&[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20])
        || find(&[0xFF, 0x4F, 0xFF, 0x51])
    {
        "jpeg2000"
    } else {
        "unknown"
    }
}

/// Reads everything a data group holds, whatever its tag: what passive authentication hashes is
/// the file's bytes, so an unknown group is kept whole and only checked to be one object.
pub fn whole(bytes: &[u8], what: &str) -> Result<(), TlvError> {
    single(bytes, what).map(|_| ())
}
