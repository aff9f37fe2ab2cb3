//! C40, as ICAO 9303-13 uses it: three characters of the basic set in two bytes
//! (`U = 1600·c1 + 40·c2 + c3 + 1`), a last pair padded with the Shift 1 value 0, and a last
//! single character written as `0xFE` followed by its ASCII code plus one.
//!
//! The basic set is space, `0`–`9` and `A`–`Z`. The MRZ filler `<` is written as a space, so
//! a decoded `<` comes back as a space; callers that hold MRZ text put the fillers back.

use crate::DecodeError;

/// The single-character marker.
const UNLATCH: u8 = 0xFE;

fn value(c: char) -> Option<u16> {
    match c {
        ' ' | '<' => Some(3),
        '0'..='9' => Some(c as u16 - '0' as u16 + 4),
        'A'..='Z' => Some(c as u16 - 'A' as u16 + 14),
        _ => None,
    }
}

fn char_of(v: u16) -> Option<char> {
    match v {
        3 => Some(' '),
        4..=13 => char::from_u32(u32::from(v - 4) + u32::from('0')),
        14..=39 => char::from_u32(u32::from(v - 14) + u32::from('A')),
        _ => None,
    }
}

/// A character C40 cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} cannot be written in C40 (space, <, 0-9 and A-Z only)")]
pub struct NotC40(pub char);

/// How many bytes `chars` characters take.
pub fn encoded_len(chars: usize) -> usize {
    chars / 3 * 2 + if chars.is_multiple_of(3) { 0 } else { 2 }
}

pub fn encode(text: &str) -> Result<Vec<u8>, NotC40> {
    let values =
        text.chars().map(|c| value(c).ok_or(NotC40(c))).collect::<Result<Vec<u16>, _>>()?;
    let mut out = Vec::with_capacity(encoded_len(values.len()));
    let mut chunks = values.chunks_exact(3);
    for t in &mut chunks {
        let u = 1600 * t[0] + 40 * t[1] + t[2] + 1;
        out.extend_from_slice(&u.to_be_bytes());
    }
    match *chunks.remainder() {
        [a, b] => out.extend_from_slice(&(1600 * a + 40 * b + 1).to_be_bytes()),
        // The character itself, as ASCII (a filler as a space).
        [a] => out.extend_from_slice(&[UNLATCH, char_of(a).map_or(b' ', |c| c as u8) + 1]),
        _ => {}
    }
    Ok(out)
}

/// Decodes C40 bytes; `at` is their offset in the seal, for the error.
pub fn decode(bytes: &[u8], at: usize) -> Result<String, DecodeError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(DecodeError::at(at, "C40 takes bytes in pairs"));
    }
    let mut out = String::with_capacity(bytes.len() / 2 * 3);
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let pos = at + 2 * i;
        if pair[0] == UNLATCH {
            if 2 * i + 2 != bytes.len() {
                return Err(DecodeError::at(pos, "a C40 single character before the end"));
            }
            let c = pair[1].wrapping_sub(1);
            if value(c as char).is_none() {
                return Err(DecodeError::at(pos, "a C40 single character out of the basic set"));
            }
            out.push(c as char);
            continue;
        }
        let u = u16::from_be_bytes([pair[0], pair[1]]);
        if u == 0 {
            return Err(DecodeError::at(pos, "C40 value 0"));
        }
        let v = u - 1;
        let (c1, c2, c3) = (v / 1600, v / 40 % 40, v % 40);
        // A value of 0 in the last place pads a final pair.
        let last = 2 * i + 2 == bytes.len();
        for (k, c) in [c1, c2, c3].into_iter().enumerate() {
            if k == 2 && c == 0 && last {
                break;
            }
            out.push(char_of(c).ok_or_else(|| {
                DecodeError::at(pos, "a C40 value outside the basic set (shifts are not used)")
            })?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length() {
        for text in ["", "A", "AB", "ABC", "ABCD", "D  ", "UTTS5B", "ZZZZZZZ", "09 AZ"] {
            let bytes = encode(text).unwrap();
            assert_eq!(bytes.len(), encoded_len(text.chars().count()), "{text}");
            assert_eq!(decode(&bytes, 0).unwrap(), text);
        }
        assert_eq!(encode("a"), Err(NotC40('a')));
        assert!(decode(&[0xFE, 0x42, 0x00, 0x01], 0).is_err(), "a single character is last");
        assert!(decode(&[0xFF, 0xFF], 0).is_err(), "out of range");
        assert!(decode(&[0x00], 0).is_err());
    }
}
