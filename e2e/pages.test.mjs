// The pages end to end: the built `bienphong demo` on a free port, Debian's Chromium headless.
// Screenshots go to e2e/screenshots/ for a person to look at.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.BIENPHONG_BIN || join(here, "..", "target", "debug", "bienphong");
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });

let server, base, accounts = {}, browser, dataDir;

// ICAO 9303 check digit: weights 7, 3, 1; digits, A–Z as 10–35, `<` as 0.
function checkDigit(s) {
  const w = [7, 3, 1];
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const v = c === "<" ? 0 : c >= "0" && c <= "9" ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55;
    sum += v * w[i % 3];
  }
  return String(sum % 10);
}

// A TD3 passport MRZ of a traveller the demo has never seen.
function passport({ surname, given, number, state = "VNM", birth, sex, expiry }) {
  const name = (surname + "<<" + given.replace(/ /g, "<")).padEnd(39, "<").slice(0, 39);
  const line1 = "P<" + state + name;
  const num = number.padEnd(9, "<");
  const part = num + checkDigit(num) + state + birth + checkDigit(birth) + sex + expiry + checkDigit(expiry);
  const optional = "<".repeat(14) + checkDigit("<".repeat(14));
  const composite = num + checkDigit(num) + birth + checkDigit(birth) + expiry + checkDigit(expiry) + optional;
  const line2 = part + optional + checkDigit(composite);
  assert.equal(line1.length, 44);
  assert.equal(line2.length, 44);
  return [line1, line2];
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "bienphong-e2e-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  server = spawn(binary, ["demo", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir,
    "--travellers", "3000", "--watchlist", "2000"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the demo did not start in 60 s:\n" + out)), 60000);
    server.stdout.on("data", (d) => {
      out += d;
      if (out.includes("documents to try")) { clearTimeout(timer); setTimeout(resolve, 300); }
    });
    server.on("exit", (code) => reject(new Error(`the demo exited (${code}):\n${out}`)));
  });
  base = out.match(/http:\/\/[^/\s]+/)[0];
  for (const m of out.matchAll(/^\s+(\S+)\s+(\S+-demo-2026)\s+(\S+)/gm)) accounts[m[1]] = m[2];
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(user, { lang = "vi", width = 1280, height = 900, password } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  if (lang === "en") {
    await context.addCookies([{ name: "bp_lang", value: "en", url: base }]);
  }
  const page = await context.newPage();
  await page.goto(base + "/");
  assert.match(page.url(), /\/login/);
  await page.fill("#username", user);
  await page.fill("#password", password || accounts[user]);
  await page.click("button[type=submit]");
  return page;
}

// A document reader types like a keyboard: each line, then Enter.
async function readDocument(page, lines) {
  await page.focus("#mrz");
  for (const line of lines) {
    await page.keyboard.type(line);
    await page.keyboard.press("Enter");
  }
  await page.waitForSelector(".verdict .band, .error");
}

test("a wrong password is refused with a readable message", async () => {
  const page = await browser.newPage();
  await page.goto(base + "/login");
  assert.equal(await page.getAttribute("html", "lang"), "vi");
  await page.fill("#username", "officer.mongcai");
  await page.fill("#password", "not the password");
  await page.click("button[type=submit]");
  assert.match(await page.textContent(".error"), /Sai tên đăng nhập hoặc mật khẩu/);
  assert.equal(await page.inputValue("#username"), "officer.mongcai");
  await page.screenshot({ path: join(shots, "login-error.png") });
  await page.close();
});

