//! DER lengths, as the message and signature zones write them: one byte below 0x80, else
//! `0x81 n` or `0x82 n n`.

use crate::{DecodeError, Reader};

pub(crate) fn read_len(r: &mut Reader<'_>) -> Result<usize, DecodeError> {
    let at = r.pos;
    match r.byte("a length")? {
        b @ 0..=0x7F => Ok(usize::from(b)),
        0x81 => Ok(usize::from(r.byte("a length")?)),
        0x82 => {
            let b = r.take(2, "a length")?;
            Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
        }
        b => {
            Err(DecodeError::at(at, format!("length byte {b:#04x} (a seal is shorter than 64 kB)")))
        }
    }
}

pub(crate) fn write_len(out: &mut Vec<u8>, len: u16) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        _ => {
            out.push(0x82);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
}
