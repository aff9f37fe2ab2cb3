//! Countries by name, as the portal's spreadsheets may write a nationality: the flag states and
//! seafarers' nationalities seen at Vietnamese ports, in English and in Vietnamese.

use domain::Country;

use crate::fold;

/// (ICAO code, names folded as [`fold`] does).
const NAMES: &[(&str, &[&str])] = &[
    ("VNM", &["viet nam", "vietnam", "viet-nam"]),
    ("CHN", &["china", "trung quoc", "people's republic of china"]),
    ("KHM", &["cambodia", "campuchia"]),
    ("LAO", &["laos", "lao", "lao pdr"]),
    ("THA", &["thailand", "thai lan"]),
    ("MYS", &["malaysia"]),
    ("SGP", &["singapore"]),
    ("IDN", &["indonesia"]),
    ("PHL", &["philippines", "phi-lip-pin", "philippin"]),
    ("MMR", &["myanmar", "burma"]),
    ("IND", &["india", "an do"]),
    ("BGD", &["bangladesh"]),
    ("LKA", &["sri lanka"]),
    ("PAK", &["pakistan"]),
    ("KOR", &["korea", "south korea", "republic of korea", "han quoc"]),
    ("PRK", &["north korea", "trieu tien"]),
    ("JPN", &["japan", "nhat ban"]),
    ("TWN", &["taiwan", "dai loan"]),
    ("HKG", &["hong kong"]),
    ("RUS", &["russia", "russian federation", "nga"]),
    ("UKR", &["ukraine"]),
    ("GEO", &["georgia"]),
    ("TUR", &["turkey", "turkiye", "tho nhi ky"]),
    ("GRC", &["greece", "hy lap"]),
    ("CYP", &["cyprus", "sip"]),
    ("MLT", &["malta"]),
    ("ITA", &["italy", "y"]),
    ("FRA", &["france", "phap"]),
    ("D<<", &["germany", "duc"]),
    ("NLD", &["netherlands", "ha lan"]),
    ("BEL", &["belgium", "bi"]),
    ("DNK", &["denmark", "dan mach"]),
    ("NOR", &["norway", "na uy"]),
    ("SWE", &["sweden", "thuy dien"]),
    ("FIN", &["finland", "phan lan"]),
    ("POL", &["poland", "ba lan"]),
    ("ESP", &["spain", "tay ban nha"]),
    ("PRT", &["portugal", "bo dao nha"]),
    ("GBR", &["united kingdom", "uk", "great britain", "anh"]),
    ("IRL", &["ireland"]),
    ("USA", &["united states", "united states of america", "usa", "my", "hoa ky"]),
    ("CAN", &["canada"]),
    ("MEX", &["mexico"]),
    ("BRA", &["brazil"]),
    ("ARG", &["argentina"]),
    ("CHL", &["chile"]),
    ("PER", &["peru"]),
    ("PAN", &["panama"]),
    ("LBR", &["liberia"]),
    ("MHL", &["marshall islands", "quan dao marshall"]),
    ("BHS", &["bahamas"]),
    ("ATG", &["antigua and barbuda"]),
    ("BLZ", &["belize"]),
    ("VCT", &["saint vincent and the grenadines", "st vincent"]),
    ("KNA", &["saint kitts and nevis"]),
    ("TUV", &["tuvalu"]),
    ("PLW", &["palau"]),
    ("TGO", &["togo"]),
    ("SLE", &["sierra leone"]),
    ("CMR", &["cameroon"]),
    ("COM", &["comoros"]),
    ("MNG", &["mongolia", "mong co"]),
    ("AUS", &["australia", "uc"]),
    ("NZL", &["new zealand"]),
    ("EGY", &["egypt", "ai cap"]),
    ("NGA", &["nigeria"]),
    ("ZAF", &["south africa", "nam phi"]),
    ("ARE", &["united arab emirates", "uae"]),
    ("SAU", &["saudi arabia"]),
    ("IRN", &["iran"]),
    ("ISR", &["israel"]),
];

/// The ICAO code of a country written out (`Philippines`, `Trung Quốc`), if known.
pub fn country_by_name(name: &str) -> Option<Country> {
    let folded = fold(name);
    NAMES
        .iter()
        .find(|(_, names)| names.contains(&folded.as_str()))
        .and_then(|(code, _)| Country::parse(code).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_both_languages_find_their_code() {
        let code = |n: &str| country_by_name(n).map(|c| c.to_string());
        assert_eq!(code("Philippines").as_deref(), Some("PHL"));
        assert_eq!(code("  Trung Quốc ").as_deref(), Some("CHN"));
        assert_eq!(code("VIỆT NAM").as_deref(), Some("VNM"));
        assert_eq!(code("Germany").as_deref(), Some("D<<"));
        assert_eq!(code("Atlantis"), None);
        for (code, names) in NAMES {
            assert!(Country::parse(code).is_ok(), "{code}");
            for n in *names {
                assert_eq!(fold(n), *n, "{n} is not folded");
            }
        }
    }
}