test("the desk: read, decide, record with one key, see the history, refer a second entry", async () => {
  const page = await signIn("officer.mongcai");
  assert.match(page.url(), /\/desk$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "mrz");
  await page.check('input[name=direction][value=entry]');
  const doc = passport({ surname: "HOANG", given: "THI THU TRANG", number: "E2E12345",
    birth: "900214", sex: "F", expiry: "320101" });
  await readDocument(page, doc);
  assert.equal(await page.textContent(".verdict .band"), "THÔNG QUA");
  assert.equal(await page.getAttribute(".verdict .band", "data-decision"), "clear");
  assert.match(await page.textContent(".traveller .name"), /HOANG THI THU TRANG/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "mrz");
  await page.screenshot({ path: join(shots, "desk-clear.png"), fullPage: true });

  await page.keyboard.press("F9");
  await page.waitForSelector(".notice");
  assert.match(await page.textContent(".notice"), /Đã ghi nhận: Nhập cảnh — THÔNG QUA/);
  assert.equal(await page.locator(".recent tbody tr").count(), 1);
  assert.equal(await page.inputValue("#mrz"), "");
  assert.equal(await page.evaluate(() => document.activeElement.id), "mrz");

  // The same person entering again, with no exit between.
  await readDocument(page, doc);
  assert.equal(await page.textContent(".verdict .band"), "KIỂM TRA THÊM");
  assert.match(await page.textContent(".reasons"), /chưa có lần xuất cảnh/);
  await page.screenshot({ path: join(shots, "desk-refer.png"), fullPage: true });

  // Esc clears for the next traveller.
  await page.keyboard.press("Escape");
  assert.equal(await page.locator(".verdict").count(), 0);
  assert.equal(await page.inputValue("#mrz"), "");

  const expired = passport({ surname: "PHAM", given: "VAN BINH", number: "E2E99999",
    birth: "800101", sex: "M", expiry: "240101" });
  await readDocument(page, expired);
  assert.equal(await page.textContent(".verdict .band"), "TỪ CHỐI");
  await page.screenshot({ path: join(shots, "desk-deny.png"), fullPage: true });

  // A common name: the officer asks for the listings the score held back, and sees them, or
  // that there are none, in Vietnamese.
  await page.keyboard.press("Escape");
  await readDocument(page, passport({ surname: "NGUYEN", given: "VAN HUNG", number: "E2E55556",
    birth: "870615", sex: "M", expiry: "320101" }));
  assert.equal(await page.locator("section.held-back").count(), 0);
  await Promise.all([page.waitForNavigation(), page.click("button.show-held-back")]);
  assert.match(await page.textContent("section.held-back h2"), /Không báo: trùng cả tên/);
  assert.match(await page.textContent(".traveller .name"), /NGUYEN VAN HUNG/);
  await page.screenshot({ path: join(shots, "desk-held-back.png"), fullPage: true });

  // A border pass typed by hand, issued in another province.
  await page.keyboard.press("Escape");
  await page.click("details.manual summary");
  await page.selectOption("select[name=doc_type]", "border_pass");
  await page.fill("input[name=number]", "GT0012345");
  await page.fill("input[name=issuing_state]", "VNM");
  await page.fill("input[name=surname]", "Lò");
  await page.fill("input[name=given_names]", "Văn Pá");
  await page.fill("input[name=birth_date]", "02/03/1970");
  await page.fill("input[name=expiry_date]", "31/12/2027");
  await page.fill("input[name=issuing_area]", "Lào Cai");
  await page.click("#check button[type=submit]");
  await page.waitForSelector(".verdict .band");
  assert.equal(await page.textContent(".verdict .band"), "TỪ CHỐI");
  assert.match(await page.textContent(".reasons"), /Giấy thông hành của Lào Cai không có giá trị tại cửa khẩu Móng Cái/);
  assert.match(await page.textContent(".traveller"), /Giấy thông hành VNM\/GT0012345/);
  await page.screenshot({ path: join(shots, "desk-border-pass.png"), fullPage: true });
  // Denied: the one key records a refusal, not a crossing.
  assert.equal(await page.locator('#record button[value="crossed"]').count(), 0);
  await page.keyboard.press("F9");
  await page.waitForSelector(".notice");
  assert.match(await page.textContent(".notice"), /Đã ghi nhận: Từ chối nhập cảnh/);
  assert.match(await page.textContent(".recent tbody tr"), /Từ chối nhập cảnh/);

  await page.context().close();
});

// What the API answers, signed in as `user`.
async function api(method, path, user, body) {
  const token = await (await fetch(base + "/api/v1/auth/token", { method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: user, password: accounts[user] }) })).json();
  const res = await fetch(base + "/api/v1" + path, { method,
    headers: { "content-type": "application/json", authorization: "Bearer " + token.token },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

test("a watchlist notice at a 1366×768 desk: not green, its reason shown, everything above the fold", async () => {
  const listed = await api("POST", "/watchlist", "analyst", { name: "Đỗ Quang Vinh",
    birth_date: "1975-06-30", nationality: "VNM", sex: "M", documents: [], aliases: [],
    action: "notify", reason: "báo cho Đồn Biên phòng Móng Cái khi xuất cảnh", valid_until: null });
  assert.equal(listed.status, 201, JSON.stringify(listed.body));
  const page = await signIn("officer.mongcai", { width: 1366, height: 768 });
  await page.check('input[name=direction][value=exit]');
  await readDocument(page, passport({ surname: "DO", given: "QUANG VINH", number: "E2E55501",
    birth: "750630", sex: "M", expiry: "320101" }));
  const band = await page.textContent(".verdict .band");
  assert.equal(band, "THÔNG QUA — CÓ TRÙNG DANH SÁCH");
  const colour = await page.$eval(".verdict .band", (el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(colour, "rgb(22, 101, 52)", "a hit is never under the green band");
  assert.match(await page.textContent(".verdict .hit-reason"), /báo cho Đồn Biên phòng Móng Cái/);
  assert.match(await page.textContent(".reasons"), /Trùng danh sách đối tượng .*thông báo/);
  for (const sel of [".verdict .band", ".traveller .name", "#record button.record"]) {
    const box = await page.locator(sel).boundingBox();
    assert.ok(box && box.y + box.height <= 768, `${sel} is below the fold: ${JSON.stringify(box)}`);
  }
  await page.screenshot({ path: join(shots, "desk-notify-1366.png") });
  await page.context().close();
});

test("a second passport read at the desk never records the first traveller", async () => {
  const page = await signIn("officer.mongcai");
  await page.check('input[name=direction][value=entry]');
  const first = passport({ surname: "WANG", given: "LAN", number: "E2E70001", state: "CHN",
    birth: "610216", sex: "M", expiry: "320407" });
  const second = passport({ surname: "PHAM", given: "MINH NAM", number: "E2E70002",
    birth: "830514", sex: "M", expiry: "320407" });
  await readDocument(page, first);
  assert.match(await page.textContent(".traveller .name"), /WANG LAN/);
  // The next passport read at once, without Esc: it replaces the first, verdict and all.
  await readDocument(page, second);
  assert.match(await page.textContent(".traveller .name"), /PHAM MINH NAM/);
  assert.equal((await page.inputValue("#mrz")).trim().split(/\s+/).length, 2);
  await page.keyboard.press("F9");
  await page.waitForSelector(".notice");
  // The first traveller was never recorded: entering now is clear; the second's is a repeat.
  await readDocument(page, first);
  assert.equal(await page.textContent(".verdict .band"), "THÔNG QUA");
  await readDocument(page, second);
  assert.equal(await page.textContent(".verdict .band"), "KIỂM TRA THÊM");
  // Typed after the old read instead of over it: the old read still goes, and F9 has nothing
  // of the traveller before to record while the new one is typed.
  await page.keyboard.press("End");
  await page.keyboard.type(first[0]);
  assert.equal(await page.locator(".verdict, #record").count(), 0);
  await page.keyboard.press("Enter");
  await page.keyboard.type(first[1]);
  await page.keyboard.press("Enter");
  await page.waitForSelector(".verdict .band");
  assert.match(await page.textContent(".traveller .name"), /WANG LAN/);
  await page.context().close();
});

test("the keyboard finds its way: a skip link first, a visible focus on the header, no key hints without the script", async () => {
  const page = await signIn("officer.mongcai");
  await page.goto(base + "/account");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
  assert.ok(await page.isVisible("a.skip"), "the skip link shows when it has the focus");
  await page.keyboard.press("Tab");
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineColor);
  assert.equal(ring, "rgb(253, 230, 138)", "the header's focus ring stands out on the green");
  await page.goto(base + "/desk");
  assert.ok(await page.isVisible(".keys"), "with the script, the key hints show");
  await page.context().close();
  // Without the script the desk still works by its buttons, and promises no keys.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const bare = await context.newPage();
  await bare.goto(base + "/login");
  await bare.fill("#username", "officer.mongcai");
  await bare.fill("#password", accounts["officer.mongcai"]);
  await bare.click("button[type=submit]");
  await bare.waitForLoadState();
  assert.match(bare.url(), /\/desk$/);
  assert.equal(await bare.isVisible(".keys"), false);
  await context.close();
});

test("no page scrolls sideways on a 360 px phone, and the menu folds", async () => {
  for (const [user, paths] of [
    ["officer.haiphong", ["/desk", "/history", "/scan", "/permits", "/dossiers", "/board", "/stats", "/account"]],
    ["commander.mongcai", ["/alerts", "/board"]],
    ["agent.vosco", ["/dossiers", "/dossiers/new", "/agency"]],
    ["analyst", ["/watchlist", "/alerts", "/stats", "/history", "/audit?action=history.read"]],
    ["admin", ["/admin/accounts", "/admin/devices", "/audit"]],
  ]) {
    const page = await signIn(user, { width: 360, height: 740 });
    for (const path of paths) {
      await page.goto(base + path);
      const { width, header } = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        header: document.querySelector("header.top").getBoundingClientRect().height,
      }));
      assert.ok(width <= 360, `${path} as ${user} is ${width} px wide`);
      assert.ok(header <= 80, `${path} as ${user}: the header is ${header} px tall`);
    }
    await page.context().close();
  }
});

