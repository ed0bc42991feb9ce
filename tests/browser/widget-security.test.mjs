// The widget on hostile ground, in real Chromium: pages under a strict CSP and under Trusted
// Types raise zero securitypolicyviolation events; corpus and question strings carrying
// <img onerror>, <script> and <svg onload> show as text and never run; a host page with
// `* { all: unset !important }` and friends cannot break it, and its CSS does not leak out;
// no cookies, storage, fonts or third-party requests; cross-origin loading, the API base
// derived from the script tag or set by attribute, data- containers, script-tag defaults and a
// doubled script tag.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, repoRoot } from './harness.mjs';
import { startHostServer, hostPage, snippet, widget, watch } from './widget-kit.mjs';

// The fixture corpus (which already carries <img onerror> and <script> in a passage and a
// project name) plus an entry with more hostile strings, in a temporary copy.
const corpus = mkdtempSync(join(tmpdir(), 'signpost-hostile-corpus-'));
cpSync(join(repoRoot, 'tests', 'fixtures', 'corpus'), corpus, { recursive: true });
writeFileSync(join(corpus, 'faq', 'faq-99.md'), `---
id: faq-99
title: Is the quokka form <svg onload="window.__pwned=3"> safe?
---
The quokka form is safe. </p></blockquote><script>window.__pwned=4</script> <iframe src="javascript:window.__pwned=5"></iframe> &lt;b&gt;quokka&lt;/b&gt;
`);

const HOSTILE = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '<svg onload="window.__pwned=3">',
  '</p></blockquote><script>window.__pwned=4</script>',
  '<iframe src="javascript:window.__pwned=5"></iframe>',
  '&lt;b&gt;quokka&lt;/b&gt;',
];

let server;
let other;
let host;
let browser;

before(async () => {
  server = await startServer({ corpus });
  other = await startServer({ corpus });
  const s = server.url;
  const leakProbe = '<div class="w panel launcher chip card err you" id="probe"><p class="label sr mu">Probe</p><button class="send" id="probe-button">Page button</button></div>';
  host = await startHostServer(s, {
    '/strict.html': { html: hostPage({ head: snippet(s), body: leakProbe }) },
    '/trusted-types.html': { html: hostPage({ head: snippet(s) }), trustedTypes: true },
    '/hostile.html': { html: hostPage({ head: snippet(s), css: ['/host.css', '/hostile.css'] }) },
    '/inline.html': { html: hostPage({ head: snippet(s), body: '<signpost-chat class="narrow"></signpost-chat>' }) },
    '/api-base.html': {
      html: hostPage({ head: snippet(s, `data-api-base="${other.url}"`) }),
      csp: `default-src 'none'; script-src ${s}; style-src 'self'; connect-src ${other.url}`,
    },
    '/container.html': {
      html: hostPage({
        head: snippet(s, 'data-text-send="Gofyn" data-position="bottom-left"'),
        body: '<div data-signpost data-site="exampleton" data-heading="Ask Exampleton"></div>',
      }),
    },
    '/defaults.html': { html: hostPage({ head: snippet(s, 'data-text-send="Gofyn" data-position="bottom-left" data-site="exampleton"') }) },
    '/twice.html': { html: hostPage({ head: snippet(s) + snippet(s) }) },
    '/no-launcher.html': { html: hostPage({ head: snippet(s, 'data-launcher="off"') }) },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await other?.stop();
  await server?.stop();
  rmSync(corpus, { recursive: true, force: true });
});

/** Opens a host page in a fresh context with everything recorded. */
async function visit(url) {
  const context = await browser.newContext();
  const watcher = await watch(context);
  const page = await context.newPage();
  const requests = [];
  const responses = [];
  page.on('request', (r) => requests.push(r));
  page.on('response', (r) => responses.push(r));
  await page.goto(url);
  return { context, page, watcher, requests, responses };
}

/** Opens the launcher and asks a round of questions that touch every kind of reply. */
async function conversation(page) {
  const w = widget(page);
  await w.launcher.click();
  await w.ask('what did the fixture projects produce');
  await w.root.getByRole('button', { name: /Is there a helpline/ }).first().click();
  await w.log.getByText('There is a Fixture Information Phone Line').waitFor();
  await w.ask('zebra crossing xylophone');
  await w.ask('bins');
  await w.ask('quokka form');
  await w.input.press('Escape');
  return w;
}

for (const [name, path, sink] of [
  ['a strict CSP', '/strict.html', async (page) => page.evaluate(() => {
    const style = document.createElement('style');
    style.textContent = 'p { color: red }';
    document.head.append(style);
  })],
  ['Trusted Types', '/trusted-types.html', async (page) => page.evaluate(() => {
    try { document.body.insertAdjacentHTML('beforeend', '<b>x</b>'); } catch (_) { /* blocked */ }
  })],
]) {
  test(`under ${name} a whole conversation raises zero policy violations`, async () => {
    const { context, page, watcher } = await visit(`${host.url}${path}`);
    await conversation(page);
    assert.deepEqual(await watcher.violations(page), []);
    assert.deepEqual(watcher.errors, []);
    // The recorder works: one deliberate violation is seen.
    await sink(page);
    await page.waitForFunction(() => window.__violations.length > 0);
    await context.close();
  });
}

test('Signpost serves its demo page under the strict policy with Trusted Types, and it runs clean', async () => {
  const { context, page, watcher, responses } = await visit(`${server.url}/`);
  const csp = responses.find((r) => r.url() === `${server.url}/`).headers()['content-security-policy'];
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "require-trusted-types-for 'script'"]) {
    assert.ok(csp.includes(directive), `${directive} in ${csp}`);
  }
  const inline = widget(page, 'signpost-chat:not([mode])');
  await inline.ask('bins');
  await inline.ask('zebra crossing xylophone');
  assert.deepEqual(await watcher.violations(page), []);
  assert.deepEqual(watcher.errors, []);
  await context.close();
});

