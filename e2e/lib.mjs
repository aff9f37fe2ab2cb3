// What the page tests of a demo share: signing in as one of its accounts, and the check that
// nothing is wider than the screen or cut off by a box that hides what overflows it.

import assert from "node:assert/strict";

// A fresh browser context at `base`, signed in as `user` with the demo's printed password.
export async function signInAt(browser, base, accounts, user, { lang = "vi", width = 1366, height = 768 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  if (lang === "en") await context.addCookies([{ name: "bp_lang", value: "en", url: base }]);
  const page = await context.newPage();
  await page.goto(base + "/");
  assert.match(page.url(), /\/login/);
  await page.fill("#username", user);
  await page.fill("#password", accounts[user]);
  await page.click("button[type=submit]");
  return page;
}

export async function noOverflow(page) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert.equal(wide, false, "the page is wider than the screen");
  // Nor is anything cut off by a box that hides what overflows it (a holder's name wider than
  // a phone's column was).
  const clipped = await page.evaluate(() => [...document.querySelectorAll("dd, dt, p, h1, td, th")]
    .filter((e) => {
      const right = e.getBoundingClientRect().right;
      for (let a = e.parentElement; a; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== "visible") return right > a.getBoundingClientRect().right + 1;
      }
      return right > window.innerWidth + 1;
    })
    .map((e) => e.textContent.trim().slice(0, 40)));
  assert.deepEqual(clipped, [], "cut off on a phone");
}
