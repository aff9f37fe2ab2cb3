// The e-gates end to end: `bienphong demo` with its simulated gates at Móng Cái, and
// `bienphong egate simulate` driving more through the API with the demo's gate token. The
// commander's gate board on a desk screen in Vietnamese and on a 360 px phone in English, the
// thresholds set from it, and a referral taken over at the officer's desk with one press.
// Screenshots go to e2e/screenshots/ (egate-*.png).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { randomUUID } from "node:crypto";
import { chromium } from "playwright-core";
import { signInAt, noOverflow } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.BIENPHONG_BIN || join(here, "..", "target", "debug", "bienphong");
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });

let server, base, gateToken, expiredMrz, browser, dataDir;
const accounts = {};

const signIn = (user, opts) => signInAt(browser, base, accounts, user, opts);

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "bienphong-e2e-egate-"));
  const port = 20001 + 2 * Math.floor(Math.random() * 10000);
  server = spawn(binary, ["demo", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir,
    "--travellers", "1000", "--watchlist", "500"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the demo did not start in 90 s:\n" + out)), 90000);
    server.stdout.on("data", (d) => {
      out += d;
      if (/expired: P</.test(out)) { clearTimeout(timer); setTimeout(resolve, 200); }
    });
    server.on("exit", (code) => reject(new Error(`the demo exited (${code}):\n${out}`)));
  });
  base = `http://127.0.0.1:${port}`;
  gateToken = out.match(/e-gate token at MONG-CAI: (\S+)/)[1];
  expiredMrz = out.match(/expired: (\S+ \/ \S+)/)[1].replace(" / ", "\n");
  for (const m of out.matchAll(/^\s+(\S+)\s+(\S+-demo-2026)\s+(\S+)/gm)) accounts[m[1]] = m[2];
  // More traffic than the demo's gentle gates: 60 travellers through four gates.
  await promisify(execFile)(binary, ["egate", "simulate", "--checkpoint", "MONG-CAI", "--gates", "4",
    "--rate", "6/s", "--duration", "10s", "--url", base, "--token", gateToken, "--seed", "7"]);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});



// A traveller the gate refers: an expired passport, its chip not read.
async function refer() {
  const r = await fetch(base + "/api/v1/egate/transactions", { method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer " + gateToken },
    body: JSON.stringify({ id: randomUUID(), gate: "G3", direction: "exit", document: { mrz: expiredMrz },
      chip: null, chip_access: "failed", face: { score: 0.91, liveness: 0.97 },
      timings_ms: { document: 2100, chip: 6000, face: 3300 } }) });
  assert.equal(r.status, 200);
  const v = await r.json();
  assert.equal(v.decision, "refer");
  const codes = v.reasons.map((x) => x.code);
  assert.ok(codes.includes("document_expired") && codes.includes("chip_access_failed"), codes.join());
  return v;
}

test("the commander's gate board shows each gate, the referrals and the thresholds", async () => {
  await refer();
  const page = await signIn("commander.mongcai");
  await page.goto(base + "/gates");
  const gates = await page.$$eval("table.gates tbody th", (ths) => ths.map((t) => t.textContent.trim()));
  assert.deepEqual(gates, ["G1", "G2", "G3", "G4"]);
  const opened = await page.$$eval("table.gates tbody tr", (rows) => rows.map((r) => Number(r.cells[1].textContent.replace(/\./g, ""))));
  assert.ok(opened.reduce((a, b) => a + b, 0) >= 40, `opened: ${opened}`);
  const body = await page.textContent("main");
  assert.match(body, /Giấy tờ đã hết hạn/, "the referral's reason, in Vietnamese");
  assert.match(body, /Cổng không truy cập được chip/);
  await page.screenshot({ path: join(shots, "egate-board-desk.png"), fullPage: true });

  // The thresholds: a comma as Vietnamese write it, and a score out of range refused plainly.
  await page.fill("input[name=face]", "1,5");
  await page.click("form.thresholds button");
  assert.match(await page.textContent(".error"), /Điểm từ 0 đến 1/);
  await page.fill("input[name=face]", "0,97");
  await page.click("form.thresholds button");
  assert.match(await page.textContent(".notice"), /Đã lưu ngưỡng mới/);
  assert.equal(await page.inputValue("input[name=face]"), "0,97");

  const phone = await signIn("commander.mongcai", { lang: "en", width: 360, height: 740 });
  await phone.goto(base + "/gates");
  assert.match(await phone.textContent("main"), /the document expired on/);
  await noOverflow(phone);
  await phone.screenshot({ path: join(shots, "egate-board-phone-en.png"), fullPage: true });
});

test("an officer takes a gate's referral over at the desk with one press", async () => {
  await refer();
  const page = await signIn("officer.mongcai", { width: 360, height: 740 });
  await page.goto(base + "/desk");
  const waiting = await page.$$("section.referrals > ul > li");
  assert.ok(waiting.length >= 1);
  // The demo's gates refer travellers of their own meanwhile, expired passports among them
  // (newest first): take ours, by its document number, wherever it stands.
  const number = expiredMrz.split("\n")[1].slice(0, 9).replace(/<+$/, "");
  const ours = page.locator("section.referrals > ul > li", { hasText: number }).first();
  const text = await ours.textContent();
  assert.match(text, /Giấy tờ đã hết hạn/);
  assert.match(text, /Cổng G3/);
  await noOverflow(page);
  await page.screenshot({ path: join(shots, "egate-desk-referral-phone.png"), fullPage: true });
  const id = await ours.locator("input[name=referral]").getAttribute("value");
  await ours.locator("button").click();
  await page.waitForSelector(".verdict");
  assert.match(await page.textContent(".notice"), /Tiếp nhận từ cổng G3/);
  assert.match(await page.getAttribute(".verdict", "class"), /deny/, "the desk's own check of the expired passport");
  await page.screenshot({ path: join(shots, "egate-desk-taken-phone.png"), fullPage: true });
  // Taken, it leaves the desk's list.
  await page.goto(base + "/desk");
  assert.equal(await page.$(`input[name=referral][value="${id}"]`), null);
});
