//! Names in the MRZ: transliteration per ICAO Doc 9303 Part 3 and truncation to the name field.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A character of a name that has no transliteration into the MRZ alphabet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name has a character with no MRZ transliteration: `{0}` (U+{code:04X})", code = u32::from(*.0))]
    Untransliterable(char),
    #[error("a name holds no digit, found `{0}`")]
    Digit(char),
}

/// Transliterates a name as written (any case, with diacritics, Latin or Cyrillic script) into
/// MRZ characters: upper-case `A`–`Z`, with `<` between its components.
///
/// `Đ` becomes `D`; diacritics are dropped, the horn of `Ơ` and `Ư` too; `Ä`, `Ö`, `Ü`, `Å`,
/// `Æ`, `Ø`, `Œ`, `ß`, `Þ` follow the ICAO recommendation (`AE`, `OE`, `UE`, `AA`, …);
/// apostrophes are dropped; spaces, hyphens, commas and full stops separate components.
///
/// ```
/// assert_eq!(mrz::transliterate("Nguyễn Thị Phương").unwrap(), "NGUYEN<THI<PHUONG");
/// assert_eq!(mrz::transliterate("Đặng Ngọc Ơn").unwrap(), "DANG<NGOC<ON");
/// assert_eq!(mrz::transliterate("O'Connor-Müller").unwrap(), "OCONNOR<MUELLER");
/// assert_eq!(mrz::transliterate("Юрий").unwrap(), "IURII");
/// ```
pub fn transliterate(name: &str) -> Result<String, NameError> {
    Ok(components(name)?.join("<"))
}

/// The MRZ components of a name, in order, none empty.
pub(crate) fn components(name: &str) -> Result<Vec<String>, NameError> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for ch in name.chars() {
        match ch {
            'a'..='z' | 'A'..='Z' => current.push(ch.to_ascii_uppercase()),
            '0'..='9' => return Err(NameError::Digit(ch)),
            '\'' | '’' | 'ʼ' | '‘' | '`' | '´' | 'ʻ' => {}
            c if c.is_whitespace()
                || matches!(c, '-' | '‐' | '–' | ',' | '.' | '<' | '_' | '/') =>
            {
                if !current.is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
            }
            c => {
                if let Some(latin) = special_latin(c).or_else(|| cyrillic(c)) {
                    current.push_str(latin);
                } else {
                    let mut found = false;
                    for d in c.nfd() {
                        if d.is_ascii_alphabetic() {
                            current.push(d.to_ascii_uppercase());
                            found = true;
                        } else if !is_combining_mark(d) {
                            return Err(NameError::Untransliterable(c));
                        }
                    }
                    if !found {
                        return Err(NameError::Untransliterable(c));
                    }
                }
            }
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    Ok(parts)
}

/// Latin letters that canonical decomposition leaves whole, or that ICAO writes with two letters.
fn special_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'Ä' | 'ä' | 'Æ' | 'æ' => "AE",
        'Å' | 'å' => "AA",
        'Ö' | 'ö' | 'Ø' | 'ø' | 'Œ' | 'œ' => "OE",
        'Ü' | 'ü' => "UE",
        'ß' | 'ẞ' => "SS",
        'Þ' | 'þ' => "TH",
        'Ĳ' | 'ĳ' => "IJ",
        'Đ' | 'đ' | 'Ð' | 'ð' => "D",
        'Ł' | 'ł' | 'Ŀ' | 'ŀ' => "L",
        'Ħ' | 'ħ' => "H",
        'ı' => "I",
        'Ŋ' | 'ŋ' => "N",
        'ĸ' => "K",
        'ſ' => "S",
        'Ə' | 'ə' => "A",
        _ => return None,
    })
}