test("the desk in English on a phone", async () => {
  const page = await signIn("officer.mongcai", { lang: "en", width: 360, height: 740 });
  assert.equal(await page.getAttribute("html", "lang"), "en");
  const doc = passport({ surname: "LE", given: "MINH KHOA", number: "E2E55555",
    birth: "851120", sex: "M", expiry: "300101" });
  await readDocument(page, doc);
  assert.equal(await page.textContent(".verdict .band"), "CLEAR");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width} px wide on a 360 px screen`);
  await page.screenshot({ path: join(shots, "desk-phone-en.png"), fullPage: true });
  // The listings held back, asked for on a phone for a common name: in English, and no wider
  // than the screen.
  await page.keyboard.press("Escape");
  await readDocument(page, passport({ surname: "NGUYEN", given: "VAN HUNG", number: "E2E55557",
    birth: "870615", sex: "M", expiry: "320101" }));
  await Promise.all([page.waitForNavigation(), page.click("button.show-held-back")]);
  assert.match(await page.textContent("section.held-back h2"), /^Held back/);
  const heldWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(heldWidth <= 360, `the page is ${heldWidth} px wide with the listings held back`);
  await page.screenshot({ path: join(shots, "desk-held-back-phone-en.png"), fullPage: true });
  // The menu is folded on a phone: the header takes one line.
  const header = await page.evaluate(() => document.querySelector("header.top").getBoundingClientRect().height);
  assert.ok(header <= 80, `the header is ${header} px tall on a 360 px screen`);
  assert.equal(await page.isVisible('header a[lang="vi"]'), false);
  // The switch, in the unfolded menu, goes back to Vietnamese and stays.
  await page.click("label.menu-button");
  await Promise.all([page.waitForURL(/\/desk$/), page.click('header a[lang="vi"]')]);
  assert.equal(await page.getAttribute("html", "lang"), "vi");
  await page.context().close();
});

test("history, watchlist and the board for an analyst", async () => {
  const page = await signIn("analyst");
  assert.match(page.url(), /\/history/);
  await page.fill("input[name=issuing_state]", "VNM");
  await page.fill("input[name=number]", "E2E12345");
  await page.click("form.search button[type=submit]");
  await page.waitForSelector(".result");
  assert.match(await page.textContent(".result h2"), /HOANG THI THU TRANG/);
  assert.equal(await page.locator(".result tbody tr").count(), 1);
  // The checkpoint by its name and the channel in words, not their codes.
  const row = await page.textContent(".result tbody tr");
  assert.match(row, /Móng Cái/);
  assert.match(row, /Tại quầy/);
  assert.doesNotMatch(row, /MONG-CAI|manual/);
  await page.screenshot({ path: join(shots, "history.png"), fullPage: true });
  // By name, with the birth date typed as the page shows dates.
  await page.fill("input[name=issuing_state]", "");
  await page.fill("input[name=number]", "");
  await page.fill("input[name=name]", "Hoàng Thị Thu Trang");
  await page.fill("input[name=birth_date]", "14/02/1990");
  await page.click("form.search button[type=submit]");
  await page.waitForSelector(".result");
  assert.match(await page.textContent(".result h2"), /HOANG THI THU TRANG/);

  await page.goto(base + "/watchlist");
  const before = await page.textContent("h1 small");
  await page.click("details summary");
  await page.fill("form.entry input[name=name]", "Trịnh Văn Bảo");
  await page.fill("form.entry input[name=birth_date]", "1979");
  await page.fill("form.entry input[name=nationality]", "VNM");
  await page.selectOption("form.entry select[name=action]", "deny");
  await page.click("form.entry button[type=submit]");
  assert.match(await page.textContent(".notice"), /Đã lưu: Trịnh Văn Bảo/);
  assert.notEqual(await page.textContent("h1 small"), before);
  // A date typed as the pages show dates is taken.
  await page.click("details summary");
  await page.fill("form.entry input[name=name]", "Đinh Văn Lộc");
  await page.fill("form.entry input[name=birth_date]", "12/05/1980");
  await page.click("form.entry button[type=submit]");
  assert.match(await page.textContent(".notice"), /Đã lưu: Đinh Văn Lộc/);
  // A day that does not exist keeps what was typed and says what is wrong.
  await page.click("details summary");
  await page.fill("form.entry input[name=name]", "Đỗ Thị Hoa");
  await page.fill("form.entry input[name=birth_date]", "31/02/1980");
  await page.click("form.entry button[type=submit]");
  assert.match(await page.textContent(".error"), /Ngày sinh: «1980-02-31» không phải/);
  assert.doesNotMatch(await page.textContent(".error"), /birth_date|is not/);
  assert.equal(await page.inputValue("form.entry input[name=name]"), "Đỗ Thị Hoa");
  await page.screenshot({ path: join(shots, "watchlist.png"), fullPage: true });

  await page.goto(base + "/board?checkpoint=MONG-CAI");
  assert.match(await page.textContent("h1"), /Móng Cái/);
  assert.ok(await page.locator(".chart rect").count() >= 48);
  await page.screenshot({ path: join(shots, "board.png"), fullPage: true });
  await page.context().close();
});

test("the commander's alerts: dismiss one as a false positive", async () => {
  const page = await signIn("commander.mongcai");
  await page.goto(base + "/alerts");
  const rows = page.locator("table.alerts tbody tr");
  const n = await rows.count();
  assert.ok(n > 0, "the demo raises alerts at Móng Cái");
  await page.screenshot({ path: join(shots, "alerts.png"), fullPage: true });
  // Decided with a note, after the question the page asks.
  const first = rows.first();
  await first.locator("details.decide summary").click();
  await first.locator("form[action$=dismiss] textarea[name=note]").fill("Khác ngày sinh, đã đối chiếu giấy tờ");
  let asked = "";
  page.once("dialog", (d) => { asked = d.message(); d.accept(); });
  await first.locator("form[action$=dismiss] button").click();
  await page.waitForLoadState();
  assert.match(asked, /Bỏ qua cảnh báo này/);
  assert.equal(await page.locator("table.alerts tbody tr").count(), n - 1);
  await page.goto(base + "/alerts?status=dismissed");
  assert.equal(await page.locator("table.alerts tbody tr").count(), 1);
  assert.match(await page.textContent("table.alerts tbody"), /Khác ngày sinh, đã đối chiếu giấy tờ/);
  await page.context().close();
});

test("a port dossier: the agency files with an uploaded crew list, the officer reviews, the commander approves, the agency sees the result", async () => {
  const header = "STT,Họ,Tên,Chức danh,Quốc tịch,Ngày sinh,Giới tính,Loại giấy tờ,Số giấy tờ,Quốc gia cấp,Ngày hết hạn,Đi bờ\n";
  const rows = [
    "1,NGUYEN,VAN HAI,Thuyền trưởng,VNM,12/04/1975,M,seafarer_book,B1234567,VNM,01/01/2030,0",
    "2,SANTOS,JOSE,Cook,Philippines,15/12/1988,M,passport,P1234567A,PHL,31/05/2029,1",
    "3,REYES,ANA,Steward,PHL,30/02/1990,F,passport,P7654321B,PHL,31/05/2029,0",
  ];
  const csv = (lines) => Buffer.from(header + lines.join("\n") + "\n");

  const agent = await signIn("agent.vosco");
  assert.match(agent.url(), /\/dossiers$/);
  await agent.click("a[href='/dossiers/new']");
  await agent.selectOption("#procedure", "vessel_entry");
  await agent.selectOption("#checkpoint", "CANG-HAI-PHONG");
  await agent.fill("#vessel_name", "E2E Trader");
  await agent.fill("#flag", "SGP");
  await agent.fill("#last_port", "SGSIN");
  // A wrong IMO check digit and a list with a date that does not exist: one refusal names both.
  await agent.fill("#imo", "9244492");
  await agent.setInputFiles("#crew", { name: "crew.csv", mimeType: "text/csv", buffer: csv(rows) });
  await agent.click("form.filing button[type=submit]");
  await agent.waitForSelector(".error table.problems");
  const both = await agent.textContent(".error table.problems tbody");
  assert.match(both, /Số IMO/);
  assert.match(both, /Ngày sinh/);
  assert.match(await agent.textContent(".error"), /Hồ sơ không được chấp nhận/);
  // The vessel put right, the list alone is refused, the row and column named.
  await agent.fill("#imo", "9244491");
  await agent.setInputFiles("#crew", { name: "crew.csv", mimeType: "text/csv", buffer: csv(rows) });
  await agent.click("form.filing button[type=submit]");
  await agent.waitForSelector(".error table.problems");
  const problem = await agent.textContent(".error table.problems tbody tr");
  assert.match(problem, /4/);
  assert.match(problem, /Ngày sinh/);
  assert.match(problem, /không phải ngày có thật/, "the problem is said in Vietnamese");
  assert.equal(await agent.inputValue("#vessel_name"), "E2E Trader", "the form keeps what was typed");
  await agent.screenshot({ path: join(shots, "dossier-refused-list.png"), fullPage: true });
  await agent.setInputFiles("#crew", { name: "crew.csv", mimeType: "text/csv", buffer: csv([rows[0], rows[1], rows[2].replace("30/02/1990", "28/02/1990")]) });
  await agent.click("form.filing button[type=submit]");
  await agent.waitForURL(/\/dossiers\/[0-9a-f-]{36}$/);
  const dossierUrl = agent.url();
  assert.match(await agent.textContent("#status"), /Đã nộp/);
  assert.equal(await agent.locator("#crew-table tbody tr").count(), 3);
  // The crew list editor: one more person, checked like an upload; then removed again.
  await agent.click("details.crew-editor summary");
  await agent.fill("#add-family", "lopez");
  await agent.fill("#add-given", "maria");
  await agent.fill("#add-rank", "Cook");
  await agent.fill("#add-nationality", "Spain");
  await agent.fill("#add-birth", "1991-07-04");
  await agent.selectOption("#add-sex", "F");
  await agent.fill("#add-number", "X1234567");
  await agent.fill("#add-state", "ESP");
  await agent.fill("#add-expiry", "2031-02-01");
  await agent.click("#add-person");
  await agent.waitForLoadState();
  assert.equal(await agent.locator("#crew-table tbody tr").count(), 4);
  assert.match(await agent.textContent("#crew-table tbody tr:nth-child(4)"), /LOPEZ.*MARIA.*ESP/s);
  await agent.screenshot({ path: join(shots, "dossier-filed.png"), fullPage: true });
  let asked = "";
  agent.once("dialog", (d) => { asked = d.message(); d.accept(); });
  await agent.click("#crew-table tbody tr:nth-child(4) button[name=remove]");
  await agent.waitForLoadState();
  assert.match(asked, /Xóa người này khỏi danh sách/);
  assert.equal(await agent.locator("#crew-table tbody tr").count(), 3);

  const officer = await signIn("officer.haiphong");
  await officer.goto(base + "/dossiers");
  const row = officer.locator("table.dossiers tbody tr", { hasText: "E2E TRADER" });
  assert.equal(await row.count(), 1, "the new dossier is in the Hải Phòng queue");
  await officer.screenshot({ path: join(shots, "dossier-queue.png"), fullPage: true });
  await row.locator("a").click();
  assert.equal(officer.url(), dossierUrl);
  assert.equal(await officer.locator("#approve").count(), 0, "an officer does not decide");
  await officer.click("button[value=review]");
  await officer.waitForLoadState();
  assert.match(await officer.textContent("#status"), /Đang xem xét/);
  await officer.screenshot({ path: join(shots, "dossier-review.png"), fullPage: true });
  // The officer asks for the passenger list; the agency sees why, adds it and files again.
  await officer.fill("#note", "Bổ sung danh sách hành khách");
  await officer.click("button[value=request_supplement]");
  await officer.waitForLoadState();
  assert.match(await officer.textContent("#status"), /Yêu cầu bổ sung/);
  await agent.reload();
  assert.match(await agent.textContent("#supplement"), /Bổ sung danh sách hành khách/);
  await agent.screenshot({ path: join(shots, "dossier-supplement.png"), fullPage: true });
  const pax = "Họ,Tên,Quốc tịch,Ngày sinh,Giới tính,Số giấy tờ,Quốc gia cấp,Ngày hết hạn,Quá cảnh\n" +
    "TRAN,THI MAI,VNM,02/09/1995,F,C7654321,VNM,01/01/2032,0\n";
  await agent.setInputFiles("#passengers-file", { name: "pax.csv", mimeType: "text/csv", buffer: Buffer.from(pax) });
  await agent.click("#upload-passengers");
  await agent.waitForLoadState();
  assert.equal(await agent.locator("#passenger-table tbody tr").count(), 1);
  await agent.click("button[value=submit]");
  await agent.waitForLoadState();
  assert.match(await agent.textContent("#status"), /Đã nộp/);
  assert.equal(await agent.locator("#supplement").count(), 0);

  const commander = await signIn("commander.haiphong", { lang: "en" });
  await commander.goto(dossierUrl);
  // Approving asks first; saying no leaves the dossier as it was.
  commander.once("dialog", (d) => d.dismiss());
  await commander.click("#approve");
  assert.doesNotMatch(await commander.textContent("#status"), /Approved/);
  asked = "";
  commander.once("dialog", (d) => { asked = d.message(); d.accept(); });
  await commander.click("#approve");
  await commander.waitForLoadState();
  assert.match(asked, /Approve this dossier\?/);
  assert.match(await commander.textContent("#status"), /Approved/);
  assert.match(await commander.textContent(".status"), /On time/);

  await agent.reload();
  assert.match(await agent.textContent("#status"), /Đã phê duyệt/);
  // The agency's reference and receipt.
  assert.match(await agent.textContent("#reference"), /^HS-[0-9A-F]{8}$/);
  assert.match(await agent.textContent("#receipt"), /Biên nhận hồ sơ/);
  const history = await agent.textContent("#history");
  assert.match(history, /commander\.haiphong/);
  await agent.screenshot({ path: join(shots, "dossier-approved.png"), fullPage: true });

  // The commander issues the crew's shore passes in one action: SANTOS asked (REYES did not,
  // and NGUYEN is Vietnamese).
  await commander.click("#issue-passes");
  await commander.waitForLoadState();
  assert.equal(await commander.locator("#passes-table tbody tr").count(), 1);
  assert.match(await commander.textContent("#passes-table"), /SANTOS/);
  const cards = await commander.request.get(base + await commander.getAttribute("#cards", "href"));
  assert.equal(cards.headers()["content-type"], "application/pdf");
  assert.ok((await cards.body()).subarray(0, 5).toString() === "%PDF-");
  await commander.screenshot({ path: join(shots, "dossier-shore-passes.png"), fullPage: true });
  await commander.click("#passes-table a");
  const permitUrl = commander.url();
  assert.match(permitUrl, /\/permits\/[0-9a-f-]{36}$/);
  const permitId = permitUrl.split("/").pop();
  await commander.waitForFunction(() => document.querySelector("img.barcode").naturalWidth > 0);
  await commander.screenshot({ path: join(shots, "permit.png"), fullPage: true });

  // At the gangway, on a phone: the scanner types the code; the verdict comes large, with the
  // holder to compare, and the movement is recorded.
  const guard = await signIn("officer.haiphong", { width: 390, height: 844 });
  const seal = (await (await guard.request.get(`${base}/api/v1/permits/${permitId}`)).json()).seal_base64;
  await guard.goto(base + "/scan");
  await guard.fill("#code", seal);
  const started = Date.now();
  await guard.press("#code", "Enter");
  await guard.waitForSelector("#verdict");
  const took = Date.now() - started;
  assert.match(await guard.textContent("#band"), /HỢP LỆ/);
  assert.doesNotMatch(await guard.textContent("#band"), /KHÔNG/);
  assert.match(await guard.textContent("#holder-name"), /SANTOS/);
  assert.match(await guard.textContent("#movement"), /Lên bờ/);
  console.log(`scan to verdict on the page: ${took} ms`);
  await guard.screenshot({ path: join(shots, "scan-valid-phone.png"), fullPage: true });
  // The same card scanned again by accident: said so, and not recorded as going back aboard.
  await guard.fill("#code", seal);
  await guard.press("#code", "Enter");
  await guard.waitForSelector("#verdict");
  assert.match(await guard.textContent("#movement"), /Vừa quét thẻ này, không ghi lại.*Lên bờ/);
  // A seal altered by one byte: not valid, and no holder to compare the person with.
  const bytes = Buffer.from(seal, "base64");
  bytes[bytes.length - 70] ^= 0x01;
  await guard.fill("#code", bytes.toString("base64"));
  await guard.press("#code", "Enter");
  await guard.waitForSelector("#verdict");
  assert.match(await guard.textContent("#band"), /KHÔNG HỢP LỆ/);
  assert.equal(await guard.locator("#holder-name").count(), 0);
  // What the camera sends: a frame with the code in it, read on the server.
  const frame = await guard.evaluate(async (id) => {
    const png = await (await fetch(`/api/v1/permits/${id}/barcode.png?symbology=qr`)).blob();
    const r = await fetch("/scan/frame", {
      method: "POST", body: png,
      headers: { "x-csrf": document.getElementById("csrf").value, "content-type": "image/png" },
    });
    return { status: r.status, body: r.status === 200 ? await r.json() : null };
  }, permitId);
  assert.equal(frame.status, 200);
  assert.equal(frame.body.seal_base64, seal);

  // Revoked: the next scan is refused, and says why.
  await commander.goto(permitUrl);
  await commander.click("details.danger-zone summary");
  await commander.fill("#revoke-reason", "Vi phạm quy định đi bờ");
  commander.once("dialog", (d) => d.accept());
  await commander.click("#revoke");
  await commander.waitForLoadState();
  assert.match(await commander.textContent("#status"), /Revoked/);
  await guard.fill("#code", seal);
  await guard.press("#code", "Enter");
  await guard.waitForSelector("#verdict");
  assert.match(await guard.textContent("#band"), /KHÔNG HỢP LỆ/);
  assert.match(await guard.textContent("#reason"), /thu hồi/);
  // The verdict is where the guard looks after the scan, not above the screen.
  const inView = await guard.evaluate(() => {
    const r = document.getElementById("band").getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });
  assert.ok(inView, "the revoked verdict is in view on the phone");
  await guard.screenshot({ path: join(shots, "scan-revoked-phone-view.png") });
  await guard.screenshot({ path: join(shots, "scan-revoked-phone.png"), fullPage: true });
  for (const p of [agent, officer, commander, guard]) await p.context().close();
});

test("the procedures are listed publicly, without signing in", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(base + "/procedures");
  assert.match(page.url(), /\/procedures$/);
  assert.equal(await page.locator("tr#vessel_entry").count(), 1);
  assert.match(await page.textContent("tr#vessel_entry"), /120/);
  await page.screenshot({ path: join(shots, "procedures-phone.png"), fullPage: true });
  await page.close();
});

test("a shipping agency registers itself, adds its staff and closes its account", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(base + "/login");
  await page.click("#register-link");
  assert.match(page.url(), /\/register$/);
  const fill = async (tax) => {
    await page.fill("#tax_code", tax);
    await page.fill("#name", "Công ty TNHH Đại lý Hàng hải E2E");
    await page.fill("#address", "Số 1 Lê Thánh Tông, Hải Phòng");
    await page.fill("#email", "ops@e2e-agency.example");
    await page.fill("#phone", "+84 225 3000 111");
    await page.fill("#username", "agent.e2e");
    await page.fill("#password", "e2e-agency-pass-2026");
    await page.fill("#password_again", "e2e-agency-pass-2026");
    await page.click("#register");
    await page.waitForLoadState();
  };
  // A tax code with a wrong check digit: refused, said plainly, what was typed kept.
  await fill("0101248142");
  assert.match(await page.textContent("#error"), /Mã số thuế/);
  assert.equal(await page.inputValue("#name"), "Công ty TNHH Đại lý Hàng hải E2E");
  assert.equal(await page.inputValue("#password"), "", "a password is never sent back");
  await page.screenshot({ path: join(shots, "register-refused-phone.png"), fullPage: true });
  await fill("0101248141");
  assert.match(page.url(), /\/agency$/, "signed in at once, on the agency's page");
  assert.equal((await page.textContent("#tax-code")).trim(), "0101248141");
  await page.click("details summary >> nth=0");
  await page.fill("#staff-username", "agent.e2e.night");
  await page.fill("#staff-password", "night-shift-pass-2026");
  await page.click("#add-staff");
  await page.waitForLoadState();
  assert.equal(await page.locator("#staff tbody tr").count(), 2);
  await page.screenshot({ path: join(shots, "agency-phone.png"), fullPage: true });
  // Closing asks for the tax code again.
  await page.click("details.danger-zone summary");
  await page.fill("#close-confirm", "0100109106");
  await page.click("#close-account");
  await page.waitForLoadState();
  assert.match(await page.textContent("#error"), /Mã số thuế không đúng/);
  await page.click("details.danger-zone summary");
  await page.fill("#close-confirm", "0101248141");
  await page.click("#close-account");
  await page.waitForURL(/\/login/);
  await page.fill("#username", "agent.e2e.night");
  await page.fill("#password", "night-shift-pass-2026");
  await page.click("button[type=submit]");
  await page.waitForLoadState();
  assert.match(page.url(), /\/login/, "a closed agency's staff cannot sign in");
  await context.close();
});

test("dossier statistics for the analyst and the commander", async () => {
  const analyst = await signIn("analyst");
  await analyst.click("nav a[href='/stats']");
  await analyst.waitForSelector("#stats");
  const total = await analyst.textContent("#total");
  const received = Number(total.match(/[\d.]+/)[0].replace(/\./g, ""));
  assert.ok(received >= 40, `the demo's month of dossiers is counted (${received})`);
  assert.match(await analyst.textContent("#stats tbody"), /Cảng Hải Phòng/);
  assert.doesNotMatch(await analyst.textContent("#stats tbody"), /CANG-|\d\.\d %/, "names, and a decimal comma");
  assert.ok(await analyst.locator("figure.chart svg rect.entry").count() > 0, "a chart of the periods");
  await analyst.screenshot({ path: join(shots, "stats.png"), fullPage: true });
  await analyst.selectOption("#period", "day");
  await analyst.click("form.search button[type=submit]");
  await analyst.waitForSelector("#stats");
  assert.ok(await analyst.locator("#stats tbody tr").count() > 5, "a line per day");
  await analyst.goto(base + "/stats?from=2026-13-01");
  assert.match(await analyst.textContent("#error"), /Từ ngày/);
  const commander = await signIn("commander.haiphong", { lang: "en" });
  await commander.goto(base + "/stats");
  const body = await commander.textContent("#stats tbody");
  assert.match(body, /Hai Phong port/);
  assert.doesNotMatch(body, /Da Nang|Sai Gon|Cai Mep/, "a commander sees the own checkpoint only");
  for (const p of [analyst, commander]) await p.context().close();
});

