//! BER-TLV as the chip's files and ASN.1 DER use it (ISO/IEC 7816-4, X.690): tags of one to
//! three bytes, definite lengths of up to four bytes. Indefinite lengths are refused: Doc 9303
//! files are DER.

/// One data object: its tag (the tag's bytes, big-endian), its value, and where it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
    /// The whole object, tag and length included.
    pub raw: &'a [u8],
    /// Where `raw` begins in the outermost input.
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset}: {what}")]
pub struct TlvError {
    pub offset: usize,
    pub what: String,
}

impl TlvError {
    pub fn new(offset: usize, what: impl Into<String>) -> TlvError {
        TlvError { offset, what: what.into() }
    }
}

impl<'a> Tlv<'a> {
    /// A constructed object (its value is more objects).
    pub fn constructed(&self) -> bool {
        let first = (self.tag >> (8 * (tag_len(self.tag) - 1))) as u8;
        first & 0x20 != 0
    }

    /// The objects inside this one.
    pub fn children(&self) -> Reader<'a> {
        Reader {
            input: self.value,
            pos: 0,
            base: self.offset + (self.raw.len() - self.value.len()),
        }
    }

    /// Fails unless the tag is `tag`.
    pub fn expect(self, tag: u32, what: &str) -> Result<Self, TlvError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(TlvError::new(
                self.offset,
                format!("{what} (tag {tag:#x}) expected, found tag {:#x}", self.tag),
            ))
        }
    }
}

fn tag_len(tag: u32) -> usize {
    match tag {
        0..=0xFF => 1,
        0x100..=0xFFFF => 2,
        _ => 3,
    }
}

/// Objects one after another.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    /// Where `input` begins in the outermost input, for the errors' offsets.
    base: usize,
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        Reader { input, pos: 0, base: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn at(&self) -> usize {
        self.base + self.pos
    }

    fn byte(&mut self, what: &str) -> Result<u8, TlvError> {
        let b = *self.input.get(self.pos).ok_or_else(|| {
            TlvError::new(self.at(), format!("the input ends where {what} was expected"))
        })?;
        self.pos += 1;
        Ok(b)
    }

    /// The next object, `None` at the end.
    pub fn next_tlv(&mut self) -> Result<Option<Tlv<'a>>, TlvError> {
        if self.is_empty() {
            return Ok(None);
        }
        let start = self.pos;
        let offset = self.at();
        let first = self.byte("a tag")?;
        let mut tag = u32::from(first);
        if first & 0x1F == 0x1F {
            // Subsequent tag bytes: at most two, the last without its high bit.
            for i in 0.. {
                let b = self.byte("a tag's next byte")?;
                tag = (tag << 8) | u32::from(b);
                if b & 0x80 == 0 {
                    break;
                }
                if i == 1 {
                    return Err(TlvError::new(offset, "a tag longer than three bytes"));
                }
            }
        }
        let len_at = self.at();
        let l = self.byte("a length")?;
        let len = match l {
            0..=0x7F => usize::from(l),
            0x80 => return Err(TlvError::new(len_at, "an indefinite length (DER expected)")),
            0x81..=0x84 => {
                let mut n = 0usize;
                for _ in 0..(l - 0x80) {
                    n = (n << 8) | usize::from(self.byte("a length's next byte")?);
                }
                n
            }
            _ => return Err(TlvError::new(len_at, format!("length byte {l:#04x}"))),
        };
        let end =
            self.pos.checked_add(len).filter(|e| *e <= self.input.len()).ok_or_else(|| {
                TlvError::new(
                    len_at,
                    format!("a length of {len} bytes where {} remain", self.input.len() - self.pos),
                )
            })?;
        let value = &self.input[self.pos..end];
        let raw = &self.input[start..end];
        self.pos = end;
        Ok(Some(Tlv { tag, value, raw, offset }))
    }

    /// The next object, which must be there.
    pub fn next_required(&mut self, what: &str) -> Result<Tlv<'a>, TlvError> {
        let at = self.at();
        self.next_tlv()?.ok_or_else(|| TlvError::new(at, format!("{what} expected at the end")))
    }

    /// The next object if its tag is `tag`; else nothing is read.
    pub fn next_if(&mut self, tag: u32) -> Result<Option<Tlv<'a>>, TlvError> {
        let save = self.pos;
        match self.next_tlv()? {
            Some(t) if t.tag == tag => Ok(Some(t)),
            _ => {
                self.pos = save;
                Ok(None)
            }
        }
    }
}