test('hostile corpus and question strings show as text and never run', async () => {
  const { context, page } = await visit(`${host.url}/strict.html`);
  const w = await conversation(page);
  await w.launcher.click();
  const question = '<img src=x onerror="window.__pwned=2"><script>window.__pwned=2</script>';
  await w.ask(question);
  const text = await w.log.textContent();
  for (const literal of [...HOSTILE, question]) assert.ok(text.includes(literal), `shown as text: ${literal}`);
  // A question touching two entries suggests the one not answered: the hostile title as a chip.
  await w.ask('is there a helpline for the quokka form');
  const chip = w.root.getByRole('button', { name: 'Is the quokka form <svg onload="window.__pwned=3"> safe?' });
  assert.ok((await chip.count()) >= 1, 'a hostile FAQ title is a chip label, as text');
  const dangerous = await w.root.evaluate((el) => el.shadowRoot.querySelectorAll('img, script, svg, iframe, b, [onerror], [onload]').length);
  assert.equal(dangerous, 0, 'no element was made from a server or user string');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // Every link the widget made points to http(s) on Signpost, or to tel:.
  for (const href of await w.root.locator('a').evaluateAll((as) => as.map((a) => a.href))) {
    assert.ok(href.startsWith(`${server.url}/`) || href.startsWith('tel:'), href);
  }
  await context.close();
});

test('a host page with hostile CSS cannot hide or restyle the widget', async () => {
  const { context, page } = await visit(`${host.url}/hostile.html`);
  const w = widget(page);
  await w.launcher.waitFor();
  const look = (locator) => locator.evaluate((el) => {
    const s = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return { display: s.display, visibility: s.visibility, color: s.color, background: s.backgroundColor, fontSize: s.fontSize, transform: s.textTransform, width: box.width, height: box.height };
  });
  const launcher = await look(w.launcher);
  assert.deepEqual({ ...launcher, width: launcher.width >= 100, height: launcher.height >= 40 }, {
    display: 'block', visibility: 'visible', color: 'rgb(255, 255, 255)', background: 'rgb(29, 79, 145)',
    fontSize: '16px', transform: 'none', width: true, height: true,
  });
  // Still fixed to the corner of the window, not trapped in a transformed box.
  const corner = await w.launcher.boundingBox();
  const viewport = page.viewportSize();
  assert.ok(viewport.width - (corner.x + corner.width) <= 32 && viewport.height - (corner.y + corner.height) <= 32, JSON.stringify(corner));
  await w.launcher.click();
  assert.ok(await w.panel.isVisible());
  assert.equal((await look(w.input)).fontSize, '16px');
  const reply = await w.ask('is there a helpline');
  const answer = await look(reply.locator('p').first());
  assert.equal(answer.color, 'rgb(27, 27, 27)');
  assert.equal(answer.fontSize, '16px');
  assert.ok(answer.height >= 20, `the answer is laid out: ${answer.height}px tall`);
  assert.equal((await look(w.panel)).background, 'rgb(255, 255, 255)');
  await context.close();
});

test('the page can size and place the inline widget', async () => {
  const { context, page } = await visit(`${host.url}/inline.html`);
  const w = widget(page);
  await w.input.waitFor();
  const box = await w.root.evaluate((el) => {
    const s = getComputedStyle(el);
    return { width: el.getBoundingClientRect().width, margin: s.marginTop };
  });
  assert.deepEqual(box, { width: 480, margin: '32px' });
  await context.close();
});

test("the widget's CSS does not leak into the host page", async () => {
  const { context, page } = await visit(`${host.url}/strict.html`);
  await widget(page).launcher.waitFor();
  const probe = await page.evaluate(() => {
    const s = (sel) => getComputedStyle(document.querySelector(sel));
    return {
      position: s('#probe').position,
      border: s('#probe').borderTopStyle,
      background: s('#probe-button').backgroundColor,
      label: s('#probe .label').position,
      font: s('#probe .label').fontSize,
    };
  });
  assert.deepEqual(probe, { position: 'static', border: 'none', background: 'rgb(239, 239, 239)', label: 'static', font: '16px' });
  await context.close();
});

