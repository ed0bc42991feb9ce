// Signpost's own pages under the Content-Security-Policy the server sends them: the lookup
// page, the directory and a project page work with zero CSP violations (no inline script or
// style anywhere), and carry nosniff and Referrer-Policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './harness.mjs';

const env = serverAndBrowser();

/** Opens a page that records every CSP violation in `window.__violations`. */
async function watchedPage() {
  const page = await env.browser.newPage();
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    }, true);
  });
  return page;
}

test('the staff pages run under their CSP without a single violation', async () => {
  const page = await watchedPage();
  for (const path of ['/lookup', '/projects', '/projects/parsol', '/lookup?q=who+led+parsol']) {
    const response = await page.goto(`${env.server.url}${path}`);
    const headers = response.headers();
    assert.match(headers['content-security-policy'] ?? '', /script-src 'self'/, path);
    assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline/, path);
    assert.equal(headers['x-content-type-options'], 'nosniff', path);
    assert.ok(headers['referrer-policy'], path);
    assert.deepEqual(await page.evaluate(() => window.__violations), [], path);
  }
  // The scripted lookup: typing brings suggestions and an answer, still without violations.
  await page.goto(`${env.server.url}/lookup`);
  const box = page.getByRole('combobox').first();
  await box.fill('parsol');
  await page.getByRole('option').first().waitFor({ timeout: 10_000 });
  await box.press('Enter');
  await page.locator('section.answer').waitFor({ timeout: 10_000 });
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  await page.close();
});
