// The editors' report at /admin in real Chromium, with questions from two sites, a deliberate
// decline, small talk, a gap and a "not helpful" vote recorded: zero axe violations (WCAG 2.x
// A and AA) on the whole report and on one site's report, at desktop and phone widths; zero
// CSP violations under the page's strict policy; the site picker works by keyboard alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { serverAndBrowser } from './harness.mjs';

const TOKEN = 'browser-report-token-0123456789';
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const env = serverAndBrowser({ env: { SIGNPOST_ADMIN_TOKEN: TOKEN } });
const auth = { Authorization: `Bearer ${TOKEN}` };

/** Records the questions and the vote once, before the first test reads the report. */
let seeding;
function seed() {
  seeding ??= record();
  return seeding;
}

async function record() {
  const url = env.server.url;
  const asks = [
    ['when is my bin collection', 'leeds'],
    ['hello', 'leeds'],
    ['who led parsol', 'leeds'],
    ['what is the airspeed velocity of an unladen swallow', 'york'],
    ['who led parsol', null],
  ];
  for (const [q, site] of asks) {
    const query = new URLSearchParams({ q, ...(site ? { site } : {}) });
    const res = await fetch(`${url}/api/v1/ask?${query}`);
    assert.equal(res.status, 200, q);
  }
  const vote = await fetch(`${url}/api/v1/feedback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ answer_id: 'parsol', question: 'who led parsol', helpful: false, site: 'leeds', comment: 'not what I asked' }),
  });
  assert.equal(vote.status, 202);
  // The store writes in batches: wait until the report holds every record.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const csv = await (await fetch(`${url}/admin/export/sites.csv?since=7d`, { headers: auth })).text();
    if (csv.includes('\r\nleeds,3,') && csv.includes('\r\nyork,1,') && /\r\nleeds,[^\r]*,1\r\n/.test(csv)) break;
    assert.ok(Date.now() < deadline, `the store never held the records:\n${csv}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A page signed in with Basic credentials that records every CSP violation. */
async function adminPage(viewport = { width: 1280, height: 800 }) {
  await seed();
  const context = await env.browser.newContext({ viewport, httpCredentials: { username: 'editor', password: TOKEN } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    }, true);
  });
  return { context, page };
}

async function violations(page) {
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
}

for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
  test(`the report and one site's report have no axe or CSP violations (${viewport.width}px)`, async () => {
    const { context, page } = await adminPage(viewport);
    for (const path of ['/admin?since=7d', '/admin?since=7d&site=leeds']) {
      const response = await page.goto(`${env.server.url}${path}`);
      assert.equal(response.status(), 200, path);
      assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/, path);
      assert.equal(await page.locator('script, [style]').count(), 0, `${path}: no scripts or inline styles`);
      assert.deepEqual(await violations(page), [], path);
      assert.deepEqual(await page.evaluate(() => window.__violations), [], path);
    }
    await context.close();
  });
}

test('the new lists are there, each under its heading, with the decline apart from the gap', async () => {
  const { context, page } = await adminPage();
  await page.goto(`${env.server.url}/admin?since=7d`);
  const section = (name) => page.getByRole('region', { name });
  const gaps = section('Top unanswered questions');
  await gaps.getByRole('cell', { name: 'what is the airspeed velocity of an unladen swallow' }).waitFor();
  assert.equal(await gaps.getByText('when is my bin collection').count(), 0);
  const declined = section('Declined on purpose');
  await declined.getByRole('cell', { name: 'when is my bin collection' }).waitFor();
  assert.ok((await declined.getByRole('cell', { name: /^Declined: your-council/ }).count()) === 1);
  assert.ok((await declined.getByRole('cell', { name: /^Reply: greeting/ }).count()) === 1);
  await section('Confident but voted not helpful').getByText('not what I asked').waitFor();
  const sites = section('Sites');
  await sites.getByRole('rowheader', { name: 'leeds' }).waitFor();
  await sites.getByRole('rowheader', { name: 'No site' }).waitFor();
  const most = section('Most asked questions');
  await most.getByRole('columnheader', { name: 'Mean confidence' }).waitFor();
  await context.close();
});

test('the site picker works from the keyboard alone', async () => {
  const { context, page } = await adminPage();
  await page.goto(`${env.server.url}/admin?since=7d`);
  const picker = page.getByRole('combobox', { name: 'Site' });
  await picker.focus();
  await page.keyboard.press('ArrowDown'); // Every site → leeds (most questions first)
  assert.equal(await picker.inputValue(), 'leeds');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Show');
  await Promise.all([page.waitForURL(/site=leeds/), page.keyboard.press('Enter')]);
  assert.match(page.url(), /\/admin\?since=7d&site=leeds$/);
  await page.getByText('site leeds', { exact: false }).first().waitFor();
  const gaps = page.getByRole('region', { name: 'Top unanswered questions' });
  assert.equal(await gaps.getByText('airspeed').count(), 0, "york's gap is not leeds's");
  assert.equal(await picker.inputValue(), 'leeds');
  await context.close();
});