test('no cookies, no storage, no fonts and no requests to anyone but the page and Signpost', async () => {
  const { context, page, requests, responses } = await visit(`${host.url}/strict.html`);
  await conversation(page);
  assert.deepEqual(await context.cookies(), []);
  const stored = await page.evaluate(async () => ({
    cookie: document.cookie,
    local: localStorage.length,
    session: sessionStorage.length,
    idb: (await indexedDB.databases()).length,
    caches: (await caches.keys()).length,
  }));
  assert.deepEqual(stored, { cookie: '', local: 0, session: 0, idb: 0, caches: 0 });
  const origins = new Set(requests.map((r) => new URL(r.url()).origin));
  assert.deepEqual([...origins].sort(), [host.url, server.url].sort());
  assert.deepEqual(requests.filter((r) => ['font', 'image', 'media'].includes(r.resourceType())).map((r) => r.url()), []);
  for (const r of responses) assert.equal(r.headers()['set-cookie'], undefined, r.url());
  // The questions went to Signpost's API, found from the script tag's origin.
  const asks = requests.filter((r) => r.url() === `${server.url}/api/v1/ask` && r.method() === 'POST');
  assert.equal(asks.length, 5);
  for (const r of asks) assert.equal(r.headers().cookie, undefined);
  await context.close();
});

test('an api-base attribute sends questions to that server instead of the script origin', async () => {
  const { context, page, requests, watcher } = await visit(`${host.url}/api-base.html`);
  const w = widget(page);
  await w.launcher.click();
  await w.ask('is there a helpline');
  await w.log.getByText('There is a Fixture Information Phone Line').waitFor();
  const asked = requests.filter((r) => r.url().includes('/api/v1/ask')).map((r) => new URL(r.url()).origin);
  assert.deepEqual([...new Set(asked)], [other.url]);
  assert.deepEqual(await watcher.violations(page), []);
  await context.close();
});

test('a data-signpost container becomes an inline widget configured by its data- attributes', async () => {
  const { context, page, requests } = await visit(`${host.url}/container.html`);
  const w = widget(page, '[data-signpost] signpost-chat');
  await w.input.waitFor();
  assert.equal(await page.locator('signpost-chat').count(), 1, 'no launcher when the page has a widget');
  assert.equal(await w.root.getByRole('heading', { level: 2 }).textContent(), 'Ask Exampleton');
  assert.equal(await w.root.locator('form button').textContent(), 'Gofyn', 'script-tag strings apply');
  await w.input.fill('is there a helpline');
  await w.input.press('Enter');
  await w.log.getByText('There is a Fixture Information Phone Line').waitFor();
  const body = JSON.parse(requests.find((r) => r.url().endsWith('/api/v1/ask') && r.method() === 'POST').postData());
  assert.equal(body.site, 'exampleton');
  // The vote carries the site its question did, so the report counts votes per site.
  const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/feedback'));
  await w.log.getByRole('group', { name: 'Was this helpful?' }).getByRole('button', { name: 'No' }).click();
  const vote = JSON.parse((await posted).postData());
  assert.deepEqual(vote, { answer_id: 'faq-01', question: 'is there a helpline', helpful: false, site: 'exampleton' });
  await context.close();
});

test('script-tag defaults configure the launcher: strings, corner and site', async () => {
  const { context, page, requests } = await visit(`${host.url}/defaults.html`);
  const w = widget(page);
  await w.launcher.waitFor();
  const box = await w.launcher.boundingBox();
  assert.ok(box.x < 100, `launcher at the bottom left: x=${box.x}`);
  await w.launcher.click();
  assert.equal(await w.root.locator('form button').textContent(), 'Gofyn');
  await w.input.fill('is there a helpline');
  await w.input.press('Enter');
  await w.log.getByText('There is a Fixture Information Phone Line').waitFor();
  const body = JSON.parse(requests.find((r) => r.url().endsWith('/api/v1/ask') && r.method() === 'POST').postData());
  assert.equal(body.site, 'exampleton');
  await context.close();
});

test('the script included twice makes one launcher and no errors; data-launcher="off" makes none', async () => {
  let { context, page, watcher } = await visit(`${host.url}/twice.html`);
  await widget(page).launcher.waitFor();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('signpost-chat').count(), 1);
  assert.deepEqual(watcher.errors, []);
  await context.close();
  ({ context, page } = await visit(`${host.url}/no-launcher.html`));
  await page.waitForLoadState('load');
  assert.equal(await page.evaluate(() => !!customElements.get('signpost-chat')), true);
  assert.equal(await page.locator('signpost-chat').count(), 0);
  await context.close();
});
