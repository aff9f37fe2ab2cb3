//! A generator of realistic watchlists and labelled queries, reproducible from a seed.
//!
//! The list mixes nationalities as a Vietnamese border watchlist would (most entries Vietnamese,
//! then Chinese, Lao, Khmer, Korean, Thai, Russian and Western names) with the real skew of
//! Vietnamese family names (`Nguyễn` about 38 %) and Zipf-distributed given names. Names are
//! written as on the list — diacritics, Cyrillic, hyphens — and queried as documents print them:
//! MRZ forms, other orders, missing middle names, typos, joined or split syllables, other
//! transliterations, aliases, truncation. Negatives include the hard cases: the same family and
//! middle name with another given name, and the same name born on another day.
//!
//! The random generator is our own SplitMix64 so that a seed gives the same set whatever crate
//! versions are in use.

use crate::model::{Country, Dob, DocumentNumber, Entry, Query, Sex};

/// SplitMix64: small, fast, and fixed forever.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn pick_string(&mut self, items: &[&str]) -> String {
        self.pick_str(items).to_string()
    }

    fn pick_str<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// Index `i` with probability proportional to `1 / (i + 1)^s`, from a cumulative table.
    fn zipf(&mut self, cumulative: &[f64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(1.0);
        let x = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        cumulative.partition_point(|&c| c < x).min(cumulative.len().saturating_sub(1))
    }
}

fn zipf_table(n: usize, s: f64) -> Vec<f64> {
    let mut acc = 0.0;
    (0..n)
        .map(|i| {
            acc += 1.0 / ((i + 1) as f64).powf(s);
            acc
        })
        .collect()
}