test("the API's description renders at /api/docs from the server's own assets", async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const foreign = [];
  page.on("request", (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
  await page.goto(base + "/api/docs");
  await page.waitForSelector(".opblock", { timeout: 20000 });
  const doc = await (await fetch(base + "/api/v1/openapi.json")).json();
  const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  assert.equal(await page.locator(".opblock").count(), operations);
  assert.deepEqual(foreign, [], "the docs page loads nothing from elsewhere");
  await page.screenshot({ path: join(shots, "api-docs.png") });
  await context.close();
});

// A word a Vietnamese reader would take for English: Latin letters that make no Vietnamese
// syllable (an onset, a rhyme, a final), or one of the few English words that happen to.
const onset = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|g|h|k|l|m|n|p|r|s|t|v|x)?";
const rhyme = "(?:o|u)?(?:a|e|i|o|u|y|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|ua|ue|ui|uo|uu|uy|ye|yeu|oai|oay|uoi|uou|uya|uye|uyu|ieu|uay|oeo)";
const coda = "(?:ch|ng|nh|c|m|n|p|t)?";
const syllable = new RegExp(`^${onset}${rhyme}${coda}$`);
const englishEvenSo = new Set(["the", "not", "was", "are", "you", "has", "no", "yes", "of"]);
function englishWords(text) {
  const out = new Set();
  for (const w of text.match(/\p{L}+/gu) || []) {
    if (!/^[A-Za-z]+$/.test(w)) continue; // a word with Vietnamese letters is Vietnamese
    if (w.length < 2 || w === w.toUpperCase()) continue; // codes and names as an MRZ writes them
    const l = w.toLowerCase();
    if (!syllable.test(l) || englishEvenSo.has(l)) out.add(w);
  }
  return [...out];
}

