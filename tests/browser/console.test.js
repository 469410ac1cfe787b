// Drives the console like an auditor: log in, search with filters, open an event, follow a
// timeline, comment and acknowledge an alert, list rules, see component status, export
// evidence, evaluate posture, run and download a report. Prints
// "N passed, M failed" and exits non-zero on a failure. Screenshots in $XA_ARTEFACTS.
// Bounded: every action and wait times out (ACTION_MS), and the whole run ends after
// $XA_BROWSER_TIMEOUT seconds (default 240) with a failure instead of hanging.
'use strict';
const { chromium } = require('playwright-core');
const path = require('path');
const fs = require('fs');
const url = process.env.XA_URL, out = process.env.XA_ARTEFACTS;
const ACTION_MS = 30000;
const TOTAL_S = Number(process.env.XA_BROWSER_TIMEOUT) > 0 ? Number(process.env.XA_BROWSER_TIMEOUT) : 240;
let passed = 0, failed = 0;
function check(name, ok) { if (ok) { passed++; console.log('ok - ' + name); } else { failed++; console.log('FAIL - ' + name); } }
// the overall limit: report and exit (playwright kills the browser it launched on exit)
setTimeout(() => {
  failed++;
  console.log('FAIL - the browser test did not finish within ' + TOTAL_S + ' s');
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(1);
}, TOTAL_S * 1000).unref();
// a promise that gives up after ms (for calls that take no timeout option)
const within = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(what + ': no answer within ' + ms + ' ms')), ms).unref())]);
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, timeout: 60000, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const ctx = await browser.newContext({ acceptDownloads: true });
  ctx.setDefaultTimeout(ACTION_MS);
  ctx.setDefaultNavigationTimeout(ACTION_MS);
  const page = await ctx.newPage();
  page.setDefaultTimeout(ACTION_MS);
  page.setDefaultNavigationTimeout(ACTION_MS);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const shot = (n) => page.screenshot({ path: path.join(out, n + '.png'), fullPage: true, timeout: ACTION_MS });
  try {
    await page.goto(url + '/');
    await page.waitForSelector('#login-user');
    await shot('01-login');
    await page.fill('#login-user', process.env.XA_USER);
    await page.fill('#login-password', process.env.XA_PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#results tbody tr');
    check('logged in and search shown', await page.isVisible('#search-form'));
    await page.selectOption('#f-category', 'mailbox_access');
    await page.selectOption('#f-result', 'success');
    await page.click('#search-submit');
    await page.waitForFunction(() => location.hash.includes('category=mailbox_access'));
    await page.waitForSelector('#results tbody tr');
    check('filtered URL bookmarkable', page.url().includes('category=mailbox_access') && page.url().includes('result=success'));
    check('facets shown', (await page.locator('.facet').count()) >= 3);
    await shot('02-search');
    await page.locator('#results tbody tr').first().click();
    await page.waitForSelector('#raw');
    check('event detail with raw record', (await page.textContent('#raw')).length > 10);
    await shot('03-event');
    const link = page.locator('dl.detail a').first();
    await link.click();
    await page.waitForFunction(() => location.hash.startsWith('#/timeline'));
    await page.waitForSelector('#view h1:has-text("Timeline")');
    await page.waitForSelector('#view li, #view .error');
    check('timeline followed', (await page.locator('#view li').count()) > 0);
    await shot('04-timeline');
    await page.keyboard.press('a');
    await page.waitForFunction(() => location.hash.startsWith('#/alerts'));
    await page.waitForSelector('#alerts, #view .error');
    check('alert queue listed (planted incidents raised alerts on import)', (await page.locator('#alerts tbody tr').count()) > 0);
    const row = page.locator('#alerts tbody tr.status-open').first();
    const aid = await row.getAttribute('data-id');
    await row.locator('input.note').fill('checked with the mailbox owner');
    await row.locator('button.comment').click();
    await page.waitForSelector(`#alerts tbody tr[data-id="${aid}"] td.comments:has-text("checked with the mailbox owner")`);
    check('alert commented', true);
    await page.locator(`#alerts tbody tr[data-id="${aid}"] button.ack`).click();
    await page.waitForSelector(`#alerts tbody tr[data-id="${aid}"].status-acknowledged`);
    const st = await within(page.evaluate(async (id) => (await (await fetch('/api/v1/alerts?id=' + id)).json()).alerts[0].status, aid), ACTION_MS, 'alert status fetch');
    check('alert acknowledged (' + st + ')', st === 'acknowledged');
    await shot('05-alerts');
    await page.goto(url + '/#/alerts?status=acknowledged');
    await page.waitForSelector(`#alerts tbody tr[data-id="${aid}"]`);
    check('acknowledged alert found by bookmarkable URL', page.url().includes('status=acknowledged'));
    await page.keyboard.press('l');
    await page.waitForSelector('#rules tbody tr');
    check('rules listed', (await page.locator('#rules tbody tr').count()) > 40);
    await shot('05b-rules');
    await page.keyboard.press('t');
    await page.waitForSelector('#components');
    check('status shows the rule engine', /detection/.test(await page.textContent('#components')));
    await shot('05c-status');
    await page.keyboard.press('e');
    await page.waitForSelector('#f-mailbox');
    await page.fill('#f-mailbox', 'ceo@contoso.com');
    await page.click('#search-submit');
    await page.waitForSelector('#export-download, #export-result .error');
    check('evidence exported', await page.isVisible('#export-download'));
    const [tar] = await Promise.all([page.waitForEvent('download'), page.click('#export-download')]);
    const tfile = path.join(out, 'export.tar');
    await within(tar.saveAs(tfile), ACTION_MS, 'saving the export');
    check('export downloaded as tar', fs.statSync(tfile).size > 1024);
    await shot('05d-export');
    await page.keyboard.press('p');
    await page.waitForSelector('#posture-files');
    if (process.env.XA_POSTURE_DIR) {
      const files = fs.readdirSync(process.env.XA_POSTURE_DIR).map((f) => path.join(process.env.XA_POSTURE_DIR, f));
      await page.setInputFiles('#posture-files', files);
      await page.click('#posture-run');
      await page.waitForSelector('#findings, #posture-result .error');
      check('posture findings shown', (await page.locator('#findings tbody tr').count()) > 0);
      await shot('05e-posture');
    }
    await page.keyboard.press('r');
    await page.waitForSelector('#report-name');
    await page.fill('#report-since', '3650d');
    await page.click('#report-run');
    await page.waitForSelector('#report-doc, #view .error');
    check('report ran', await page.isVisible('#report-doc'));
    await shot('06-report');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-csv')]);
    const file = path.join(out, 'report.csv');
    await within(dl.saveAs(file), ACTION_MS, 'saving the report');
    check('report downloaded', fs.statSync(file).size > 0);
    check('no CSP or script errors', errors.length === 0 || (console.log(errors), false));
  } catch (e) {
    failed++; console.log('FAIL - ' + e.message);
    await shot('99-failure').catch(() => {});
  }
  await within(browser.close(), 20000, 'closing the browser').catch((e) => console.log('note - ' + e.message));
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.log('FAIL - ' + (e && e.message ? e.message : e));
  console.log(passed + ' passed, ' + (failed + 1) + ' failed');
  process.exit(1);
});
