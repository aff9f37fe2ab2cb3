//! Every text of the pages in Vietnamese and English. A struct rather than a key lookup, so that
//! a template naming a text that does not exist does not compile, and a language missing one
//! does not either.

use domain::{Decision, Direction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn from_cookie(v: Option<&str>) -> Lang {
        match v {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }
}

#[derive(Debug)]
pub struct Texts {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub app_name: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub desk: &'static str,
    pub history: &'static str,
    pub watchlist: &'static str,
    pub alerts: &'static str,
    pub board: &'static str,
    pub entry: &'static str,
    pub exit: &'static str,
    pub direction: &'static str,
    pub document_input: &'static str,
    pub document_hint: &'static str,
    pub check: &'static str,
    pub record: &'static str,
    pub clear_input: &'static str,
    pub recorded: &'static str,
    pub recorded_before: &'static str,
    pub verdict_clear: &'static str,
    pub verdict_refer: &'static str,
    pub verdict_deny: &'static str,
    pub reasons: &'static str,
    pub no_reasons: &'static str,
    pub traveller: &'static str,
    pub name: &'static str,
    pub document: &'static str,
    pub nationality: &'static str,
    pub birth_date: &'static str,
    pub sex: &'static str,
    pub expiry_date: &'static str,
    pub recent_crossings: &'static str,
    pub no_crossings: &'static str,
    pub when: &'static str,
    pub checkpoint: &'static str,
    pub channel: &'static str,
    pub decision: &'static str,
    pub watchlist_hits: &'static str,
    pub score: &'static str,
    pub action: &'static str,
    pub dismissed: &'static str,
    pub search: &'static str,
    pub issuing_state: &'static str,
    pub number: &'static str,
    pub or_by_name: &'static str,
    pub not_found: &'static str,
    pub aliases: &'static str,
    pub reason: &'static str,
    pub valid_until: &'static str,
    pub add_entry: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub next_page: &'static str,
    pub entries_total: &'static str,
    pub open: &'static str,
    pub confirmed: &'static str,
    pub all: &'static str,
    pub confirm: &'static str,
    pub dismiss: &'static str,
    pub status: &'static str,
    pub raised_at: &'static str,
    pub no_alerts: &'static str,
    pub today_at: &'static str,
    pub hour: &'static str,
    pub total: &'static str,
    pub errors_summary: &'static str,
    pub bad_credentials: &'static str,
    pub too_many_attempts: &'static str,
    pub forbidden: &'static str,
    pub keys_hint: &'static str,
    pub action_deny: &'static str,
    pub action_refer: &'static str,
    pub action_notify: &'static str,
    pub dob_hint: &'static str,
    pub manual_entry: &'static str,
    pub doc_type: &'static str,
    pub passport: &'static str,
    pub id_card: &'static str,
    pub border_pass: &'static str,
    pub visa: &'static str,
    pub given_names: &'static str,
    pub surname: &'static str,
    pub issuing_area: &'static str,
    pub date_hint: &'static str,
    pub dismissed_tab: &'static str,
}

pub static VI: Texts = Texts {
    lang: "vi",
    other_lang: "en",
    other_lang_name: "English",
    app_name: "Biên phòng",
    sign_in: "Đăng nhập",
    sign_out: "Đăng xuất",
    username: "Tên đăng nhập",
    password: "Mật khẩu",
    desk: "Kiểm soát xuất nhập cảnh",
    history: "Lịch sử xuất nhập cảnh",
    watchlist: "Danh sách đối tượng",
    alerts: "Cảnh báo",
    board: "Bảng hôm nay",
    entry: "Nhập cảnh",
    exit: "Xuất cảnh",
    direction: "Hướng",
    document_input: "Giấy tờ (MRZ từ máy đọc)",
    document_hint: "Đặt giấy tờ lên máy đọc, hoặc gõ hai dòng MRZ rồi nhấn Enter.",
    check: "Kiểm tra",
    record: "Ghi nhận",
    clear_input: "Xóa",
    recorded: "Đã ghi nhận",
    recorded_before: "Đã ghi nhận trước đó",
    verdict_clear: "THÔNG QUA",
    verdict_refer: "KIỂM TRA THÊM",
    verdict_deny: "TỪ CHỐI",
    reasons: "Lý do",
    no_reasons: "Không có điểm cần lưu ý.",
    traveller: "Người xuất nhập cảnh",
    name: "Họ tên",
    document: "Giấy tờ",
    nationality: "Quốc tịch",
    birth_date: "Ngày sinh",
    sex: "Giới tính",
    expiry_date: "Ngày hết hạn",
    recent_crossings: "Các lần xuất nhập cảnh gần đây",
    no_crossings: "Chưa có lần xuất nhập cảnh nào.",
    when: "Thời gian",
    checkpoint: "Cửa khẩu",
    channel: "Kênh",
    decision: "Kết quả",
    watchlist_hits: "Trùng danh sách đối tượng",
    score: "Điểm",
    action: "Xử lý",
    dismissed: "đã loại trừ",
    search: "Tìm",
    issuing_state: "Nước cấp",
    number: "Số giấy tờ",
    or_by_name: "hoặc theo họ tên và ngày sinh",
    not_found: "Không tìm thấy.",
    aliases: "Tên khác",
    reason: "Lý do",
    valid_until: "Hiệu lực đến",
    add_entry: "Thêm đối tượng",
    save: "Lưu",
    saved: "Đã lưu",
    next_page: "Trang sau",
    entries_total: "đối tượng",
    open: "Đang mở",
    confirmed: "Đã xác nhận",
    all: "Tất cả",
    confirm: "Xác nhận",
    dismiss: "Loại trừ (nhầm)",
    status: "Trạng thái",
    raised_at: "Lúc",
    no_alerts: "Không có cảnh báo.",
    today_at: "Hôm nay tại",
    hour: "Giờ",
    total: "Tổng",
    errors_summary: "Chưa thực hiện được:",
    bad_credentials: "Sai tên đăng nhập hoặc mật khẩu.",
    too_many_attempts: "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.",
    forbidden: "Tài khoản của bạn không được phép thực hiện việc này.",
    keys_hint: "Enter: kiểm tra · F9: ghi nhận · Esc: xóa",
    action_deny: "từ chối",
    action_refer: "kiểm tra thêm",
    action_notify: "thông báo",
    dob_hint: "YYYY-MM-DD hoặc YYYY",
    manual_entry: "Nhập tay (giấy tờ không có MRZ)",
    doc_type: "Loại giấy tờ",
    passport: "Hộ chiếu",
    id_card: "Thẻ căn cước / CMND",
    border_pass: "Giấy thông hành",
    visa: "Thị thực",
    given_names: "Tên đệm và tên",
    surname: "Họ",
    issuing_area: "Tỉnh cấp (giấy thông hành)",
    date_hint: "dd/mm/yyyy",
    dismissed_tab: "Đã loại trừ",
};

pub static EN: Texts = Texts {
    lang: "en",
    other_lang: "vi",
    other_lang_name: "Tiếng Việt",
    app_name: "Border Guard",
    sign_in: "Sign in",
    sign_out: "Sign out",
    username: "User name",
    password: "Password",
    desk: "Exit-entry control",
    history: "Travel history",
    watchlist: "Watchlist",
    alerts: "Alerts",
    board: "Today's board",
    entry: "Entry",
    exit: "Exit",
    direction: "Direction",
    document_input: "Document (MRZ from the reader)",
    document_hint: "Put the document on the reader, or type the two MRZ lines and press Enter.",
    check: "Check",
    record: "Record",
    clear_input: "Clear",
    recorded: "Recorded",
    recorded_before: "Recorded before",
    verdict_clear: "CLEAR",
    verdict_refer: "REFER",
    verdict_deny: "DENY",
    reasons: "Reasons",
    no_reasons: "Nothing to note.",
    traveller: "Traveller",
    name: "Name",
    document: "Document",
    nationality: "Nationality",
    birth_date: "Date of birth",
    sex: "Sex",
    expiry_date: "Expiry date",
    recent_crossings: "Recent crossings",
    no_crossings: "No crossings yet.",
    when: "When",
    checkpoint: "Checkpoint",
    channel: "Channel",
    decision: "Decision",
    watchlist_hits: "Watchlist hits",
    score: "Score",
    action: "Action",
    dismissed: "dismissed",
    search: "Search",
    issuing_state: "Issuing state",
    number: "Document number",
    or_by_name: "or by name and date of birth",
    not_found: "Nothing found.",
    aliases: "Aliases",
    reason: "Reason",
    valid_until: "Valid until",
    add_entry: "Add a person",
    save: "Save",
    saved: "Saved",
    next_page: "Next page",
    entries_total: "people",
    open: "Open",
    confirmed: "Confirmed",
    all: "All",
    confirm: "Confirm",
    dismiss: "Dismiss (false positive)",
    status: "Status",
    raised_at: "Raised",
    no_alerts: "No alerts.",
    today_at: "Today at",
    hour: "Hour",
    total: "Total",
    errors_summary: "This could not be done:",
    bad_credentials: "Wrong user name or password.",
    too_many_attempts: "Too many failed sign-ins. Please try again in a few minutes.",
    forbidden: "Your account may not do this.",
    keys_hint: "Enter: check · F9: record · Esc: clear",
    action_deny: "deny",
    action_refer: "refer",
    action_notify: "notify",
    dob_hint: "YYYY-MM-DD or YYYY",
    manual_entry: "Type by hand (no MRZ)",
    doc_type: "Document type",
    passport: "Passport",
    id_card: "Identity card",
    border_pass: "Border pass",
    visa: "Visa",
    given_names: "Given names",
    surname: "Surname",
    issuing_area: "Issuing province (border pass)",
    date_hint: "dd/mm/yyyy",
    dismissed_tab: "Dismissed",
};

impl Texts {
    pub fn verdict(&self, d: Decision) -> &'static str {
        match d {
            Decision::Clear => self.verdict_clear,
            Decision::Refer => self.verdict_refer,
            Decision::Deny => self.verdict_deny,
        }
    }

    pub fn doc_type_word(&self, d: domain::DocumentType) -> &'static str {
        match d {
            domain::DocumentType::Passport => self.passport,
            domain::DocumentType::IdCard => self.id_card,
            domain::DocumentType::BorderPass => self.border_pass,
            domain::DocumentType::Visa => self.visa,
        }
    }

    pub fn direction_word(&self, d: Direction) -> &'static str {
        match d {
            Direction::Entry => self.entry,
            Direction::Exit => self.exit,
        }
    }

    pub fn action_word(&self, a: domain::WatchAction) -> &'static str {
        match a {
            domain::WatchAction::Deny => self.action_deny,
            domain::WatchAction::Refer => self.action_refer,
            domain::WatchAction::Notify => self.action_notify,
        }
    }

    /// A reason's sentence in this language, by its code; the English message otherwise.
    pub fn reason(&self, code: &str, message: &str) -> String {
        if self.lang == "en" {
            return message.to_string();
        }
        let vi = match code {
            "document_expired" => "Giấy tờ đã hết hạn",
            "watchlist_hit" => "Trùng danh sách đối tượng",
            "entry_without_exit" => "Đã nhập cảnh trước đó, chưa có lần xuất cảnh",
            "exit_without_entry" => "Đã xuất cảnh trước đó, chưa có lần nhập cảnh",
            "border_pass_wrong_area" => "Giấy thông hành không có giá trị tại cửa khẩu này",
            "border_pass_area_unknown" => "Giấy thông hành không ghi khu vực cấp",
            c if c.ends_with("_check_digit") => "Sai số kiểm tra (check digit) của MRZ",
            c if c.starts_with("invalid_") => "Trường dữ liệu trên MRZ không hợp lệ",
            _ => return message.to_string(),
        };
        format!("{vi} — {message}")
    }
}

/// `65.465.179` in Vietnamese, `65,465,179` in English.
pub fn thousands(n: i64, lang: &str) -> String {
    let sep = if lang == "vi" { '.' } else { ',' };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_per_language() {
        assert_eq!(thousands(65_465_179, "vi"), "65.465.179");
        assert_eq!(thousands(65_465_179, "en"), "65,465,179");
        assert_eq!(thousands(999, "vi"), "999");
        assert_eq!(thousands(-1000, "vi"), "-1.000");
    }
}