/// The one object that is the whole input (trailing bytes are an error).
pub fn single<'a>(input: &'a [u8], what: &str) -> Result<Tlv<'a>, TlvError> {
    let mut r = Reader::new(input);
    let t = r.next_required(what)?;
    if !r.is_empty() {
        return Err(TlvError::new(t.raw.len(), format!("bytes after {what}")));
    }
    Ok(t)
}

/// An OBJECT IDENTIFIER's value as dotted text; `None` when it is not one.
pub fn oid_text(value: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut n: u64 = 0;
    let mut fresh = true;
    for &b in value {
        if fresh && b == 0x80 {
            return None;
        }
        n = (n << 7) | u64::from(b & 0x7F);
        if n > u64::from(u32::MAX) {
            return None;
        }
        fresh = b & 0x80 == 0;
        if fresh {
            arcs.push(n);
            n = 0;
        }
    }
    let (&first, rest) = arcs.split_first()?;
    if !fresh {
        return None;
    }
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{a}.{b}");
    for arc in rest {
        out.push('.');
        out.push_str(&arc.to_string());
    }
    Some(out)
}

/// A small non-negative INTEGER's value.
pub fn small_uint(value: &[u8]) -> Option<u32> {
    if value.is_empty() || value.len() > 5 || value[0] & 0x80 != 0 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in value {
        n = (n << 8) | u64::from(b);
    }
    u32::try_from(n).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

    use super::*;

    #[test]
    fn objects_are_read_with_their_tags_and_lengths() {
        // 5F1F 03 'ABC', then 61 81 02 0102.
        let input = [0x5F, 0x1F, 3, b'A', b'B', b'C', 0x61, 0x81, 2, 1, 2];
        let mut r = Reader::new(&input);
        let a = r.next_tlv().unwrap().unwrap();
        assert_eq!((a.tag, a.value, a.offset), (0x5F1F, &b"ABC"[..], 0));
        let b = r.next_tlv().unwrap().unwrap();
        assert_eq!((b.tag, b.value, b.offset), (0x61, &[1u8, 2][..], 6));
        assert!(b.constructed());
        assert_eq!(r.next_tlv().unwrap(), None);
    }

    #[test]
    fn what_is_wrong_is_said_with_its_place() {
        let long = [0x30, 0x05, 1, 2];
        assert_eq!(
            Reader::new(&long).next_tlv().unwrap_err(),
            TlvError::new(1, "a length of 5 bytes where 2 remain")
        );
        let indefinite = [0x30, 0x80, 0, 0];
        assert!(Reader::new(&indefinite).next_tlv().unwrap_err().what.contains("indefinite"));
        let huge = [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF];
        assert!(Reader::new(&huge).next_tlv().is_err());
        assert!(single(&[0x04, 0x00, 0x00], "an octet string").is_err());
        let cut = [0x5F];
        assert!(Reader::new(&cut).next_tlv().is_err());
    }

    #[test]
    fn object_identifiers_read_as_text() {
        // 2.23.136.1.1.1: the LDS security object.
        assert_eq!(oid_text(&[0x67, 0x81, 0x08, 0x01, 0x01, 0x01]).unwrap(), "2.23.136.1.1.1");
        assert_eq!(
            oid_text(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]).unwrap(),
            "1.2.840.113549.1.7.2"
        );
        assert_eq!(oid_text(&[0x2A, 0x86]), None, "cut in the middle of an arc");
        assert_eq!(small_uint(&[0x01, 0x00]), Some(256));
        assert_eq!(small_uint(&[0x80]), None);
    }
}
