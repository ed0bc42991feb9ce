// Accessibility of the widget as a council embeds it (a page on another origin loading
// widget.js from Signpost): axe-core with the WCAG 2.0/2.1/2.2 A and AA tags finds nothing in
// each state (closed, open and empty, answered, no answer, error, 320 px wide, dark mode,
// inline); the keyboard-only flow with focus assertions; Escape and the close button return
// focus; no keyboard trap; visible focus on every control; targets of at least 24×24 px; 16 px
// inputs; usable at 320 px and with 200% text; reduced motion; pinch-zoom left alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, repoRoot } from './harness.mjs';
import { startHostServer, hostPage, snippet, widget, focused, assertAccessible } from './widget-kit.mjs';

const corpus = join(repoRoot, 'tests', 'fixtures', 'corpus');
let server;
let host;
let browser;

before(async () => {
  server = await startServer({ corpus });
  host = await startHostServer(server.url, {
    '/launcher.html': { html: hostPage({ head: snippet(server.url) }) },
    '/inline.html': {
      html: hostPage({ head: snippet(server.url), body: '<h2>Ask us</h2>\n<signpost-chat></signpost-chat>' }),
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

async function open(path, options = {}) {
  // Reduced motion unless a test asks otherwise: axe then measures the settled colours even
  // on a loaded machine where a transition outlasts the wait for animations.
  const context = await browser.newContext({ reducedMotion: 'reduce', ...options });
  const page = await context.newPage();
  await page.goto(`${host.url}${path}`);
  const w = widget(page);
  await (path === '/launcher.html' ? w.launcher : w.input).waitFor();
  return { context, page, w };
}

test('axe finds no WCAG A/AA violations when closed, open, answered, unanswered and failed', async () => {
  const { context, page, w } = await open('/launcher.html');
  await assertAccessible(page, 'closed');
  await w.launcher.click();
  await assertAccessible(page, 'open, empty');
  await w.ask('what did the fixture projects produce');
  await assertAccessible(page, 'answered');
  await w.ask('zebra crossing xylophone');
  await assertAccessible(page, 'no answer');
  await page.route('**/api/v1/ask', (route) => route.abort('connectionrefused'));
  const reply = await w.ask('is there a helpline');
  assert.match(await reply.textContent(), /could not be reached/);
  await assertAccessible(page, 'error');
  // The check can fail: axe looks inside the shadow root, so an unlabelled field there counts.
  await w.root.evaluate((el) => el.shadowRoot.querySelector('form').append(document.createElement('input')));
  await assert.rejects(assertAccessible(page, 'broken on purpose'), /label/);
  await context.close();
});

test('axe finds nothing at 320 px wide, in dark mode, or inline', async () => {
  let { context, page, w } = await open('/launcher.html', { viewport: { width: 320, height: 640 } });
  await w.launcher.click();
  await w.ask('what did the fixture projects produce');
  await assertAccessible(page, '320 px, answered');
  await context.close();

  ({ context, page, w } = await open('/launcher.html', { colorScheme: 'dark' }));
  await w.launcher.click();
  await w.ask('what did the fixture projects produce');
  assert.equal(await w.panel.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(29, 31, 33)');
  await assertAccessible(page, 'dark mode, answered');
  await w.ask('zebra crossing xylophone');
  await assertAccessible(page, 'dark mode, no answer');
  await context.close();

  ({ context, page, w } = await open('/inline.html'));
  await w.ask('what did the fixture projects produce');
  await assertAccessible(page, 'inline, answered');
  await context.close();
});

test("Signpost's own demo page, with both modes, passes axe too", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  const inline = widget(page, 'signpost-chat:not([mode])');
  await inline.ask('what did the fixture projects produce');
  await widget(page, 'signpost-chat[mode=launcher]').launcher.click();
  await assertAccessible(page, 'demo page, inline answered, launcher open');
  await context.close();
});

test('in forced-colors (Windows high contrast) mode the buttons and panel keep visible edges', async () => {
  const { context, page, w } = await open('/launcher.html');
  await page.emulateMedia({ forcedColors: 'active' });
  await w.launcher.click();
  await w.ask('is there a helpline');
  for (const locator of [w.launcher, w.send, w.panel, w.root.locator('.chip').first()]) {
    const edge = await locator.evaluate((el) => `${getComputedStyle(el).borderTopStyle} ${getComputedStyle(el).borderTopWidth}`);
    assert.equal(edge, 'solid 1px');
  }
  await context.close();
});

test('keyboard only: open, ask, follow a chip, close with Escape, and never get trapped', async () => {
  const { context, page, w } = await open('/launcher.html');
  // Tab through the page until the launcher has focus.
  let f;
  for (let i = 0; i < 10; i += 1) {
    await page.keyboard.press('Tab');
    f = await focused(page);
    if (f.cls.includes('launcher')) break;
  }
  assert.equal(f.cls, 'launcher', 'the launcher is reachable by Tab');
  assert.equal(await w.launcher.getAttribute('aria-expanded'), 'false');
  assert.equal(await w.launcher.getAttribute('aria-controls'), 'panel');
  await page.keyboard.press('Enter');
  assert.equal(await w.launcher.getAttribute('aria-expanded'), 'true');
  assert.ok(await w.panel.isVisible());
  assert.deepEqual(await focused(page), { tag: 'input', cls: '', text: 'For example: is there a helpline?', inWidget: true });
  await page.keyboard.type('is there a helpline');
  await page.keyboard.press('Enter');
  await w.log.getByText('There is a Fixture Information Phone Line').waitFor();
  assert.equal((await focused(page)).tag, 'input', 'focus stays in the question field');
  // Shift+Tab backwards from the field reaches the suggestion chip; Enter asks it.
  for (let i = 0; i < 8; i += 1) {
    await page.keyboard.press('Shift+Tab');
    f = await focused(page);
    if (f.cls === 'chip') break;
  }
  assert.equal(f.text, 'What did the fixture projects produce?');
  await page.keyboard.press('Enter');
  await w.log.getByText('produced toolkits, guidance and software').waitFor();
  // Escape closes the panel and puts focus back on the launcher.
  await page.keyboard.press('Escape');
  assert.ok(!(await w.panel.isVisible()));
  assert.equal(await w.launcher.getAttribute('aria-expanded'), 'false');
  assert.equal((await focused(page)).cls, 'launcher');
  // The close button does the same.
  await page.keyboard.press('Enter');
  assert.equal((await focused(page)).tag, 'input');
  await page.keyboard.press('Shift+Tab');
  let steps = 0;
  while ((await focused(page)).cls !== 'close' && steps < 30) {
    await page.keyboard.press('Shift+Tab');
    steps += 1;
  }
  await page.keyboard.press('Enter');
  assert.ok(!(await w.panel.isVisible()));
  assert.equal((await focused(page)).cls, 'launcher');
  // No trap: with the panel open, Tab eventually leaves the widget.
  await page.keyboard.press('Enter');
  let left = false;
  for (let i = 0; i < 40 && !left; i += 1) {
    await page.keyboard.press('Tab');
    left = !(await focused(page))?.inWidget;
  }
  assert.ok(left, 'Tab leaves the widget');
  await context.close();
});

test('every control shows a visible focus indicator and is at least 24×24 px', async () => {
  const { context, page, w } = await open('/launcher.html');
  await w.launcher.click();
  await w.ask('zebra crossing xylophone');
  await w.ask('what did the fixture projects produce');
  const controls = await w.root.evaluate((el) => {
    const out = [];
    for (const c of el.shadowRoot.querySelectorAll('button, input, [tabindex="0"]')) {
      if (!c.checkVisibility()) continue;
      c.focus({ focusVisible: true });
      const style = getComputedStyle(c);
      const box = c.getBoundingClientRect();
      out.push({
        what: `${c.tagName} ${c.className} ${(c.textContent || '').slice(0, 30)}`,
        focused: c.getRootNode().activeElement === c,
        outline: `${style.outlineStyle} ${style.outlineWidth}`,
        width: box.width,
        height: box.height,
      });
    }
    return out;
  });
  assert.ok(controls.length >= 7, `controls checked: ${controls.length}`);
  for (const c of controls) {
    assert.ok(c.focused, `${c.what} takes focus`);
    assert.match(c.outline, /^solid [3-9]px$/, `${c.what} shows focus: ${c.outline}`);
    assert.ok(c.width >= 24 && c.height >= 24, `${c.what} is ${c.width}×${c.height}`);
  }
  await context.close();
});

test('at 320 px wide nothing scrolls sideways and the panel fits the screen', async () => {
  const { context, page, w } = await open('/launcher.html', { viewport: { width: 320, height: 568 } });
  await w.launcher.click();
  await w.ask('what did the fixture projects produce');
  const fit = await page.evaluate(() => {
    const root = document.querySelector('signpost-chat').shadowRoot;
    const box = (s) => root.querySelector(s).getBoundingClientRect().toJSON();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      panel: box('.panel'),
      input: box('input'),
      send: box('form button'),
      logOverflowX: root.querySelector('.log').scrollWidth - root.querySelector('.log').clientWidth,
    };
  });
  assert.ok(fit.scrollWidth <= 320, `page width ${fit.scrollWidth}`);
  assert.ok(fit.panel.left >= 0 && fit.panel.right <= 320 && fit.panel.top >= 0, JSON.stringify(fit.panel));
  assert.ok(fit.send.right <= fit.panel.right && fit.input.width >= 120, JSON.stringify(fit));
  assert.equal(fit.logOverflowX, 0, 'the transcript does not scroll sideways');
  await context.close();
});

test('with 200% text the widget grows with it and stays usable; inputs are never below 16 px', async () => {
  const { context, page, w } = await open('/launcher.html', { viewport: { width: 640, height: 720 } });
  assert.equal(await w.launcher.evaluate((el) => getComputedStyle(el).fontSize), '16px');
  // The browser's own text-size setting, as a user who needs larger text sets it.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
  await w.launcher.click();
  assert.equal(await w.input.evaluate((el) => getComputedStyle(el).fontSize), '32px');
  await w.ask('is there a helpline');
  const fit = await page.evaluate(() => {
    const root = document.querySelector('signpost-chat').shadowRoot;
    const r = (s) => root.querySelector(s).getBoundingClientRect();
    return { panel: r('.panel').toJSON(), send: r('form button').toJSON(), scrollWidth: document.documentElement.scrollWidth };
  });
  assert.ok(fit.scrollWidth <= 640, `page width ${fit.scrollWidth}`);
  assert.ok(fit.panel.left >= 0 && fit.panel.right <= 640 && fit.panel.top >= 0, JSON.stringify(fit.panel));
  assert.ok(fit.send.bottom <= fit.panel.bottom && fit.send.right <= fit.panel.right, JSON.stringify(fit));
  await context.close();
});

test('motion stops when the user asks for reduced motion', async () => {
  for (const [reducedMotion, expected] of [['no-preference', 'sp-in'], ['reduce', 'none']]) {
    const { context, w } = await open('/launcher.html', { reducedMotion });
    await w.launcher.click();
    assert.equal(await w.panel.evaluate((el) => getComputedStyle(el).animationName), expected, reducedMotion);
    await context.close();
  }
});

test('the page keeps pinch-zoom and the log is labelled and busy while waiting', async () => {
  const { context, page, w } = await open('/launcher.html');
  assert.equal(await page.locator('meta[name=viewport]').getAttribute('content'), 'width=device-width, initial-scale=1');
  assert.equal(await page.locator('meta[name=viewport]').count(), 1);
  await w.launcher.click();
  assert.equal(await w.log.getAttribute('aria-label'), 'Conversation');
  assert.equal(await w.log.getAttribute('aria-live'), 'off', 'the log itself is quiet; the status region speaks');
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/api/v1/ask', async (route) => { await held; await route.continue(); });
  await w.input.fill('is there a helpline');
  await w.input.press('Enter');
  await w.root.locator('.dots').waitFor();
  assert.equal(await w.log.getAttribute('aria-busy'), 'true');
  release();
  await w.log.getByText('There is a Fixture Information Phone Line').waitFor();
  assert.equal(await w.log.getAttribute('aria-busy'), null);
  await context.close();
});