// What users typed or outside systems sent is theirs; what the pages say is ours.
const allowed = new Set(["English", "Email", "email", "Swagger", "Excel", "Chromium", "OpenAPI",
  "CSV", "XLSX", "PDF", "MRZ", "IMO", "UUID", "Enter", "Esc", "QR", "camera", "Camera", "Campuchia"]);

test("every page in Vietnamese says nothing in English", async () => {
  const visits = [
    ["officer.mongcai", ["/desk", "/history?name=NGUYEN", "/board", "/alerts", "/scan", "/permits", "/account"]],
    ["commander.haiphong", ["/dossiers", "/dossiers?view=all", "/permits", "/stats", "/board"]],
    ["analyst", ["/history", "/watchlist", "/alerts?status=all", "/board?checkpoint=HUU-NGHI", "/stats?period=day", "/audit?action=history.read"]],
    ["admin", ["/admin/accounts", "/admin/devices", "/audit?user=admin", "/watchlist"]],
    ["agent.vosco", ["/dossiers", "/dossiers/new", "/agency", "/procedures"]],
  ];
  const found = [];
  for (const [user, paths] of visits) {
    const page = await signIn(user);
    const seen = [...paths];
    // A detail page of each list the user has: the first dossier, permit, entry.
    for (const path of paths) {
      await page.goto(base + path);
      const more = await page.evaluate(() =>
        ["a[href^='/dossiers/']:not([href$='/new'])", "a[href^='/permits/']", "a[href^='/watchlist/']"]
          .map((s) => document.querySelector("main " + s)?.getAttribute("href")).filter(Boolean));
      for (const m of more) if (!seen.includes(m)) seen.push(m);
    }
    // The desk with a verdict: an expired passport, and a border pass of another province.
    if (user === "officer.mongcai") {
      await page.goto(base + "/desk");
      await readDocument(page, passport({ surname: "PHAM", given: "VAN BINH", number: "E2E99998",
        birth: "800101", sex: "M", expiry: "240101" }));
      for (const w of englishWords(await visibleText(page))) {
        if (!allowed.has(w)) found.push(`/desk (verdict): ${w}`);
      }
    }
    for (const path of seen) {
      await page.goto(base + path);
      assert.equal(await page.getAttribute("html", "lang"), "vi");
      for (const w of englishWords(await visibleText(page))) {
        if (!allowed.has(w)) found.push(`${path} as ${user}: ${w}`);
      }
    }
    await page.context().close();
  }
  assert.deepEqual(found, [], "English on Vietnamese pages");
});