fn weighted_table(weights: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Culture {
    Vietnamese,
    Chinese,
    Korean,
    Lao,
    Khmer,
    Thai,
    Russian,
    Western,
}

// Vietnamese family names with their approximate shares (per cent) of the population.
const VN_FAMILY: &[(&str, f64)] = &[
    ("Nguyễn", 38.0),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.1),
    ("Hoàng", 4.0),
    ("Huỳnh", 4.0),
    ("Phan", 4.5),
    ("Vũ", 2.5),
    ("Võ", 2.5),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Đinh", 0.5),
    ("Lâm", 0.4),
    ("Trương", 0.4),
    ("Mai", 0.3),
    ("Cao", 0.3),
    ("Tạ", 0.2),
    ("Lương", 0.3),
    ("Hà", 0.3),
    ("Đoàn", 0.3),
    ("Vương", 0.2),
    ("Trịnh", 0.3),
    ("Quách", 0.1),
    ("Tô", 0.1),
    ("Châu", 0.1),
    ("La", 0.1),
    ("Kiều", 0.1),
    ("Thái", 0.1),
    ("Tăng", 0.1),
    ("Hứa", 0.1),
    ("Lục", 0.05),
    ("Mạc", 0.05),
    ("Tôn Nữ", 0.03),
    ("Âu", 0.05),
    ("Khúc", 0.03),
    ("Nghiêm", 0.05),
    ("Triệu", 0.1),
    ("Chu", 0.1),
];
const VN_MIDDLE_M: &[&str] = &[
    "Văn", "Đức", "Minh", "Quốc", "Hữu", "Công", "Thanh", "Đình", "Xuân", "Quang", "Ngọc", "Hoàng",
    "Trọng", "Tuấn", "Anh", "Gia", "Bá", "Duy", "Thế", "Mạnh", "Tiến", "Chí", "Khắc", "Nhật",
    "Phú", "Hồng", "Việt", "Trung", "Tấn", "Bảo", "Đăng", "Hải",
];
const VN_MIDDLE_F: &[&str] = &[
    "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Minh", "Phương", "Hồng", "Mai", "Bích", "Thúy", "Diệu",
    "Hoài", "Bảo", "Khánh", "Quỳnh", "Mỹ", "Tuyết", "Hải", "Lan", "Cẩm", "Như", "Thảo", "Hà",
];
const VN_GIVEN_M: &[&str] = &[
    "Hùng",
    "Dũng",
    "Tuấn",
    "Nam",
    "Long",
    "Hải",
    "Minh",
    "Quang",
    "Sơn",
    "Thắng",
    "Trung",
    "Hiếu",
    "Đức",
    "Huy",
    "Khoa",
    "Phúc",
    "Tùng",
    "Bình",
    "Cường",
    "Phong",
    "Thành",
    "Tâm",
    "Vinh",
    "Tài",
    "Hưng",
    "Lâm",
    "Toàn",
    "Khánh",
    "Duy",
    "Kiên",
    "Hậu",
    "Nghĩa",
    "Thịnh",
    "Lộc",
    "Tú",
    "Bảo",
    "Đạt",
    "Hoàng",
    "Việt",
    "An",
    "Anh",
    "Quân",
    "Chiến",
    "Công",
    "Định",
    "Giang",
    "Hào",
    "Hiệp",
    "Hòa",
    "Khải",
    "Khang",
    "Lợi",
    "Luân",
    "Mạnh",
    "Nhân",
    "Phát",
    "Quý",
    "Sang",
    "Tân",
    "Thái",
    "Thiện",
    "Thuận",
    "Tiến",
    "Trí",
    "Trọng",
    "Tường",
    "Vũ",
    "Ân",
    "Đông",
    "Kha",
    "Khôi",
    "Nguyên",
    "Nhật",
    "Phước",
    "Quốc",
    "Sỹ",
    "Thạch",
    "Uy",
    "Vĩnh",
    "Xuân",
    "Đăng",
    "Hiển",
    "Hội",
    "Kỳ",
    "Lực",
    "Ngọc",
    "Nhất",
    "Phương",
    "Quyết",
    "Sáng",
    "Thông",
    "Triều",
    "Văn",
    "Vương",
    "Bách",
    "Bằng",
    "Cảnh",
    "Chí",
    "Danh",
    "Doanh",
    "Dương",
    "Hạnh",
    "Hiền",
    "Hoan",
    "Hợp",
    "Khiêm",
    "Khương",
    "Lãm",
    "Linh",
    "Lượng",
    "Mậu",
    "Nam",
    "Nghị",
    "Ninh",
    "Pháp",
    "Quảng",
    "Sinh",
    "Sơn",
    "Tạo",
    "Thạc",
    "Thắng",
    "Thiêm",
    "Thọ",
    "Tín",
    "Toại",
    "Trác",
    "Trường",
    "Tuệ",
    "Tước",
    "Văn",
    "Vịnh",
    "Vượng",
    "Xuyên",
    "Yên",
    "Đại",
    "Điền",
    "Đoàn",
    "Đôn",
    "Hoạt",
    "Khởi",
    "Lập",
    "Luyện",
    "Nhàn",
];
const VN_GIVEN_F: &[&str] = &[
    "Lan",
    "Hương",
    "Mai",
    "Linh",
    "Trang",
    "Hà",
    "Anh",
    "Ngọc",
    "Thảo",
    "Hằng",
    "Nga",
    "Hoa",
    "Huyền",
    "Thủy",
    "Yến",
    "Nhung",
    "Phương",
    "Hạnh",
    "Dung",
    "Loan",
    "Oanh",
    "Quyên",
    "Trâm",
    "Vân",
    "Vy",
    "Uyên",
    "Nhi",
    "Nhàn",
    "Hồng",
    "Hiền",
    "Thu",
    "Tuyết",
    "Diệp",
    "Châu",
    "Giang",
    "Hải",
    "Hậu",
    "Kim",
    "Liên",
    "Ly",
    "My",
    "Ngân",
    "Nguyệt",
    "Nhã",
    "Quỳnh",
    "Tâm",
    "Thanh",
    "Thơ",
    "Thúy",
    "Tiên",
    "Trinh",
    "Tú",
    "Xuân",
    "Ánh",
    "Bích",
    "Chi",
    "Diễm",
    "Đào",
    "Duyên",
    "Hân",
    "Kiều",
    "Lam",
    "Lệ",
    "Mơ",
    "Ngà",
    "Phượng",
    "Sương",
    "Thắm",
    "Thi",
    "Thoa",
    "Trà",
    "Vi",
    "An",
    "Bình",
    "Cúc",
    "Diệu",
    "Gấm",
    "Hạ",
    "Hoài",
    "Khánh",
    "Lụa",
    "Minh",
    "Mỹ",
    "Nương",
    "Phúc",
];
const CN_FAMILY: &[&str] = &[
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma",
    "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Xie", "Song", "Tang", "Han",
    "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Pan", "Yuan", "Cai", "Jiang",
    "Yu", "Du", "Ye", "Cheng", "Wei", "Su", "Lu", "Ding", "Ren", "Shen", "Yao", "Lu", "Jin", "Qin",
];
const CN_SYLLABLE: &[&str] = &[
    "wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan", "jie",
    "tao", "ming", "chao", "xiu", "xia", "hua", "ping", "gang", "hui", "xin", "bo", "hong", "feng",
    "yu", "lin", "hao", "jian", "zhi", "xiao", "yi", "yun", "dan", "lan", "ying", "qing", "kai",
    "long", "peng", "bin", "rui", "tian", "xue", "juan", "mei", "zhen", "guo", "hai", "shan",
    "wen", "qian", "hong", "zi", "han", "chen", "ke", "le", "shu", "ning", "rong", "song", "cheng",
    "dong",
];
const KR_FAMILY: &[(&str, f64)] = &[
    ("Kim", 21.0),
    ("Lee", 15.0),
    ("Park", 8.0),
    ("Choi", 5.0),
    ("Jung", 4.0),
    ("Kang", 2.3),
    ("Cho", 2.1),
    ("Yoon", 2.0),
    ("Jang", 2.0),
    ("Lim", 1.7),
    ("Han", 1.5),
    ("Oh", 1.5),
    ("Seo", 1.4),
    ("Shin", 1.4),
    ("Kwon", 1.4),
    ("Hwang", 1.4),
    ("Ahn", 1.3),
    ("Song", 1.3),
    ("Yoo", 1.1),
    ("Hong", 1.1),
];
const KR_SYLLABLE: &[&str] = &[
    "min", "jun", "ji", "hoon", "seo", "yeon", "woo", "ha", "eun", "do", "yun", "hyun", "soo",
    "jin", "young", "ho", "sung", "jae", "won", "dong", "hye", "seung", "ye", "tae", "yang", "su",
    "bin", "sang", "neul", "kyung", "hee", "jung", "mi", "sook", "chul", "kwang", "myung", "hyo",
    "na", "ra",
];
const LA_FAMILY_HEAD: &[&str] = &[
    "Phom", "Sisa", "Keo", "Vong", "Phong", "Souvan", "Intha", "Chantha", "Seng", "Xaya", "Douang",
    "Mani", "Vilay", "Thamma", "Saya", "Luang", "Phimma", "Sithi", "Boun", "Khoun", "Sou", "Phet",
];
const LA_FAMILY_TAIL: &[&str] = &[
    "vong", "vath", "many", "sa", "chanh", "dara", "rath", "sone", "deth", "my", "lay", "savang",
    "phone", "thong", "sack", "vilay", "khoune", "sith",
];
const LA_GIVEN_HEAD: &[&str] = &[
    "Som", "Boun", "Kham", "Souk", "Phone", "Vi", "Noy", "Bua", "Chan", "Mani", "Thong", "Lat",
    "Vieng", "Seng", "Phet", "Dao", "Ou", "Si", "Vanh", "Khan", "Nou", "Ket",
];
const LA_GIVEN_TAIL: &[&str] = &[
    "sak", "my", "phet", "savanh", "lay", "chanh", "sone", "thala", "la", "phone", "kham", "samy",
    "vone", "thai", "souk", "sy", "vanh", "douang",
];
const KH_FAMILY: &[&str] = &[
    "Sok", "Chan", "Heng", "Kim", "Ly", "Meas", "Nuon", "Ouk", "Pen", "Prak", "Sam", "Seng", "Sin",
    "Sun", "Tep", "Touch", "Uy", "Chea", "Keo", "Hun", "Long", "Mao", "Nhem", "Pich", "Ros",
    "Chhun", "Yim", "Hem", "Lim", "Som",
];
const KH_GIVEN_HEAD: &[&str] = &[
    "So", "Va", "Bo", "Chen", "Ko", "Ri", "Srey", "Veas", "Pi", "Chan", "Vu", "Kun", "Ro", "Pha",
    "Ma", "Sok", "Bun", "Da", "Pov", "Ly",
];
const KH_GIVEN_TAIL: &[&str] = &[
    "pheap", "kha", "nnak", "pha", "da", "sal", "thy", "phal", "mom", "sna", "sey", "nary", "thy",
    "vann", "thea", "tha", "seth", "lla", "kara", "ra", "rith", "chea",
];
const TH_GIVEN_HEAD: &[&str] = &[
    "Som", "Wi", "Pra", "Su", "A", "Kitti", "Natta", "Thana", "Siri", "Ma", "Pra", "Wani", "Kan",
    "Nit", "Rat", "Cha", "Api", "Porn", "Sura", "Wora", "Pim", "Nop",
];
const TH_GIVEN_TAIL: &[&str] = &[
    "chai", "sak", "pong", "sert", "chart", "nan", "korn", "porn", "da", "lee", "nee", "ya",
    "taya", "tana", "lerm", "nya", "thip", "wut", "phan", "rat", "sri",
];
const TH_FAMILY_HEAD: &[&str] = &[
    "Sae", "Sri", "Wong", "Chai", "Rattana", "Thong", "Boon", "Kaew", "Phrom", "Suk", "Charoen",
    "Jai", "Intha", "Pong", "Siri", "Wattana", "Thana", "Chantara", "Kong", "Phet", "Sombat",
];
const TH_FAMILY_TAIL: &[&str] = &[
    "tang", "suk", "sawat", "yaporn", "korn", "chai", "mee", "manee", "prasert", "kul", "dee",
    "rasuk", "panich", "sombat", "pong", "siri", "kaew", "charat", "lim", "wong", "thong",
];
const RU_GIVEN_M: &[&str] = &[
    "Александр",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Алексей",
    "Максим",
    "Евгений",
    "Иван",
    "Михаил",
    "Артём",
    "Николай",
    "Владимир",
    "Павел",
    "Роман",
    "Олег",
    "Игорь",
    "Денис",
    "Юрий",
    "Антон",
    "Виктор",
    "Константин",
    "Виталий",
    "Вадим",
    "Илья",
    "Кирилл",
];
const RU_GIVEN_F: &[&str] = &[
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Юлия",
    "Анна",
    "Мария",
    "Екатерина",
    "Анастасия",
    "Марина",
    "Оксана",
    "Людмила",
    "Галина",
    "Валентина",
    "Ксения",
    "Дарья",
    "Виктория",
    "Алина",
];
const RU_FAMILY_M: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
];
const RU_PATRONYMIC_ROOT: &[&str] = &[
    "Александров",
    "Сергеев",
    "Дмитриев",
    "Андреев",
    "Алексеев",
    "Иванов",
    "Михайлов",
    "Николаев",
    "Владимиров",
    "Павлов",
    "Викторов",
    "Юрьев",
    "Олегов",
    "Игорев",
];
const WE_GIVEN_M: &[&str] = &[
    "John",
    "Michael",
    "David",
    "James",
    "Robert",
    "William",
    "Thomas",
    "Richard",
    "Mark",
    "Paul",
    "Peter",
    "Daniel",
    "Christopher",
    "Matthew",
    "Andrew",
    "Jean",
    "Pierre",
    "Hans",
    "Klaus",
    "Stefan",
    "Jürgen",
    "José",
    "François",
    "Søren",
    "Lars",
];
const WE_GIVEN_F: &[&str] = &[
    "Mary",
    "Sarah",
    "Emma",
    "Anna",
    "Laura",
    "Julia",
    "Sophie",
    "Marie",
    "Claire",
    "Anne",
    "Hélène",
    "Ingrid",
    "Lucía",
    "Chloé",
    "Charlotte",
    "Elizabeth",
    "Katherine",
    "Jennifer",
];
const WE_FAMILY: &[&str] = &[
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Martin",
    "Thompson",
    "White",
    "Anderson",
    "Clark",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Dubois",
    "Bernard",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "García",
    "Martínez",
    "O'Brien",
    "O'Connor",
    "van der Berg",
    "de Jong",
    "Jørgensen",
    "Nowak",
    "Kowalski",
    "Rossi",
    "Ferrari",
];

