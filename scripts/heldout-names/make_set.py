#!/usr/bin/env python3
"""A held-out screening set: names the screening part was never tuned on.

Writes DIR/watchlist.csv and DIR/queries.jsonl in the form `bienphong screen-eval run --dir DIR`
reads. It shares no code and no name list with the built-in generator (`screen-eval generate`):

- names come from Faker's person pools (vi_VN, zh_CN, zh_TW, ko_KR, en_TH, ru_RU, de_DE, fr_FR,
  en_US);
- Chinese names are romanised by pypinyin (pinyin; Wade-Giles for Taiwan) and by
  cantonese-romanisation (the Hong Kong Government's spellings), not by our tables;
- Korean, Russian and Latin-script names by the systems' published tables, written out below
  (Revised Romanisation, McCune-Reischauer without its marks, ICAO 9303 and BGN/PCGN);
- typos, misread dates and the rest are made here, by other rules than the built-in ones.

Usage: make_set.py --seed S --entries N --positives P --negatives Q --out DIR
Needs: pip install -r requirements.txt (beside this file).
"""

import argparse
import csv
import datetime
import importlib
import json
import os
import random
import unicodedata

from cantoroman import Cantonese
from pypinyin import Style, lazy_pinyin

# Shares of the list. Vietnamese is three in ten, not the half of a national list, because
# Faker's vi_VN pool holds about 5,600 names: at a million entries a larger share would be
# namesakes all through, which measures the pool, not the engine. Lao and Khmer have no pool.
CULTURES = [
    ("vietnamese", 0.30),
    ("chinese:CHN", 0.12),
    ("chinese:TWN", 0.03),
    ("chinese:HKG", 0.03),
    ("korean", 0.10),
    ("thai", 0.06),
    ("russian", 0.08),
    ("german", 0.08),
    ("french", 0.08),
    ("western", 0.12),
]

# Positive kinds and their shares. `romanisation` asks about a listing spelt in another system
# than the traveller's passport; every other kind about a listing spelt as the passport is.
POSITIVE_KINDS = [
    ("mrz", 24),
    ("typo", 14),
    ("romanisation", 18),
    ("reordered", 6),
    ("missing_middle", 6),
    ("joined_split", 8),
    ("partial_dob", 10),
    ("misread_dob", 4),
]
NEGATIVE_KINDS = [("stranger", 70), ("same_name_other_dob", 30)]

# Of a hundred listings: 84 with the full date, 8 a year, 4 a month and year, 4 nothing.
LISTED_DOB = [("full", 84), ("year", 8), ("month", 4), ("none", 4)]


