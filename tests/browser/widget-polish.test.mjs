// The widget's rough edges from the real-browser walkthrough (issue 18), each pinned on a
// council-style page from another origin under a strict CSP: on a phone showing a page wider
// than the screen the launcher and panel stay on screen (320, 390 and 768 px); a feedback vote
// keeps focus; an empty question shows its message; phone numbers and web addresses in
// answers are links; the answer comes first with its supporting passages and projects behind
// a closed "Where this comes from (N)"; no "Was this helpful?" under "hello" or "thanks"; the
// placeholder fits at desktop width and the transcript stays usable at 200% zoom. axe finds
// nothing in any of the new states.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, repoRoot } from './harness.mjs';
import { startHostServer, hostPage, snippet, widget, focused, assertAccessible, watch } from './widget-kit.mjs';

const corpus = join(repoRoot, 'tests', 'fixtures', 'corpus');
let server;
let host;
let browser;

// One element wider than any phone, as council pages with a wide table have.
const WIDE_CSS = '.wide { width: 1100px; height: 3em; border: 1px solid #555; }';

before(async () => {
  server = await startServer({ corpus });
  host = await startHostServer(server.url, {
    '/wide.css': { css: WIDE_CSS },
    '/wide.html': {
      html: hostPage({ head: snippet(server.url), css: ['/host.css', '/wide.css'], body: '<div class="wide">A wide table</div>' }),
    },
    '/launcher.html': { html: hostPage({ head: snippet(server.url) }) },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

async function open(path, options = {}) {
  const context = await browser.newContext({ reducedMotion: 'reduce', ...options });
  const watcher = await watch(context);
  const page = await context.newPage();
  await page.goto(`${host.url}${path}`);
  const w = widget(page);
  await w.launcher.waitFor();
  return { context, page, w, watcher };
}

/** Where each of the widget's parts is against the visual viewport (what is on screen). */
function onScreen(page, selectors) {
  return page.evaluate((selectors) => {
    const vv = window.visualViewport;
    const root = document.querySelector('signpost-chat').shadowRoot;
    const out = {};
    for (const s of selectors) {
      const r = root.querySelector(s).getBoundingClientRect();
      out[s] = {
        inside: r.width > 0 && r.left >= vv.offsetLeft - 0.5 && r.top >= vv.offsetTop - 0.5
          && r.right <= vv.offsetLeft + vv.width + 0.5 && r.bottom <= vv.offsetTop + vv.height + 0.5,
        rect: [Math.round(r.left), Math.round(r.top), Math.round(r.right), Math.round(r.bottom)],
        viewport: [Math.round(vv.offsetLeft), Math.round(vv.offsetTop), Math.round(vv.width), Math.round(vv.height)],
      };
    }
    return out;
  }, selectors);
}

for (const width of [320, 390, 768]) {
  test(`on a ${width} px phone showing a page wider than the screen, the launcher and panel stay on screen`, async () => {
    const { context, page, w } = await open('/wide.html', {
      viewport: { width, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
    });
    // The page really is wider than the screen.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) > width);
    let where = await onScreen(page, ['.launcher']);
    assert.ok(where['.launcher'].inside, `launcher: ${JSON.stringify(where)}`);
    await w.launcher.tap();
    await w.ask('is there a helpline');
    where = await onScreen(page, ['.panel', '.close', 'form button', 'input']);
    for (const [part, at] of Object.entries(where)) assert.ok(at.inside, `${part}: ${JSON.stringify(at)}`);
    // Still there when the reader pans across the wide page.
    await page.mouse.wheel(300, 0);
    await page.waitForFunction(() => window.visualViewport.offsetLeft > 0);
    where = await onScreen(page, ['.panel', '.close', 'form button']);
    for (const [part, at] of Object.entries(where)) assert.ok(at.inside, `after panning, ${part}: ${JSON.stringify(at)}`);
    await assertAccessible(page, `${width} px, wide page, answered`);
    await context.close();
  });
}

test('after a feedback vote focus stays on the thanks, not on the page body', async () => {
  const { context, page, w } = await open('/launcher.html');
  await w.launcher.click();
  const reply = await w.ask('is there a helpline');
  const no = reply.getByRole('button', { name: 'No' });
  await no.focus();
  await page.keyboard.press('Enter');
  await reply.getByText('Thank you for your feedback.').waitFor();
  const f = await focused(page);
  assert.equal(f.inWidget, true, `focus left the widget: ${JSON.stringify(f)}`);
  assert.equal(f.text, 'Thank you for your feedback.');
  await assertAccessible(page, 'feedback sent, thanks focused');
  await context.close();
});

test('a vote that fails keeps focus on the button pressed', async () => {
  const { context, page, w } = await open('/launcher.html');
  await w.launcher.click();
  const reply = await w.ask('is there a helpline');
  await page.route('**/api/v1/feedback', (route) => route.abort('connectionrefused'));
  await reply.getByRole('button', { name: 'Yes' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('signpost-chat').shadowRoot
    .querySelector('[role=alert]').textContent.includes('could not be sent'));
  assert.deepEqual(await focused(page), { tag: 'button', cls: 'ghost', text: 'Yes', inWidget: true });
  await context.close();
});

test('an empty question shows a visible message tied to the field, gone once typing starts', async () => {
  const { context, page, w } = await open('/launcher.html');
  await w.launcher.click();
  await w.input.fill('  ');
  await w.input.press('Enter');
  const message = w.root.locator('.msg');
  await message.waitFor();
  assert.equal(await message.textContent(), 'Please type a question first.');
  assert.ok(await message.isVisible());
  assert.equal(await w.input.getAttribute('aria-invalid'), '');
  assert.equal(await w.input.getAttribute('aria-describedby'), await message.getAttribute('id'));
  await assertAccessible(page, 'empty question message');
  await w.input.pressSequentially('is');
  assert.ok(!(await message.isVisible()));
  assert.equal(await w.input.getAttribute('aria-invalid'), null);
  await context.close();
});

test('a phone number in an answer is a tel: link, built as nodes', async () => {
  const { context, page, w } = await open('/launcher.html');
  await w.launcher.click();
  const reply = await w.ask('is there a helpline');
  const tel = reply.locator('p').first().getByRole('link', { name: '0800 123 4567' });
  assert.equal(await tel.getAttribute('href'), 'tel:+448001234567');
  assert.equal(await tel.getAttribute('target'), null, 'a call opens in place');
  // The FAQ answer's source links to its own page on the Signpost server.
  const source = reply.getByRole('link', { name: /Is there a helpline\?/ });
  assert.equal(await source.getAttribute('href'), `${server.url}/faq/faq-01`);
  await assertAccessible(page, 'answer with a tel: link');
  await context.close();
});

test('web addresses and numbers are linked alongside highlights, and only safe ones', async () => {
  const { context, page } = await open('/launcher.html');
  const html = await page.evaluate(() => {
    const el = document.querySelector('signpost-chat');
    const text = 'Call 0870 777 0011 or see https://example.org/a?b=1. Not javascript:alert(1) or 2003 2005.';
    const nodes = el.marked(text, [[5, 9], [26, 34]]);
    const box = document.createElement('p');
    box.append(...nodes);
    return { html: box.innerHTML, text: box.textContent };
  });
  assert.equal(html.text, 'Call 0870 777 0011 or see https://example.org/a?b=1 (opens in a new tab). Not javascript:alert(1) or 2003 2005.');
  assert.match(html.html, /<a href="tel:\+448707770011"><mark>0870<\/mark> 777 0011<\/a>/);
  assert.match(html.html, /<a href="https:\/\/example\.org\/a\?b=1" target="_blank" rel="noopener"><mark>https:\/\/<\/mark>example\.org\/a\?b=1<span class="sr"> \(opens in a new tab\)<\/span><\/a>\. Not javascript/);
  assert.doesNotMatch(html.html, /href="javascript/);
  await context.close();
});

test('the answer comes first; its support sits behind a closed "Where this comes from (N)"', async () => {
  const { context, page, w } = await open('/launcher.html');
  await w.launcher.click();
  const reply = await w.ask('planning permission online');
  const response = await page.evaluate(async (base) => (await fetch(`${base}/api/v1/ask?q=planning+permission+online`)).json(), server.url);
  const details = reply.locator('details');
  assert.equal(await details.count(), 1);
  assert.equal(await details.getAttribute('open'), null, 'closed by default');
  const summary = details.locator('summary');
  const n = Number(/\((\d+)\)$/.exec(await summary.textContent())[1]);
  assert.match(await summary.textContent(), /^Where this comes from \(\d+\)$/);
  // Closed, nothing of it shows: the turn is the answer, its source and the controls.
  assert.ok(!(await details.locator('blockquote, .card').first().isVisible()));
  await assertAccessible(page, 'answer with closed support');
  await summary.click();
  const shown = (await details.locator('blockquote').count()) + (await details.locator('.card').count());
  assert.equal(shown, n, 'the count is what is listed');
  // Only what supports the answer: never the answer's own passage, nothing scored below it.
  const best = Math.max(...response.passages.map((p) => p.score));
  const listed = response.passages.filter((p) => p.id !== response.answer.passage_id && p.score >= best * 0.95).slice(0, 3);
  assert.equal(await details.locator('blockquote').count(), listed.length);
  assert.ok(!(await details.locator('blockquote').allTextContents()).includes(response.answer.text));
  await assertAccessible(page, 'answer with support open');
  await context.close();
});

test('the support shown is only what the rule keeps, from a response padded with the unrelated', async () => {
  const { context, page, w } = await open('/launcher.html');
  await page.route('**/api/v1/ask', (route) => route.fulfill({
    contentType: 'application/json',
    headers: { 'Access-Control-Allow-Origin': '*' },
    body: JSON.stringify({
      query: 'is there a helpline',
      answer: { id: 'faq-01', kind: 'faq', title: 'Is there a helpline?', text: 'Call the line on 0800 123 4567.', passage_id: 'faq-01#p1', url: '/faq/faq-01', confidence: 0.9 },
      passages: [
        { id: 'faq-01#p1', entry_id: 'faq-01', kind: 'faq', title: 'Is there a helpline?', text: 'Call the line on 0800 123 4567.', highlights: [], score: 1 },
        { id: 'faq-01#p2', entry_id: 'faq-01', kind: 'faq', title: 'Is there a helpline?', text: 'The line is open weekdays.', highlights: [], score: 1 },
        { id: 'bins#p1', entry_id: 'bins', kind: 'project', title: 'BINS', text: 'Bins are collected.', highlights: [], score: 0.4 },
      ],
      projects: [
        { id: 'planit', name: 'PLANIT', short_name: 'PLANIT', summary: 'Planning.', url: '/projects/planit', score: 0.8 },
        { id: 'bins', name: 'BINS', short_name: 'BINS', summary: 'Bins.', url: '/projects/bins', score: 0.7 },
      ],
      suggestions: [], did_you_mean: null, fallback: null, context: {}, feedback_url: null,
    }),
  }));
  await w.launcher.click();
  const reply = await w.ask('is there a helpline');
  const summary = reply.locator('summary');
  assert.equal(await summary.textContent(), 'Where this comes from (1)');
  await summary.click();
  assert.deepEqual(await reply.locator('details blockquote').allTextContents(), ['The line is open weekdays.']);
  assert.equal(await reply.locator('details .card').count(), 0, 'projects the answer does not rest on are left out');
  await context.close();
});

test('no "Was this helpful?" under replies to "hello" and "thanks"', async () => {
  const { context, page, w } = await open('/launcher.html');
  await w.launcher.click();
  for (const q of ['hello', 'thanks']) {
    const reply = await w.ask(q);
    assert.equal(await reply.getByRole('group', { name: 'Was this helpful?' }).count(), 0, q);
    assert.equal(await reply.locator('details').count(), 0, q);
  }
  // A real answer still asks.
  const reply = await w.ask('is there a helpline');
  assert.equal(await reply.getByRole('group', { name: 'Was this helpful?' }).count(), 1);
  await assertAccessible(page, 'greeting and thanks answered');
  await context.close();
});

test('at desktop width the placeholder is not cut off', async () => {
  const { context, w } = await open('/launcher.html', { viewport: { width: 1280, height: 800 } });
  await w.launcher.click();
  const fit = await w.input.evaluate((input) => {
    input.value = input.placeholder;
    const out = { scroll: input.scrollWidth, client: input.clientWidth };
    input.value = '';
    return out;
  });
  assert.ok(fit.scroll <= fit.client, `placeholder needs ${fit.scroll} px of ${fit.client}`);
  await context.close();
});

test('at 200% zoom (1280×720 at twice the size) the transcript keeps a usable height', async () => {
  const { context, page, w } = await open('/launcher.html', { viewport: { width: 640, height: 360 }, deviceScaleFactor: 2 });
  await w.launcher.click();
  await w.ask('is there a helpline');
  const sizes = await page.evaluate(() => {
    const root = document.querySelector('signpost-chat').shadowRoot;
    const r = (s) => root.querySelector(s).getBoundingClientRect();
    return { log: r('.log').height, panel: r('.panel').toJSON(), send: r('form button').toJSON(), close: r('.close').toJSON() };
  });
  // 146 px (about three lines) before; now at least seven lines of 24 px.
  assert.ok(sizes.log >= 7 * 24, `transcript ${sizes.log} px tall`);
  assert.ok(sizes.panel.top >= 0 && sizes.panel.bottom <= 360 && sizes.panel.right <= 640, JSON.stringify(sizes));
  assert.ok(sizes.send.bottom <= sizes.panel.bottom && sizes.close.top >= sizes.panel.top, JSON.stringify(sizes));
  await assertAccessible(page, '200% zoom, answered');
  // Escape still closes and returns focus to the launcher, which is back in view.
  await page.keyboard.press('Escape');
  assert.equal((await focused(page)).cls, 'launcher');
  assert.ok(await w.launcher.isVisible());
  await context.close();
});