/// ICAO Doc 9303 Part 3 transliteration of Cyrillic (Russian, Ukrainian, Belarusian, Serbian,
/// Macedonian letters).
fn cyrillic(c: char) -> Option<&'static str> {
    let upper = c.to_uppercase().next().unwrap_or(c);
    Some(match upper {
        'А' => "A",
        'Б' => "B",
        'В' => "V",
        'Г' => "G",
        'Ґ' => "G",
        'Д' => "D",
        'Е' | 'Ё' | 'Э' => "E",
        'Є' => "IE",
        'Ж' => "ZH",
        'З' => "Z",
        'И' | 'Й' | 'І' | 'Ї' => "I",
        'К' => "K",
        'Л' => "L",
        'М' => "M",
        'Н' => "N",
        'О' => "O",
        'П' => "P",
        'Р' => "R",
        'С' => "S",
        'Т' => "T",
        'У' | 'Ў' => "U",
        'Ф' => "F",
        'Х' => "KH",
        'Ц' => "TS",
        'Ч' => "CH",
        'Ш' => "SH",
        'Щ' => "SHCH",
        'Ъ' => "IE",
        'Ы' => "Y",
        'Ь' => "",
        'Ю' => "IU",
        'Я' => "IA",
        'Ђ' => "D",
        'Ѓ' => "G",
        'Ѕ' | 'Џ' => "DZ",
        'Ј' => "J",
        'Љ' => "LJ",
        'Њ' => "NJ",
        'Ћ' => "C",
        'Ќ' => "K",
        _ => return None,
    })
}

/// The name field of an MRZ, `width` characters: the primary identifier, `<<`, the secondary
/// identifier, padded with `<`.
///
/// A name that does not fit is truncated as ICAO Doc 9303 allows: the secondary identifier's
/// components are cut to initials from the last one backwards and the last one cut keeps as
/// many letters as fit; a primary identifier too long to leave room for one letter of the
/// secondary is shortened the same way. A truncated field ends with a letter, which tells a
/// reader the name may be longer.
pub fn name_field(primary: &str, secondary: &str, width: usize) -> Result<String, NameError> {
    let primary = components(primary)?;
    let secondary = components(secondary)?;
    let mut field = String::with_capacity(width);
    if secondary.is_empty() {
        field.push_str(&fit(&primary, width, true));
    } else {
        let p = fit(&primary, width.saturating_sub(3), false);
        field.push_str(&p);
        field.push_str("<<");
        field.push_str(&fit(&secondary, width.saturating_sub(p.len() + 2), true));
    }
    field.truncate(width);
    while field.len() < width {
        field.push('<');
    }
    Ok(field)
}

