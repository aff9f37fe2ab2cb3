// A checkpoint node's pages end to end: `bienphong demo --with-node CANG-HAI-PHONG`, the port's
// own server beside headquarters. A gangway scan there, the line every page of the node shows
// about its link, and the refusal of headquarters' work while the link is cut. Screenshots go
// to e2e/screenshots/ (node-*.png).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { signInAt, noOverflow } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.BIENPHONG_BIN || join(here, "..", "target", "debug", "bienphong");
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });

let server, node, sample, browser, dataDir;
const accounts = {};

const signIn = (user, opts) => signInAt(browser, node, accounts, user, opts);

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "bienphong-e2e-node-"));
  const port = 20000 + 2 * Math.floor(Math.random() * 10000);
  server = spawn(binary, ["demo", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir,
    "--travellers", "1000", "--watchlist", "500", "--with-node", "CANG-HAI-PHONG"],
    { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the demo's node did not start in 90 s:\n" + out)), 90000);
    server.stdout.on("data", (d) => {
      out += d;
      if (/node of CANG-HAI-PHONG: http:\/\/\S+/.test(out)) { clearTimeout(timer); setTimeout(resolve, 300); }
    });
    server.on("exit", (code) => reject(new Error(`the demo exited (${code}):\n${out}`)));
  });
  node = out.match(/node of CANG-HAI-PHONG: (http:\/\/[^/\s]+)/)[1];
  sample = out.match(/a permit to try at \/scan[^\n]*\n\s+(\S+)/)[1];
  for (const m of out.matchAll(/^\s+(\S+)\s+(\S+-demo-2026)\s+(\S+)/gm)) accounts[m[1]] = m[2];
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});


async function health() {
  return (await fetch(node + "/healthz")).json();
}

async function link(up) {
  const r = await fetch(node + "/api/v1/auth/token", { method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "commander.haiphong", password: accounts["commander.haiphong"] }) });
  assert.equal(r.status, 200);
  const { token } = await r.json();
  const s = await fetch(node + "/api/v1/admin/link", { method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer " + token },
    body: JSON.stringify({ up }) });
  assert.equal(s.status, 200);
  for (let i = 0; i < 100 && (await health()).connected !== up; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await health()).connected, up);
}


test("the port's node records a gangway scan and says where its link stands", async () => {
  for (let i = 0; i < 100 && !(await health()).connected; i++) await new Promise((r) => setTimeout(r, 100));
  const page = await signIn("officer.haiphong");
  assert.match(await page.textContent(".node-banner"), /Đã kết nối với trung tâm/);
  await page.goto(node + "/scan");
  await page.fill("#code", sample);
  await page.press("#code", "Enter");
  await page.waitForSelector("#verdict");
  assert.match(await page.getAttribute("#verdict", "class"), /clear/);
  assert.ok(await page.isVisible("#movement"), "the movement is recorded at the node");
  assert.equal(await page.isVisible("#unrecorded"), false);
  await page.screenshot({ path: join(shots, "node-scan-desk.png"), fullPage: true });

  // Cut: every page says so, on a phone too, and the scan still works from the node's copy.
  await link(false);
  const phone = await signIn("officer.haiphong", { lang: "en", width: 360, height: 740 });
  await phone.goto(node + "/scan");
  const banner = await phone.textContent(".node-banner");
  assert.match(banner, /switched off/i);
  assert.match(await phone.getAttribute(".node-banner", "class"), /node-down/);
  await phone.fill("#code", sample);
  await phone.press("#code", "Enter");
  await phone.waitForSelector("#verdict");
  assert.match(await phone.getAttribute("#verdict", "class"), /clear/);
  await noOverflow(phone);
  await phone.screenshot({ path: join(shots, "node-scan-phone-en-cut.png"), fullPage: true });

  // Headquarters' work is refused in plain words, with since when the link is down.
  const refused = await phone.goto(node + "/stats");
  assert.equal(refused.status(), 409);
  assert.match(await phone.textContent("body"), /done at headquarters, its link switched off here since/);
  await noOverflow(phone);
  await phone.screenshot({ path: join(shots, "node-refused-phone-en.png"), fullPage: true });
  await page.goto(node + "/stats");
  assert.match(await page.textContent("body"), /Bộ Tư lệnh/);
  await page.screenshot({ path: join(shots, "node-refused-desk.png"), fullPage: true });
  await link(true);
});