// The words a person reads: not what was typed into a form, nor data marked as not ours to
// translate (names, vessels, agencies), nor the other language's own link.
async function visibleText(page) {
  return page.evaluate(() => {
    const skip = "textarea, input, select option:not(:checked), script, style, noscript, [translate=no], [lang=en], code, svg title";
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const words = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.parentElement.closest(skip)) words.push(n.textContent);
    }
    return words.join(" ");
  });
}

test("an administrator opens an account, an analyst edits and removes an entry, and lists download", async () => {
  // Accounts in the browser, on a phone.
  const admin = await signIn("admin", { width: 360, height: 740 });
  await admin.goto(base + "/admin/accounts");
  await admin.click("details.card summary");
  await admin.fill("form.entry input[name=username]", "officer.laocai");
  await admin.selectOption("form.entry select[name=role]", "officer");
  await admin.selectOption("form.entry select[name=checkpoint]", "LAO-CAI");
  await admin.fill("form.entry input[name=password]", "mật khẩu đủ dài 2026");
  await admin.click("form.entry button[type=submit]");
  assert.match(await admin.textContent(".notice"), /Đã tạo tài khoản: officer.laocai/);
  const width = await admin.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the accounts page is ${width} px wide`);
  await admin.screenshot({ path: join(shots, "admin-accounts-phone.png"), fullPage: true });
  await admin.goto(base + "/admin/devices");
  await admin.click("details.card summary");
  await admin.fill("form.entry input[name=name]", "Cổng tự động 9");
  await admin.click("form.entry button[type=submit]");
  assert.match(await admin.textContent("code.token"), /\S{20,}/, "the token is shown once");
  await admin.context().close();
  const officer = await signIn("officer.laocai", { password: "mật khẩu đủ dài 2026" });
  assert.match(await officer.textContent("header"), /Lào Cai/);
  await officer.context().close();

  // The watchlist searched without accents, an entry changed and removed after the question.
  const analyst = await signIn("analyst");
  await analyst.goto(base + "/watchlist");
  await analyst.click("details summary");
  await analyst.fill("form.entry input[name=name]", "Quách Thị Ngọc Hân");
  await analyst.fill("form.entry input[name=reason]", "đối tượng truy nã");
  await analyst.click("form.entry button[type=submit]");
  await analyst.fill("form.search input[name=q]", "quach thi ngoc");
  await analyst.click("form.search button[type=submit]");
  assert.equal(await analyst.locator("table tbody tr").count(), 1);
  await analyst.click("table tbody tr a");
  await analyst.fill("form.entry input[name=reason]", "đối tượng truy nã, đã có lệnh bắt");
  await analyst.click("form.entry button[type=submit]");
  assert.equal(await analyst.inputValue("form.entry input[name=reason]"), "đối tượng truy nã, đã có lệnh bắt");
  await analyst.screenshot({ path: join(shots, "watch-entry.png"), fullPage: true });
  let asked = "";
  analyst.once("dialog", (d) => { asked = d.message(); d.accept(); });
  await analyst.click("section.danger-zone button");
  await analyst.waitForLoadState();
  assert.match(asked, /Gỡ đối tượng này khỏi danh sách/);
  assert.match(await analyst.textContent(".notice"), /Đã gỡ khỏi danh sách/);

  // A list as a spreadsheet, from its own link.
  await analyst.goto(base + "/watchlist?q=nguyen");
  const [download] = await Promise.all([
    analyst.waitForEvent("download"),
    analyst.click(".pager a[href*='format=xlsx']"),
  ]);
  assert.equal(download.suggestedFilename(), "danh-sach-doi-tuong.xlsx");
  const path = await download.path();
  const bytes = (await import("node:fs")).readFileSync(path);
  assert.equal(bytes.subarray(0, 2).toString(), "PK", "an XLSX workbook");
  await analyst.context().close();
});