/// Joins components with `<` in at most `budget` characters.
fn fit(parts: &[String], budget: usize, fill: bool) -> String {
    let joined = parts.join("<");
    if joined.len() <= budget {
        return joined;
    }
    let mut lens: Vec<usize> = parts.iter().map(String::len).collect();
    let total = |lens: &[usize]| lens.iter().sum::<usize>() + lens.len().saturating_sub(1);
    let take = |lens: &[usize]| {
        parts.iter().zip(lens).map(|(p, &n)| &p[..n]).collect::<Vec<_>>().join("<")
    };
    for i in (1..parts.len()).rev() {
        lens[i] = 1;
        let now = total(&lens);
        if now <= budget {
            if fill {
                lens[i] = (1 + budget - now).min(parts[i].len());
            }
            return take(&lens);
        }
    }
    // Everything after the first component is an initial: the first keeps what room is left.
    let others = total(&lens) - lens[0];
    if budget > others {
        lens[0] = budget - others;
        return take(&lens);
    }
    // Not even the initials fit: cut the whole name, never ending on a separator.
    let mut cut = joined[..budget].to_string();
    while cut.ends_with('<') {
        cut.pop();
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_names_lose_every_mark() {
        let cases = [
            ("Nguyễn Văn Nam", "NGUYEN<VAN<NAM"),
            ("Trần Thị Ánh Nguyệt", "TRAN<THI<ANH<NGUYET"),
            ("Đỗ Đức Thắng", "DO<DUC<THANG"),
            ("đoàn thị ngọc ánh", "DOAN<THI<NGOC<ANH"),
            ("Lưu Hữu Phước", "LUU<HUU<PHUOC"),
            ("Phạm Ơn", "PHAM<ON"),
            ("Huỳnh Ỷ Lan", "HUYNH<Y<LAN"),
        ];
        for (name, mrz) in cases {
            assert_eq!(transliterate(name).unwrap(), mrz, "{name}");
        }
    }

    #[test]
    fn icao_recommended_latin_and_cyrillic() {
        let cases = [
            ("Karl-Åke", "KARL<AAKE"),
            ("André", "ANDRE"),
            ("Bœße", "BOESSE"),
            ("Ðan", "DAN"),
            ("Žlatan", "ZLATAN"),
            ("Þór", "THOR"),
            ("Łukasz Wałęsa", "LUKASZ<WALESA"),
            ("Smith, John", "SMITH<JOHN"),
            ("St. John", "ST<JOHN"),
            ("Щербаков Евгений", "SHCHERBAKOV<EVGENII"),
            ("Наталья", "NATALIA"),
            ("Олександр", "OLEKSANDR"),
            ("  many   spaces  ", "MANY<SPACES"),
        ];
        for (name, mrz) in cases {
            assert_eq!(transliterate(name).unwrap(), mrz, "{name}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_write() {
        assert_eq!(transliterate("王小明"), Err(NameError::Untransliterable('王')));
        assert_eq!(transliterate("Louis 14"), Err(NameError::Digit('1')));
        assert_eq!(transliterate("Ann😀"), Err(NameError::Untransliterable('😀')));
    }

    #[test]
    fn fits_whole_names_and_pads() {
        assert_eq!(
            name_field("Eriksson", "Anna Maria", 39).unwrap(),
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
        );
        assert_eq!(name_field("Arkfreith", "", 30).unwrap(), "ARKFREITH<<<<<<<<<<<<<<<<<<<<<");
        assert_eq!(
            name_field("Papandropoulous", "Jonathon Warren Trevor", 39).unwrap(),
            "PAPANDROPOULOUS<<JONATHON<WARREN<TREVOR"
        );
    }

    #[test]
    fn truncates_secondary_identifier_like_the_icao_examples() {
        let (p, s) = ("NILAVADHANANANDA", "CHAYAPA DEJTHAMRONG KRASUANG");
        assert_eq!(name_field(p, s, 39).unwrap(), "NILAVADHANANANDA<<CHAYAPA<DEJTHAMRONG<K");
        assert_eq!(name_field(p, s, 31).unwrap(), "NILAVADHANANANDA<<CHAYAPA<DEJ<K");
        assert_eq!(name_field(p, s, 30).unwrap(), "NILAVADHANANANDA<<CHAYAPA<DE<K");
        assert_eq!(
            name_field(p, "ARNPOL PETCH CHARONGUANG", 39).unwrap(),
            "NILAVADHANANANDA<<ARNPOL<PETCH<CHARONGU"
        );
    }

    #[test]
    fn truncates_primary_identifier_leaving_room_for_a_given_name() {
        let p = "BENNELONG WOOLOOMOOLOO WARRANDYTE WARNAMBOOL";
        assert_eq!(
            name_field(p, "DINGO POTOROO", 39).unwrap(),
            "BENNELONG<WOOLOOMOOLOO<WARRANDYTE<W<<DI"
        );
        let f = name_field(p, "DINGO POTOROO", 30).unwrap();
        assert_eq!(f.len(), 30);
        assert!(f.contains("<<D"), "{f}");
        assert!(f.ends_with(|c: char| c.is_ascii_uppercase()), "{f}");
        let long = "A".repeat(60);
        assert_eq!(name_field(&long, "B", 30).unwrap(), format!("{}<<B", "A".repeat(27)));
    }
}
