//! The ICAO 9303 Part 3 check digit: weights 7, 3, 1 repeating over the character values.

/// Value of one MRZ character in the check-digit sum, or `None` for a character the MRZ
/// alphabet does not have.
#[inline]
pub(crate) const fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as u32),
        b'A'..=b'Z' => Some((c - b'A') as u32 + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// Check digit over MRZ characters. The parser only calls this on bytes it has already
/// confirmed are MRZ characters; anything else counts as a filler.
#[inline]
pub(crate) fn digit_over<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u8 {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    let mut i = 0usize;
    for part in parts {
        for &c in part {
            sum += char_value(c).unwrap_or(0) * WEIGHTS[i % 3];
            i += 1;
        }
    }
    (sum % 10) as u8
}

/// Check digit of a string of MRZ characters (`A`–`Z`, `0`–`9`, `<`).
///
/// Returns `None` when the string holds any other character.
///
/// ```
/// assert_eq!(mrz::check_digit("520727"), Some(3));
/// assert_eq!(mrz::check_digit("AB2134<<<"), Some(5));
/// assert_eq!(mrz::check_digit("ab"), None);
/// ```
pub fn check_digit(text: &str) -> Option<u8> {
    let bytes = text.as_bytes();
    if bytes.iter().all(|&c| char_value(c).is_some()) { Some(digit_over([bytes])) } else { None }
}