def pool(locale, attribute):
    """A Faker pool as (values, weights)."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    values = getattr(provider, attribute)
    if isinstance(values, dict):
        return list(values.keys()), list(values.values())
    return list(values), None


def ascii_fold(s):
    """ICAO 9303 transliteration of Latin letters for the MRZ."""
    special = {"Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "SS", "Å": "AA", "Æ": "AE", "Ø": "OE",
               "Đ": "D", "Œ": "OE", "Þ": "TH"}
    out = []
    for ch in s.upper():
        if ch in special:
            out.append(special[ch])
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base if "A" <= base <= "Z" else " ")
    return "".join(out)


def plain_fold(s):
    """Marks dropped, as a list from a source without them writes the name (`MULLER`)."""
    s = s.upper().replace("Đ", "D").replace("ß", "SS")
    return "".join(c for c in unicodedata.normalize("NFD", s) if "A" <= c <= "Z" or c in " -")


# --- Russian --------------------------------------------------------------------------------

ICAO_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "E", "Ж": "ZH", "З": "Z",
    "И": "I", "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R",
    "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH",
    "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
}


def icao_russian(word):
    return "".join(ICAO_CYRILLIC.get(c, "") for c in word.upper())


def bgn_russian(word):
    """BGN/PCGN: Е and Ё as YE after a vowel or at the start, Й as Y, Ю YU, Я YA."""
    out = []
    w = word.upper()
    vowels = "АЕЁИОУЫЭЮЯЪЬЙ"
    for i, c in enumerate(w):
        after_vowel = i == 0 or w[i - 1] in vowels
        if c in "ЕЁ":
            out.append("YE" if after_vowel else "E")
        elif c == "Й":
            out.append("Y")
        elif c == "Ю":
            out.append("YU")
        elif c == "Я":
            out.append("YA")
        elif c in "ЪЬ":
            out.append("")
        else:
            out.append(ICAO_CYRILLIC.get(c, ""))
    return "".join(out)


# --- Korean ---------------------------------------------------------------------------------

RR_INITIAL = ["G", "KK", "N", "D", "TT", "R", "M", "B", "PP", "S", "SS", "", "J", "JJ", "CH",
              "K", "T", "P", "H"]
RR_VOWEL = ["A", "AE", "YA", "YAE", "EO", "E", "YEO", "YE", "O", "WA", "WAE", "OE", "YO", "U",
            "WO", "WE", "WI", "YU", "EU", "UI", "I"]
# Finals as a syllable read alone ends: seven sounds.
FINAL_SOUND = ["", "K", "K", "K", "N", "N", "N", "T", "L", "K", "M", "L", "L", "L", "P", "L",
               "M", "P", "P", "T", "T", "NG", "T", "T", "K", "T", "P", "T"]
MR_INITIAL = ["K", "KK", "N", "T", "TT", "R", "M", "P", "PP", "S", "SS", "", "CH", "TCH", "CH",
              "K", "T", "P", "H"]
MR_VOWEL = ["A", "AE", "YA", "YAE", "O", "E", "YO", "YE", "O", "WA", "WAE", "OE", "YO", "U",
            "WO", "WE", "WI", "YU", "U", "UI", "I"]
# Customary passport spellings of the commonest family names (Korea's Ministry of Foreign
# Affairs statistics of passport spellings), else Revised Romanisation.
KR_FAMILY_CUSTOM = {
    "김": "KIM", "이": "LEE", "박": "PARK", "최": "CHOI", "정": "JUNG", "강": "KANG", "조": "CHO",
    "윤": "YOON", "장": "JANG", "임": "LIM", "한": "HAN", "오": "OH", "서": "SEO", "신": "SHIN",
    "권": "KWON", "황": "HWANG", "안": "AHN", "송": "SONG", "류": "RYU", "유": "YOO", "전": "JEON",
    "홍": "HONG", "고": "KO", "문": "MOON", "양": "YANG", "손": "SON", "배": "BAE", "백": "BAEK",
    "허": "HEO", "남": "NAM", "심": "SHIM", "노": "NOH", "하": "HA", "곽": "KWAK", "성": "SUNG",
    "차": "CHA", "주": "JOO", "우": "WOO", "구": "KOO", "민": "MIN", "진": "JIN", "지": "JI",
    "엄": "UM", "채": "CHAE", "원": "WON", "천": "CHUN", "방": "BANG", "공": "KONG", "현": "HYUN",
    "함": "HAM", "변": "BYUN", "염": "YEOM", "여": "YEO", "추": "CHOO", "도": "DO", "석": "SEOK",
    "선": "SUN", "설": "SEOL", "마": "MA", "길": "KIL", "연": "YEON", "표": "PYO", "명": "MYUNG",
    "기": "KI", "반": "BAN", "왕": "WANG", "금": "KEUM", "옥": "OK", "육": "YOOK", "인": "IN",
    "제": "JE", "모": "MO", "탁": "TAK", "국": "KOOK", "어": "EO", "은": "EUN", "편": "PYUN",
    "용": "YONG", "예": "YE", "경": "KYUNG", "봉": "BONG", "사": "SA", "부": "BOO", "황보": "HWANGBO",
    "남궁": "NAMGOONG", "제갈": "JEGAL", "선우": "SUNWOO", "독고": "DOKGO",
}


def hangul(s):
    for ch in s:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            yield code // 588, (code % 588) // 28, code % 28


def rr_syllable(i, v, f, first):
    initial = "L" if i == 5 and first else RR_INITIAL[i]
    return initial + RR_VOWEL[v] + FINAL_SOUND[f]


def mr_syllable(i, v, f, after_voiced):
    initial = MR_INITIAL[i]
    # Plain stops are voiced between voiced sounds.
    if after_voiced:
        initial = {"K": "G", "T": "D", "P": "B", "CH": "J"}.get(initial, initial) if i in (0, 3, 7, 12) else initial
    return initial + MR_VOWEL[v] + FINAL_SOUND[f]


def customary_syllable(i, v, f, first):
    """The spellings Korean passports have long used: 훈 HOON, 수 SOO, 성 SUNG, 영 YOUNG."""
    s = rr_syllable(i, v, f, first)
    if v == 13 and FINAL_SOUND[f] in ("", "N"):
        return s[: len(s) - len(FINAL_SOUND[f]) - 1] + "OO" + FINAL_SOUND[f]
    if v == 6 and FINAL_SOUND[f] == "NG":
        return s.replace("YEONG", "YOUNG")
    if v == 4 and FINAL_SOUND[f] == "NG":
        return s.replace("EONG", "UNG")
    return s


def korean_given(word, system):
    parts = list(hangul(word))
    out = []
    voiced = False
    for k, (i, v, f) in enumerate(parts):
        if system == "rr":
            out.append(rr_syllable(i, v, f, k == 0))
        elif system == "mr":
            out.append(mr_syllable(i, v, f, voiced and k > 0))
        else:
            out.append(customary_syllable(i, v, f, k == 0))
        voiced = FINAL_SOUND[f] in ("", "N", "L", "M", "NG")
    return out


def korean_family(word, system):
    if system == "custom" and word in KR_FAMILY_CUSTOM:
        return KR_FAMILY_CUSTOM[word]
    # A family name keeps its initial R (류 RYU, 라 RA) in both systems.
    return "".join((rr_syllable(i, v, f, False) if system != "mr" else mr_syllable(i, v, f, False))
                   for i, v, f in hangul(word))


# --- Chinese --------------------------------------------------------------------------------

CANTONESE = Cantonese()


def cantonese(ch, rng):
    """One of the Hong Kong spellings of a character. The package lists Yale-like spellings
    beside the Government's (`gwok` beside `kwok`); the Government writes plain stops as K, T, P,
    CH or TS and long `aa` as A, so those are turned into its form before one is drawn."""
    try:
        readings = CANTONESE.getRoman(ch)
    except Exception:  # noqa: BLE001 - the package raises bare errors for unknown characters
        return None
    if not readings or not readings[0]:
        return None
    forms = []
    for r in readings[0]:
        r = r.upper().replace("AA", "A")
        for yale, government in (("GW", "KW"), ("G", "K"), ("B", "P"), ("D", "T"), ("J", "CH"),
                                 ("Z", "TS")):
            if r.startswith(yale):
                r = government + r[len(yale):]
                break
        # Yale-like spellings with a written r or h after the vowel (`LARN`, `JEH`) are not
        # the Government's.
        if r.endswith(("R", "RK", "RN", "RM", "RT", "EH")):
            continue
        if r not in forms:
            forms.append(r)
    return rng.choice(forms) if forms else None


# Family names pypinyin reads in their everyday sense (曾 as céng, "already"): as surnames.
SURNAMES = {"曾": ("ZENG", "TSENG"), "單": ("SHAN", "SHAN"), "单": ("SHAN", "SHAN"),
            "區": ("OU", "OU"), "区": ("OU", "OU"), "仇": ("QIU", "CHIU"), "查": ("ZHA", "CHA"),
            "解": ("XIE", "HSIEH"), "樂": ("YUE", "YUEH"), "乐": ("YUE", "YUEH"),
            "覃": ("QIN", "CHIN"), "繆": ("MIAO", "MIAO"), "缪": ("MIAO", "MIAO"),
            "朴": ("PIAO", "PIAO"), "褚": ("CHU", "CHU"), "盖": ("GE", "KO")}


def chinese_syllables(chars, system, rng, family=False):
    if family and len(chars) == 1 and chars in SURNAMES and system != "canto":
        return [SURNAMES[chars][0 if system == "pinyin" else 1]]
    if system == "pinyin":
        return [s.upper().replace("V", "YU") for s in lazy_pinyin(chars, style=Style.NORMAL, v_to_u=False)]
    if system == "wade":
        # pypinyin writes WG's ü as v, where passports and lists write U (HSU, CHUN), and
        # some -ai as -ei (海 hei, 來 lei, 外 wei), which Wade-Giles writes hai, lai, wai.
        wade = [s.upper().replace("'", "").replace("V", "U")
                for s in lazy_pinyin(chars, style=Style.WADEGILES)]
        plain = [s.upper() for s in lazy_pinyin(chars, style=Style.NORMAL)]
        return [w[:-2] + "AI" if p.endswith("AI") and w.endswith("EI") else w
                for w, p in zip(wade, plain)]
    out = [cantonese(c, rng) for c in chars]
    return None if None in out else out


# --- People ---------------------------------------------------------------------------------


class Person:
    def __init__(self, culture, nationality, sex, dob, family, middle, given, written):
        self.culture = culture
        self.nationality = nationality
        self.sex = sex
        self.dob = dob
        # Passport spelling: lists of ASCII capitals.
        self.family = family
        self.middle = middle
        self.given = given
        # How the list writes the name, in the culture's order, marks and all.
        self.written = written
        # Other systems' spellings of the whole name, in the same order as `written`.
        self.other_writings = []
        # A Chinese given name's syllables in the passport's system.
        self.syllables = []

    def mrz(self, middle=True, width=39):
        family = " ".join(self.family)
        rest = " ".join((self.middle if middle else []) + self.given)
        field = (family.replace(" ", "<").replace("-", "<") + "<<" +
                 rest.replace(" ", "<").replace("-", "<"))
        field = "".join(c for c in field if c.isalpha() and c.isascii() or c == "<")
        return field[:width].rstrip("<")


class Maker:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.pools = {}
        self.culture_names = [c for c, _ in CULTURES]
        self.culture_weights = [w for _, w in CULTURES]

    def pick(self, locale, attribute):
        key = (locale, attribute)
        if key not in self.pools:
            self.pools[key] = pool(locale, attribute)
        values, weights = self.pools[key]
        return self.rng.choices(values, weights)[0]

    def date(self):
        start = datetime.date(1940, 1, 1).toordinal()
        end = datetime.date(2006, 12, 31).toordinal()
        return datetime.date.fromordinal(self.rng.randint(start, end))

    def person(self, culture=None):
        culture = culture or self.rng.choices(self.culture_names, self.culture_weights)[0]
        sex = "M" if self.rng.random() < 0.55 else "F"
        dob = self.date()
        male = sex == "M"
        if culture == "vietnamese":
            family = self.pick("vi_VN", "last_names")
            middle = "Văn" if male else "Thị"
            if self.rng.random() < 0.5:
                while middle in ("Văn", "Thị"):
                    middle = self.pick("vi_VN", "middle_names")
            given = self.pick("vi_VN", "first_names_male" if male else "first_names_female")
            up = lambda s: ascii_fold(s).split()  # noqa: E731
            return Person(culture, "VNM", sex, dob, up(family), up(middle), up(given),
                          f"{family} {middle} {given}")
        if culture.startswith("chinese"):
            state = culture.split(":")[1]
            locale = "zh_CN" if state == "CHN" else "zh_TW"
            while True:
                family = self.pick(locale, "last_names")
                given = self.pick(locale, "first_names_male" if male else "first_names_female")
                if state == "CHN" and self.rng.random() < 0.5 and len(given) == 1:
                    given += self.pick(locale, "first_names_male" if male else "first_names_female")[:1]
                own = {"CHN": "pinyin", "TWN": "wade", "HKG": "canto"}[state]
                spellings = {s: (chinese_syllables(family, s, self.rng, family=True),
                                 chinese_syllables(given, s, self.rng))
                             for s in ("pinyin", "wade", "canto")}
                if spellings[own][0] is not None and spellings[own][1] is not None:
                    break

            def write(system, hyphen):
                fam, giv = spellings[system]
                return "".join(fam) + " " + ("-".join(giv) if hyphen else "".join(giv).capitalize())

            f, g = spellings[own]
            given_parts = ["".join(g)] if own == "pinyin" else ["-".join(g)]
            p = Person("chinese", state, sex, dob, ["".join(f)], [], given_parts,
                       write(own, own != "pinyin"))
            p.syllables = g
            # A list from Taiwan writes a mainland name in Wade-Giles; a mainland list writes
            # Taiwan's and Hong Kong's names in pinyin.
            other = "wade" if state == "CHN" else "pinyin"
            p.other_writings.append(write(other, other != "pinyin"))
            return p
        if culture == "korean":
            family = self.pick("ko_KR", "last_names")
            given = self.pick("ko_KR", "first_names_male" if male else "first_names_female")
            custom = korean_given(given, "custom" if self.rng.random() < 0.4 else "rr")
            hyphen = self.rng.random() < 0.5
            given_written = "-".join(custom) if hyphen else "".join(custom)
            p = Person(culture, "KOR", sex, dob, [korean_family(family, "custom")], [],
                       [given_written], f"{korean_family(family, 'custom')} {given_written}")
            for system in ("rr", "mr"):
                # Lists in either system write 이 as YI (South) or RI (North), never a bare I.
                fam = korean_family(family, system)
                fam = {"I": "YI" if system == "rr" else "RI"}.get(fam, fam)
                other = f"{fam} {'-'.join(korean_given(given, system))}"
                if other != p.written:
                    p.other_writings.append(other)
            return p
        if culture == "thai":
            family = self.pick("en_TH", "last_names")
            given = self.pick("en_TH", "first_names")
            return Person(culture, "THA", sex, dob, [family.upper()], [], [given.upper()],
                          f"{given} {family}")
        if culture == "russian":
            family = self.pick("ru_RU", "last_names_male" if male else "last_names_female")
            given = self.pick("ru_RU", "first_names_male" if male else "first_names_female")
            patronymic = self.pick("ru_RU", "middle_names_male" if male else "middle_names_female")
            p = Person(culture, "RUS", sex, dob, [icao_russian(family)], [], [icao_russian(given)],
                       f"{icao_russian(given).capitalize()} {icao_russian(patronymic).capitalize()} "
                       f"{icao_russian(family).capitalize()}")
            bgn = f"{bgn_russian(given)} {bgn_russian(patronymic)} {bgn_russian(family)}"
            if bgn != p.written.upper():
                p.other_writings.append(bgn)
            return p
        locale, nationality = {"german": ("de_DE", "DEU"), "french": ("fr_FR", "FRA"),
                               "western": ("en_US", "USA")}[culture]
        family = self.pick(locale, "last_names")
        given = [self.pick(locale, "first_names_male" if male else "first_names_female")]
        if self.rng.random() < (0.4 if culture == "western" else 0.2):
            second = self.pick(locale, "first_names_male" if male else "first_names_female")
            if second != given[0]:
                given.append(second)
        joiner = "-" if culture == "french" and len(given) == 2 and self.rng.random() < 0.5 else " "
        written = f"{joiner.join(given)} {family}"
        p = Person(culture, nationality, sex, dob, ascii_fold(family).split(),
                   [], ascii_fold(" ".join(given)).split(), written)
        folded = plain_fold(written)
        if folded.replace("-", " ").split() != ascii_fold(written).split():
            p.other_writings.append(folded)
        return p

    def listed_dob(self, p):
        kind = self.rng.choices([k for k, _ in LISTED_DOB], [w for _, w in LISTED_DOB])[0]
        if kind == "full":
            return kind, p.dob.isoformat()
        if kind == "year":
            return kind, str(p.dob.year)
        if kind == "month":
            return kind, f"{p.dob.year:04}-{p.dob.month:02}"
        return kind, ""

    def typo(self, name):
        """One slip in one part of four letters or more: a letter changed, dropped, doubled or
        two swapped."""
        parts = name.split("<")
        long = [k for k, w in enumerate(parts) if len(w) >= 4]
        if not long:
            return name
        k = self.rng.choice(long)
        w = parts[k]
        i = self.rng.randrange(1, len(w) - 1)
        how = self.rng.randrange(4)
        if how == 0:
            w = w[:i] + self.rng.choice([c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != w[i]]) + w[i + 1:]
        elif how == 1:
            w = w[:i] + w[i + 1:]
        elif how == 2:
            w = w[:i] + w[i] + w[i:]
        else:
            w = w[:i - 1] + w[i] + w[i - 1] + w[i + 1:]
        parts[k] = w
        return "<".join(parts)

    def misread(self, d):
        for _ in range(50):
            s = list(d.strftime("%Y%m%d"))
            k = self.rng.choice([3, 4, 5, 6, 7])
            s[k] = str(self.rng.randrange(10))
            try:
                other = datetime.datetime.strptime("".join(s), "%Y%m%d").date()
            except ValueError:
                continue
            if other != d and 1930 <= other.year <= 2010:
                return other
        return d + datetime.timedelta(days=10)

    def other_date(self, d):
        while True:
            other = self.date()
            if other != d:
                return other


def query_of(p, name, dob):
    return {"name": name, "dob": dob.isoformat(), "nationality": p.nationality, "sex": p.sex,
            "document_number": None}


def main():
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--seed", type=int, default=1)
    args.add_argument("--entries", type=int, default=1_000_000)
    args.add_argument("--positives", type=int, default=10_000)
    args.add_argument("--negatives", type=int, default=10_000)
    args.add_argument("--out", required=True)
    a = args.parse_args()
    m = Maker(a.seed)
    os.makedirs(a.out, exist_ok=True)

    people, listings = [], []
    with open(os.path.join(a.out, "watchlist.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "aliases", "dob", "nationality", "sex", "document_number"])
        for n in range(a.entries):
            p = m.person()
            dob_kind, dob = m.listed_dob(p)
            # Four listings in ten of a name with other spellings use one of them.
            other = bool(p.other_writings) and m.rng.random() < 0.4
            name = m.rng.choice(p.other_writings) if other else p.written
            ident = f"H{n + 1:07}"
            w.writerow([ident, name, "", dob, p.nationality, p.sex, ""])
            people.append(p)
            listings.append((ident, dob_kind, other))

    def find(test):
        for _ in range(100_000):
            k = m.rng.randrange(len(people))
            if test(people[k], listings[k]):
                return k
        raise SystemExit("no listing fits")

    lines = []
    total = sum(s for _, s in POSITIVE_KINDS)
    for n in range(a.positives):
        x, acc, kind = n * total // max(a.positives, 1), 0, POSITIVE_KINDS[-1][0]
        for k, s in POSITIVE_KINDS:
            acc += s
            if x < acc:
                kind = k
                break
        tests = {
            "romanisation": lambda p, l: l[2],
            "partial_dob": lambda p, l: not l[2] and l[1] != "full",
            # A hyphenated given name is one name: documents keep both halves.
            "missing_middle": lambda p, l: not l[2] and (p.middle or len(p.given) > 1) and "-" not in p.written,
            "reordered": lambda p, l: not l[2],
            "joined_split": lambda p, l: not l[2] and (
                p.culture in ("vietnamese", "korean", "chinese") or len(p.given) > 1),
        }
        k = find(tests.get(kind, lambda p, l: not l[2]))
        p, (ident, dob_kind, _) = people[k], listings[k]
        name, dob = p.mrz(), p.dob
        if kind == "typo":
            name = m.typo(name)
        elif kind == "misread_dob":
            dob = m.misread(p.dob)
        elif kind == "missing_middle":
            name = p.mrz(middle=False) if p.middle else Person(
                p.culture, p.nationality, p.sex, p.dob, p.family, [], p.given[:1], "").mrz()
        elif kind == "reordered":
            name = " ".join(p.middle + p.given + p.family) if p.culture in (
                "vietnamese", "chinese", "korean") else " ".join(p.family + p.given)
        elif kind == "joined_split":
            rest = p.middle + p.given
            if p.culture == "vietnamese" and len(rest) >= 2:
                name = " ".join(p.family + rest[:-2] + [rest[-2] + rest[-1]])
            elif p.culture in ("korean", "chinese") and "-" in p.given[0]:
                name = " ".join(p.family + [p.given[0].replace("-", "")])
            elif p.culture == "chinese" and len(p.syllables) > 1:
                name = " ".join(p.family + p.syllables)
            else:
                name = " ".join(p.family + ["".join(rest)])
        lines.append({**query_of(p, name, dob), "expect": ident, "kind": kind,
                      "culture": p.culture, "listed_dob": dob_kind})

    total = sum(s for _, s in NEGATIVE_KINDS)
    for n in range(a.negatives):
        kind = "stranger" if n * total // max(a.negatives, 1) < NEGATIVE_KINDS[0][1] else "same_name_other_dob"
        if kind == "stranger":
            p = m.person()
            lines.append({**query_of(p, p.mrz(), p.dob), "expect": None, "kind": kind,
                          "culture": p.culture})
        else:
            k = find(lambda p, l: l[1] == "full" and not l[2])
            p = people[k]
            lines.append({**query_of(p, p.mrz(), m.other_date(p.dob)), "expect": None,
                          "kind": kind, "culture": p.culture})

    with open(os.path.join(a.out, "queries.jsonl"), "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
