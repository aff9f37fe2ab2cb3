//! A seal's bytes as a 2D barcode picture and back: QR Code or Data Matrix, PNG out; PNG or
//! JPEG in.
//!
//! What we write is one binary segment (QR byte mode, Data Matrix Base 256), read back from
//! the reader's byte segments, never through a character set.

use std::collections::HashSet;
use std::io::Cursor;

use image::{GrayImage, ImageFormat, Luma};
use rxing::{BarcodeFormat, DecodeHints, RXingResultMetadataType, RXingResultMetadataValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Symbology {
    Qr,
    DataMatrix,
}

impl Symbology {
    pub fn parse(s: &str) -> Option<Symbology> {
        match s {
            "qr" => Some(Symbology::Qr),
            "datamatrix" => Some(Symbology::DataMatrix),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    #[error("too much data for one barcode")]
    TooLong,
    #[error("not a PNG or JPEG image: {0}")]
    NotAnImage(String),
    #[error("no QR Code or Data Matrix found in the image")]
    NotFound,
    #[error("the barcode holds text, not a seal's bytes")]
    NotBinary,
    #[error("writing the picture: {0}")]
    Write(String),
}

/// The symbol's modules, row by row (`true` dark), its width in modules and the quiet zone it
/// needs around it: for drawing it as vectors on a printed card.
pub fn modules(
    bytes: &[u8],
    symbology: Symbology,
) -> Result<(Vec<bool>, usize, usize), BarcodeError> {
    match symbology {
        Symbology::Qr => {
            // One byte-mode segment in the smallest version it fits: a reader hands those
            // bytes back as they are, whatever character set it would guess for text.
            let ec = qrcode::EcLevel::M;
            let code = (1..=40)
                .find_map(|v| {
                    let mut bits = qrcode::bits::Bits::new(qrcode::Version::Normal(v));
                    bits.push_byte_data(bytes).ok()?;
                    bits.push_terminator(ec).ok()?;
                    qrcode::QrCode::with_bits(bits, ec).ok()
                })
                .ok_or(BarcodeError::TooLong)?;
            let grid = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
            // ISO/IEC 18004 asks four modules of quiet zone.
            Ok((grid, code.width(), 4))
        }
        Symbology::DataMatrix => {
            // Base 256 throughout, for the same reason.
            let code = datamatrix::DataMatrixBuilder::new()
                .with_encodation_types(datamatrix::EncodationType::Base256)
                .encode(bytes)
                .map_err(|_| BarcodeError::TooLong)?;
            let bitmap = code.bitmap();
            let (w, h) = (bitmap.width(), bitmap.height());
            let mut grid = vec![false; w * h];
            for (x, y) in bitmap.pixels() {
                grid[y * w + x] = true;
            }
            // Square symbols only (the default list); one module of quiet zone is the minimum,
            // two read better off a screen.
            Ok((grid, w, 2))
        }
    }
}

/// A PNG of the barcode, `module` pixels to a module.
pub fn png(bytes: &[u8], symbology: Symbology, module: u32) -> Result<Vec<u8>, BarcodeError> {
    let (grid, width, quiet) = modules(bytes, symbology)?;
    let height = grid.len() / width.max(1);
    let module = module.clamp(1, 64);
    let side = |n: usize| (n as u32 + 2 * quiet as u32) * module;
    let img = GrayImage::from_fn(side(width), side(height), |x, y| {
        let (mx, my) = ((x / module) as usize, (y / module) as usize);
        let dark = mx >= quiet
            && my >= quiet
            && mx - quiet < width
            && my - quiet < height
            && grid[(my - quiet) * width + (mx - quiet)];
        Luma([if dark { 0 } else { 255 }])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).map_err(|e| BarcodeError::Write(e.to_string()))?;
    Ok(out.into_inner())
}

/// The bytes of the first QR Code or Data Matrix found in a PNG or JPEG.
pub fn read_image(image: &[u8]) -> Result<Vec<u8>, BarcodeError> {
    let format = image::guess_format(image).map_err(|e| BarcodeError::NotAnImage(e.to_string()))?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg) {
        return Err(BarcodeError::NotAnImage(format!("{format:?}")));
    }
    // A scanner's picture is small; a decompression bomb is refused before it is decoded.
    let mut reader = image::ImageReader::with_format(Cursor::new(image), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(8_000);
    limits.max_image_height = Some(8_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let luma = reader.decode().map_err(|e| BarcodeError::NotAnImage(e.to_string()))?.into_luma8();
    let (w, h) = luma.dimensions();
    let mut hints = DecodeHints {
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE, BarcodeFormat::DATA_MATRIX])),
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    let found = rxing::helpers::detect_in_luma_with_hints(luma.into_raw(), w, h, None, &mut hints)
        .map_err(|_| BarcodeError::NotFound)?;
    // Binary segments as they were; a barcode without any (text only, from another issuer's
    // encoder) as its characters, which must then be single bytes.
    if let Some(RXingResultMetadataValue::ByteSegments(segments)) =
        found.getRXingResultMetadata().get(&RXingResultMetadataType::BYTE_SEGMENTS)
        && !segments.is_empty()
    {
        return Ok(segments.concat());
    }
    found
        .getText()
        .chars()
        .map(|c| u8::try_from(u32::from(c)).map_err(|_| BarcodeError::NotBinary))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_goes_into_a_picture_and_comes_back_byte_for_byte() {
        // Bytes of every value, the way a seal mixes a header, C40 and a signature.
        let bytes: Vec<u8> =
            (0..=255u8).chain(b"NGUYEN VAN AN 0123456789".iter().copied()).collect();
        for symbology in [Symbology::Qr, Symbology::DataMatrix] {
            let picture = png(&bytes, symbology, 4).unwrap();
            assert_eq!(read_image(&picture).unwrap(), bytes, "{symbology:?}");
        }
        // A phone's photo is a JPEG: lossy, and still read.
        let picture =
            image::load_from_memory(&png(&bytes, Symbology::DataMatrix, 6).unwrap()).unwrap();
        let mut jpeg = Cursor::new(Vec::new());
        picture.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
        assert_eq!(read_image(jpeg.get_ref()).unwrap(), bytes);
        assert!(matches!(read_image(b"not an image"), Err(BarcodeError::NotAnImage(_))));
        let blank = {
            let mut out = Cursor::new(Vec::new());
            GrayImage::from_pixel(50, 50, Luma([255]))
                .write_to(&mut out, ImageFormat::Png)
                .unwrap();
            out.into_inner()
        };
        assert_eq!(read_image(&blank), Err(BarcodeError::NotFound));
        assert_eq!(png(&[0; 4000], Symbology::Qr, 4), Err(BarcodeError::TooLong));
    }
}
