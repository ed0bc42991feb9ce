// "No cost to the council's page", the part a test can hold without timing anything: on a
// council page the widget adds no layout shift at all, as a floating button or inline with
// the height widget/README.md says to reserve, while loading or while answering. The timings
// (long tasks, response to answer on screen) are measured by bench/widget-impact.sh and
// reported in BENCHMARKS.md, not asserted here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, repoRoot } from './harness.mjs';
import { startHostServer, hostPage, snippet, widget } from './widget-kit.mjs';

const corpus = join(repoRoot, 'tests', 'fixtures', 'corpus');
const TEXT = '<p>Council tax, bins and planning: find out about council services.</p>\n'.repeat(20);
const RESERVE = 'signpost-chat:not(:defined):not([mode=launcher]) { display: block; font-size: medium; height: 30em; }';
let server;
let host;
let browser;

before(async () => {
  server = await startServer({ corpus });
  host = await startHostServer(server.url, {
    '/launcher.html': { html: hostPage({ head: snippet(server.url), body: TEXT }) },
    '/reserve.css': { css: RESERVE },
    '/inline.html': { html: hostPage({ head: snippet(server.url), css: ['/host.css', '/reserve.css'], body: `<signpost-chat></signpost-chat>\n${TEXT}` }) },
    '/unreserved.html': { html: hostPage({ head: snippet(server.url), body: `<signpost-chat></signpost-chat>\n${TEXT}` }) },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

/**
 * Loads a page recording every layout shift (input-caused ones included) from the start.
 * With `lateScript`, widget.js arrives only after the page has been painted, as on a slow
 * connection: the order in which a shift, if there is one, must show.
 */
async function shifts(path, act, { lateScript = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (lateScript) {
    await context.route('**/widget.js', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue();
    });
  }
  await context.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__shifts.push(+e.value.toFixed(5));
    }).observe({ type: 'layout-shift', buffered: true });
  });
  const page = await context.newPage();
  await page.goto(`${host.url}${path}`);
  const w = widget(page);
  await (path === '/launcher.html' ? w.launcher : w.input).waitFor();
  if (act) await act(w);
  await page.waitForTimeout(300); // shifts are reported after the frame they happen in
  const found = await page.evaluate(() => window.__shifts);
  await context.close();
  return found;
}

async function converse(w) {
  if (await w.launcher.count()) await w.launcher.click();
  await w.ask('is there a helpline');
  await w.ask('planning permission online');
}

test('a floating button moves nothing on the page, loading or answering', async () => {
  assert.deepEqual(await shifts('/launcher.html', converse, { lateScript: true }), []);
});

test('an inline widget with its height reserved moves nothing, loading or answering', async () => {
  assert.deepEqual(await shifts('/inline.html', converse, { lateScript: true }), []);
});

test('the check can fail: an inline widget without the reserved height shifts the page', async () => {
  const found = await shifts('/unreserved.html', null, { lateScript: true });
  assert.ok(found.length > 0 && found.some((v) => v > 0), `shifts: ${found}`);
});