/// A person as the generator knows them: the name in parts and the truth behind the listing.
#[derive(Clone, Debug)]
pub struct Person {
    pub culture: Culture,
    pub family: Vec<String>,
    /// Middle names (Vietnamese), patronymic (Russian).
    pub middle: Vec<String>,
    pub given: Vec<String>,
    pub sex: Sex,
    pub dob: time::Date,
    pub nationality: Country,
}

impl Person {
    /// The name as written on the list, in the culture's order.
    pub fn written(&self) -> String {
        let family = self.family.join(" ");
        let rest: Vec<&str> = self.middle.iter().chain(&self.given).map(String::as_str).collect();
        match self.culture {
            Culture::Vietnamese | Culture::Chinese | Culture::Korean | Culture::Khmer => {
                [family.as_str()].into_iter().chain(rest).collect::<Vec<_>>().join(" ")
            }
            Culture::Russian => {
                // Given, patronymic, family: how a Russian name is written in full.
                self.given
                    .iter()
                    .chain(&self.middle)
                    .map(String::as_str)
                    .chain([family.as_str()])
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            _ => rest.into_iter().chain([family.as_str()]).collect::<Vec<_>>().join(" "),
        }
    }

    /// The name as the MRZ of a passport prints it (`FAMILY<<GIVEN<NAMES`), truncated to `width`.
    pub fn mrz(&self, width: usize, with_middle: bool) -> String {
        let family = self.family.join(" ");
        let middle = if with_middle && self.culture != Culture::Russian {
            self.middle.clone()
        } else {
            Vec::new()
        };
        let rest =
            middle.iter().chain(&self.given).map(String::as_str).collect::<Vec<_>>().join(" ");
        mrz::name_field(&family, &rest, width)
            .map(|f| f.trim_end_matches('<').to_string())
            .unwrap_or_else(|_| ascii_upper(&self.written()))
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

fn ascii_upper(s: &str) -> String {
    crate::normalize::tokens(s).join(" ")
}

struct Tables {
    vn_family: Vec<f64>,
    kr_family: Vec<f64>,
    vn_given_m: Vec<f64>,
    vn_given_f: Vec<f64>,
    vn_middle_m: Vec<f64>,
    vn_middle_f: Vec<f64>,
    small: Vec<f64>,
    cultures: Vec<f64>,
}

const CULTURES: &[(Culture, f64)] = &[
    (Culture::Vietnamese, 0.55),
    (Culture::Chinese, 0.14),
    (Culture::Lao, 0.06),
    (Culture::Khmer, 0.06),
    (Culture::Korean, 0.05),
    (Culture::Thai, 0.04),
    (Culture::Russian, 0.04),
    (Culture::Western, 0.06),
];

impl Tables {
    fn new() -> Tables {
        let mut middle_m = zipf_table(VN_MIDDLE_M.len(), 1.0);
        let mut middle_f = zipf_table(VN_MIDDLE_F.len(), 1.0);
        // Văn and Thị are far more common than Zipf gives: about 40 % of men, 45 % of women.
        for (t, share) in [(&mut middle_m, 0.40), (&mut middle_f, 0.45)] {
            let rest = t.last().copied().unwrap_or(1.0) - t[0];
            let first = rest * share / (1.0 - share);
            let shift = first - t[0];
            t.iter_mut().for_each(|c| *c += shift);
        }
        Tables {
            vn_family: weighted_table(&VN_FAMILY.iter().map(|x| x.1).collect::<Vec<_>>()),
            kr_family: weighted_table(&KR_FAMILY.iter().map(|x| x.1).collect::<Vec<_>>()),
            // The most common given name is borne by about one person in twenty.
            vn_given_m: zipf_table(VN_GIVEN_M.len(), 0.6),
            vn_given_f: zipf_table(VN_GIVEN_F.len(), 0.6),
            vn_middle_m: middle_m,
            vn_middle_f: middle_f,
            small: zipf_table(64, 0.8),
            cultures: weighted_table(&CULTURES.iter().map(|x| x.1).collect::<Vec<_>>()),
        }
    }
}

/// Makes people, lists and queries.
pub struct Generator {
    rng: Rng,
    tables: Tables,
    issued: std::collections::HashSet<String>,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator").field("rng", &self.rng).finish_non_exhaustive()
    }
}

fn country(code: &str) -> Country {
    Country::parse(code).unwrap_or_else(|_| unreachable!("the generator's codes are valid"))
}

impl Generator {
    pub fn new(seed: u64) -> Generator {
        Generator { rng: Rng::new(seed), tables: Tables::new(), issued: Default::default() }
    }

    /// A name made of two parts, as Lao, Khmer and Thai names are (`Souk` + `savanh`).
    fn compound(&mut self, heads: &[&str], tails: &[&str]) -> String {
        format!("{}{}", self.rng.pick_str(heads), self.rng.pick_str(tails))
    }

    fn small<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        let i = self.rng.zipf(&self.tables.small[..items.len()]);
        items[i]
    }

    pub fn person(&mut self) -> Person {
        let culture = CULTURES[self.rng.zipf(&self.tables.cultures)].0;
        let sex = if self.rng.chance(0.55) { Sex::Male } else { Sex::Female };
        let male = sex == Sex::Male;
        let year = 1950 + self.rng.below(56) as i32;
        let day_of_year = 1 + self.rng.below(365) as u16;
        let dob = time::Date::from_ordinal_date(year, day_of_year)
            .unwrap_or_else(|_| unreachable!("1..=365 is a day of every year"));
        fn s(x: &str) -> String {
            x.to_string()
        }
        let (family, middle, given, nat): (Vec<String>, Vec<String>, Vec<String>, &str) =
            match culture {
                Culture::Vietnamese => {
                    let family = VN_FAMILY[self.rng.zipf(&self.tables.vn_family)].0;
                    let (mids, mid_table, givens, given_table) = if male {
                        (VN_MIDDLE_M, &self.tables.vn_middle_m, VN_GIVEN_M, &self.tables.vn_given_m)
                    } else {
                        (VN_MIDDLE_F, &self.tables.vn_middle_f, VN_GIVEN_F, &self.tables.vn_given_f)
                    };
                    let mut middle = vec![s(mids[self.rng.zipf(mid_table)])];
                    if self.rng.chance(0.12) {
                        middle.push(s(mids[1 + self.rng.below(mids.len() - 1)]));
                    }
                    let given = givens[self.rng.zipf(given_table)];
                    (vec![s(family)], middle, vec![s(given)], "VNM")
                }
                Culture::Chinese => {
                    let family = self.small(CN_FAMILY);
                    let n = if self.rng.chance(0.7) { 2 } else { 1 };
                    let syl: Vec<&str> = (0..n).map(|_| *self.rng.pick(CN_SYLLABLE)).collect();
                    let mut given = syl.concat();
                    given[..1].make_ascii_uppercase();
                    (vec![s(family)], Vec::new(), vec![given], "CHN")
                }
                Culture::Korean => {
                    let family = KR_FAMILY[self.rng.zipf(&self.tables.kr_family)].0;
                    let given = format!(
                        "{}-{}",
                        capitalised(self.rng.pick_str(KR_SYLLABLE)),
                        self.rng.pick_str(KR_SYLLABLE)
                    );
                    (vec![s(family)], Vec::new(), vec![given], "KOR")
                }
                Culture::Lao => (
                    vec![self.compound(LA_FAMILY_HEAD, LA_FAMILY_TAIL)],
                    Vec::new(),
                    vec![self.compound(LA_GIVEN_HEAD, LA_GIVEN_TAIL)],
                    "LAO",
                ),
                Culture::Khmer => (
                    vec![s(self.small(KH_FAMILY))],
                    Vec::new(),
                    vec![self.compound(KH_GIVEN_HEAD, KH_GIVEN_TAIL)],
                    "KHM",
                ),
                Culture::Thai => (
                    vec![self.compound(TH_FAMILY_HEAD, TH_FAMILY_TAIL)],
                    Vec::new(),
                    vec![self.compound(TH_GIVEN_HEAD, TH_GIVEN_TAIL)],
                    "THA",
                ),
                Culture::Russian => {
                    let given =
                        if male { *self.rng.pick(RU_GIVEN_M) } else { *self.rng.pick(RU_GIVEN_F) };
                    let mut family = self.rng.pick_string(RU_FAMILY_M);
                    let root = *self.rng.pick(RU_PATRONYMIC_ROOT);
                    let patronymic =
                        if male { format!("{root}ич") } else { format!("{root}на") };
                    if !male {
                        family.push('а');
                    }
                    let middle = if self.rng.chance(0.5) { vec![patronymic] } else { Vec::new() };
                    (vec![family], middle, vec![s(given)], "RUS")
                }
                Culture::Western => {
                    let given =
                        if male { *self.rng.pick(WE_GIVEN_M) } else { *self.rng.pick(WE_GIVEN_F) };
                    let mut given = vec![s(given)];
                    if self.rng.chance(0.3) {
                        let pool = if male { WE_GIVEN_M } else { WE_GIVEN_F };
                        given.push(self.rng.pick_string(pool));
                    }
                    let nat = *self.rng.pick(&[
                        "USA", "GBR", "FRA", "DEU", "AUS", "ESP", "NLD", "DNK", "POL", "ITA",
                    ]);
                    (vec![self.rng.pick_string(WE_FAMILY)], Vec::new(), given, nat)
                }
            };
        Person { culture, family, middle, given, sex, dob, nationality: country(nat) }
    }

    /// A document number of the state's usual shape, never issued before: a number names one
    /// document.
    fn document_number(&mut self, nationality: Country) -> String {
        let (prefix, digits) = match nationality.as_str() {
            "VNM" => ("C", 7),
            "CHN" => ("E", 8),
            "KOR" => ("M", 8),
            "RUS" => ("", 9),
            _ => ("P", 7),
        };
        loop {
            let mut n = prefix.to_string();
            for _ in 0..digits {
                n.push(char::from(b'0' + self.rng.below(10) as u8));
            }
            if self.issued.insert(format!("{nationality}{n}")) {
                return n;
            }
        }
    }

    /// A listing of `person` under `id`: what the list knows (the date of birth may be only a
    /// year, or unknown), with aliases now and then.
    pub fn entry(&mut self, id: String, person: &Person) -> Entry {
        let dob = match self.rng.below(100) {
            0..96 => Some(Dob::Full(person.dob)),
            96..99 => Some(Dob::Year(person.dob.year())),
            _ => None,
        };
        let mut aliases = Vec::new();
        if self.rng.chance(0.25) {
            aliases.push(self.alias(person));
            if self.rng.chance(0.3) {
                aliases.push(self.alias(person));
            }
        }
        let document_number = if self.rng.chance(0.6) {
            DocumentNumber::parse(&self.document_number(person.nationality))
        } else {
            None
        };
        Entry {
            id,
            name: person.written(),
            aliases,
            dob,
            nationality: Some(person.nationality),
            sex: Some(person.sex),
            document_number,
        }
    }

    fn alias(&mut self, person: &Person) -> String {
        let mut other = person.clone();
        match self.rng.below(3) {
            // Another given name the person is known by.
            0 => {
                let fresh = self.person_like(person);
                other.given = fresh.given;
            }
            // Another spelling.
            1 => {
                return self
                    .transliteration_variant(&ascii_upper(&person.written()), person.culture);
            }
            // Without diacritics, family name last.
            _ => {
                let t = crate::normalize::tokens(&person.written());
                if let Some((first, rest)) = t.split_first() {
                    return format!("{} {first}", rest.join(" "));
                }
            }
        }
        other.written()
    }

    /// Someone of the same culture and sex, drawn afresh.
    fn person_like(&mut self, person: &Person) -> Person {
        for _ in 0..50 {
            let p = self.person();
            if p.culture == person.culture && p.sex == person.sex {
                return p;
            }
        }
        self.person()
    }

    /// A plausible other romanisation of a name of `culture`: Russian `-iy/-y/-i`, `ks/x`,
    /// `ya/ia`, `yu/iu`, `kh/h`; Korean `Park/Pak`, `Choi/Choe`, `Yoon/Yun`, `Eun/Un`; Lao, Khmer
    /// and Thai `Sou/Su`, `X/S`, `Ph/P`, `V/W`; German umlauts written out or dropped. Names
    /// whose romanisation is fixed (Vietnamese in the MRZ, Chinese pinyin) come back unchanged.
    pub fn transliteration_variant(&mut self, name: &str, culture: Culture) -> String {
        const RUSSIAN: &[(&str, &str)] = &[
            ("IY ", "Y "),
            ("IY ", "I "),
            ("IY ", "II "),
            ("KS", "X"),
            ("X", "KS"),
            ("YA", "IA"),
            ("IA", "YA"),
            ("YU", "IU"),
            ("IU", "YU"),
            ("EY", "EI"),
            ("AY", "AI"),
            ("YE", "E"),
            ("KH", "H"),
            ("II ", "Y "),
        ];
        const KOREAN: &[(&str, &str)] = &[
            ("PARK", "PAK"),
            ("CHOI", "CHOE"),
            ("YOON", "YUN"),
            ("EUN", "UN"),
            ("SEO", "SUH"),
            ("HYUN", "HYEON"),
            ("OO", "U"),
            ("SHIN", "SIN"),
        ];
        const SOUTHEAST: &[(&str, &str)] = &[
            ("SOU", "SU"),
            ("X", "S"),
            ("PH", "P"),
            ("V", "W"),
            ("OU", "U"),
            ("EE", "I"),
            ("CH", "J"),
        ];
        const WESTERN: &[(&str, &str)] = &[("UE", "U"), ("OE", "O"), ("AE", "A"), ("PH", "F")];
        let rules = match culture {
            Culture::Russian => RUSSIAN,
            Culture::Korean => KOREAN,
            Culture::Lao | Culture::Khmer | Culture::Thai => SOUTHEAST,
            Culture::Western => WESTERN,
            Culture::Vietnamese | Culture::Chinese => &[],
        };
        let padded = format!("{name} ");
        let applicable: Vec<&(&str, &str)> =
            rules.iter().filter(|(from, _)| padded.contains(from)).collect();
        if applicable.is_empty() {
            return name.to_string();
        }
        let (from, to) = **self.rng.pick(&applicable);
        padded.replacen(from, to, 1).trim_end().to_string()
    }

    /// One OCR-like mistake in one token of four letters or more.
    pub fn typo(&mut self, name: &str) -> String {
        let mut tokens: Vec<Vec<u8>> = name
            .split([' ', '<'])
            .filter(|t| !t.is_empty())
            .map(|t| t.as_bytes().to_vec())
            .collect();
        let long: Vec<usize> = (0..tokens.len()).filter(|&i| tokens[i].len() >= 4).collect();
        let Some(&i) = (if long.is_empty() { None } else { Some(self.rng.pick(&long)) }) else {
            return name.to_string();
        };
        let t = &mut tokens[i];
        let at = 1 + self.rng.below(t.len() - 1);
        // A reader misreads letters in place (the MRZ has fixed positions); a person typing
        // also drops, doubles and swaps them.
        match self.rng.below(20) {
            0..12 => {
                let c = t[at];
                t[at] = crate::normalize::LOOK_ALIKE
                    .iter()
                    .find_map(|&(a, b)| {
                        if a == c {
                            Some(b)
                        } else if b == c {
                            Some(a)
                        } else {
                            None
                        }
                    })
                    .unwrap_or(b'A' + self.rng.below(26) as u8);
            }
            12..15 => {
                t.remove(at);
            }
            15..17 => {
                let c = t[at];
                t.insert(at, c);
            }
            _ => {
                if at + 1 < t.len() {
                    t.swap(at, at + 1);
                } else {
                    t.swap(at - 1, at);
                }
            }
        }
        tokens.iter().map(|t| String::from_utf8_lossy(t).into_owned()).collect::<Vec<_>>().join(" ")
    }

    /// A date slipped in one place: the day or the month one digit off, day and month swapped,
    /// or the year one off (still a real date).
    fn misread_date(&mut self, d: time::Date) -> time::Date {
        let (y, m, day) = (d.year(), u8::from(d.month()), d.day());
        for _ in 0..20 {
            let (y2, m2, d2) = match self.rng.below(4) {
                0 => (y, m, (day / 10) * 10 + self.rng.below(10) as u8),
                1 => (y, (m / 10) * 10 + self.rng.below(10) as u8, day),
                2 => (y, day, m),
                _ => (if self.rng.chance(0.5) { y + 1 } else { y - 1 }, m, day),
            };
            if let Ok(month) = time::Month::try_from(m2)
                && let Ok(x) = time::Date::from_calendar_date(y2, month, d2)
                && x != d
            {
                return x;
            }
        }
        d
    }

    /// A date of birth clearly not `d`: another year and day.
    fn other_date(&mut self, d: time::Date) -> time::Date {
        loop {
            let year = 1950 + self.rng.below(56) as i32;
            let day = 1 + self.rng.below(365) as u16;
            if let Ok(x) = time::Date::from_ordinal_date(year, day)
                && year.abs_diff(d.year()) > 1
                && crate::score::compare_dob(Some(Dob::Full(x)), Some(Dob::Full(d)))
                    == crate::score::DobVerdict::Differs
            {
                return x;
            }
        }
    }
}

/// A query with the answer the evaluation expects.
#[derive(Clone, Debug)]
pub struct Labelled {
    pub query: Query,
    /// The listed person this query is about, or `None` for someone not on the list.
    pub expect: Option<String>,
    pub kind: &'static str,
}

/// A generated list and its labelled queries.
#[derive(Debug)]
pub struct EvalSet {
    pub entries: Vec<Entry>,
    pub queries: Vec<Labelled>,
}

/// Kinds of positive queries with their shares.
pub const POSITIVE_KINDS: &[(&str, usize)] = &[
    ("mrz", 24),
    ("reordered", 8),
    ("missing_middle", 6),
    ("typo", 18),
    ("joined_split", 10),
    ("transliteration", 10),
    ("alias", 8),
    ("truncated", 4),
    ("misread_dob", 2),
    ("other_nationality", 3),
    ("shared_document", 3),
];

pub const NEGATIVE_KINDS: &[(&str, usize)] =
    &[("stranger", 60), ("same_family_and_middle", 20), ("same_name_other_dob", 20)];

impl EvalSet {
    /// `entries` listed people; `positives` queries about them and `negatives` about others.
    pub fn generate(seed: u64, entries: usize, positives: usize, negatives: usize) -> EvalSet {
        let mut g = Generator::new(seed);
        let mut people = Vec::with_capacity(entries);
        let mut list = Vec::with_capacity(entries);
        for i in 0..entries {
            let p = g.person();
            list.push(g.entry(format!("W{:07}", i + 1), &p));
            people.push(p);
        }
        let mut queries = Vec::with_capacity(positives + negatives);
        let pos_total: usize = POSITIVE_KINDS.iter().map(|k| k.1).sum();
        for n in 0..positives {
            let kind = pick_kind(POSITIVE_KINDS, n, positives, pos_total);
            if entries == 0 {
                break;
            }
            let mut i = g.rng.below(entries);
            // Only names romanised in more than one way have transliteration variants.
            for _ in 0..1000 {
                if kind != "transliteration"
                    || !matches!(people[i].culture, Culture::Vietnamese | Culture::Chinese)
                {
                    break;
                }
                i = g.rng.below(entries);
            }
            queries.push(positive(&mut g, &people[i], &list[i], kind));
        }
        let neg_total: usize = NEGATIVE_KINDS.iter().map(|k| k.1).sum();
        for n in 0..negatives {
            let kind = pick_kind(NEGATIVE_KINDS, n, negatives, neg_total);
            let q = match kind {
                "same_family_and_middle" if entries > 0 => {
                    let p = &people[g.rng.below(entries)];
                    let mut other = g.person_like(p);
                    other.family = p.family.clone();
                    other.middle = p.middle.clone();
                    if other.given == p.given {
                        other = g.person_like(p);
                    }
                    let dob = g.other_date(p.dob);
                    document_query(&mut g, &Person { dob, ..other })
                }
                // Another day of birth tells two people of one name apart only where the list
                // has the listed one's day: a listing without it could be either.
                "same_name_other_dob" if entries > 0 => {
                    let mut i = g.rng.below(entries);
                    for _ in 0..1000 {
                        if matches!(list[i].dob, Some(Dob::Full(_))) {
                            break;
                        }
                        i = g.rng.below(entries);
                    }
                    let p = &people[i];
                    let dob = g.other_date(p.dob);
                    document_query(&mut g, &Person { dob, ..p.clone() })
                }
                _ => {
                    let p = g.person();
                    document_query(&mut g, &p)
                }
            };
            queries.push(Labelled { query: q, expect: None, kind });
        }
        EvalSet { entries: list, queries }
    }
}

fn pick_kind(
    kinds: &[(&'static str, usize)],
    n: usize,
    count: usize,
    total: usize,
) -> &'static str {
    // Spread kinds over the sequence in their shares, deterministically.
    let x = n * total / count.max(1);
    let mut acc = 0;
    for &(k, share) in kinds {
        acc += share;
        if x < acc {
            return k;
        }
    }
    kinds.last().map_or("", |k| k.0)
}

/// What the desk reads from this person's passport: MRZ name, full date of birth, nationality,
/// sex, a document number of their own.
fn document_query(g: &mut Generator, p: &Person) -> Query {
    Query {
        name: p.mrz(39, true),
        dob: Some(Dob::Full(p.dob)),
        nationality: Some(p.nationality),
        sex: Some(p.sex),
        document_number: DocumentNumber::parse(&g.document_number(p.nationality)),
    }
}

fn positive(g: &mut Generator, p: &Person, e: &Entry, kind: &'static str) -> Labelled {
    let mut q = document_query(g, p);
    let mrz = p.mrz(39, true);
    q.name = match kind {
        // The name in the order its culture does not use: family last where the family comes
        // first, and the other way round; a Russian name as Russians list it, family, given
        // name, patronymic.
        "reordered" => {
            let family = ascii_upper(&p.family.join(" "));
            let part = |v: &[String]| ascii_upper(&v.join(" "));
            match p.culture {
                Culture::Vietnamese | Culture::Chinese | Culture::Korean | Culture::Khmer => {
                    let rest: Vec<String> = p.middle.iter().chain(&p.given).cloned().collect();
                    format!("{} {family}", part(&rest))
                }
                _ => format!("{family} {} {}", part(&p.given), part(&p.middle)).trim().to_string(),
            }
        }
        "missing_middle" if !p.middle.is_empty() => p.mrz(39, false),
        "typo" => g.typo(&mrz),
        "joined_split" => joined_or_split(p).unwrap_or_else(|| g.typo(&mrz)),
        "transliteration" => {
            let v = g.transliteration_variant(&mrz.replace('<', " "), p.culture);
            if v == mrz.replace('<', " ") { g.typo(&mrz) } else { v }
        }
        "alias" if !e.aliases.is_empty() => ascii_upper(g.rng.pick(&e.aliases).as_str()),
        "truncated" => p.mrz(30, true),
        _ => mrz,
    };
    if kind == "misread_dob" {
        q.dob = Some(Dob::Full(g.misread_date(p.dob)));
    }
    if kind == "other_nationality" {
        q.nationality = Some(country(if p.nationality.as_str() == "VNM" { "KHM" } else { "VNM" }));
    }
    if kind == "shared_document" {
        q.document_number = e.document_number.clone().or(q.document_number);
    }
    Labelled { query: q, expect: Some(e.id.clone()), kind }
}

/// The given name with its syllables joined (`NGOC ANH` → `NGOCANH`, `JI-HOON` → `JIHOON`) or a
/// joined Chinese given name split (`XIAOMING` → `XIAO MING`).
fn joined_or_split(p: &Person) -> Option<String> {
    let family = ascii_upper(&p.family.join(" "));
    let rest: Vec<String> = crate::normalize::tokens(
        &p.middle.iter().chain(&p.given).cloned().collect::<Vec<_>>().join(" "),
    );
    match p.culture {
        Culture::Vietnamese if rest.len() >= 2 => {
            let n = rest.len();
            Some(
                format!("{family} {} {}{}", rest[..n - 2].join(" "), rest[n - 2], rest[n - 1])
                    .replace("  ", " "),
            )
        }
        Culture::Korean | Culture::Khmer | Culture::Lao | Culture::Thai | Culture::Western
            if rest.len() >= 2 =>
        {
            Some(format!("{family} {}", rest.concat()))
        }
        Culture::Chinese => {
            let given = rest.concat();
            let split = CN_SYLLABLE
                .iter()
                .map(|s| s.to_ascii_uppercase())
                .find(|s| given.starts_with(s.as_str()) && given.len() > s.len())?;
            Some(format!("{family} {} {}", split, &given[split.len()..]))
        }
        _ => None,
    }
}
