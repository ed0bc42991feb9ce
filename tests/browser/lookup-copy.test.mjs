// "Copy answer" on the lookup page: one click or one key (c, or Alt+C from the search box)
// puts the answer and its source on the clipboard as plain text, and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './harness.mjs';

const env = serverAndBrowser();

async function pageWithClipboard() {
  const context = await env.browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url });
  const page = await context.newPage();
  return { context, page };
}

const readClipboard = (page) => page.evaluate(() => navigator.clipboard.readText());
const clearClipboard = (page) => page.evaluate(() => navigator.clipboard.writeText(''));

test('one click copies the answer with its source as plain text', async () => {
  const { context, page } = await pageWithClipboard();
  await page.goto(`${env.server.url}/lookup?q=PARSOL&id=parsol`);
  const button = page.getByRole('button', { name: /Copy answer/ });
  await button.waitFor();
  await clearClipboard(page);
  await button.click();
  await page.getByText('Answer copied with its source.', { exact: true }).first().waitFor();
  const copied = await readClipboard(page);
  assert.equal(
    copied,
    'PARSOL helped councils let residents and businesses deal with planning, building control, environmental health and trading standards over the internet. Lead authority: London Borough of Wandsworth.\n\n'
      + 'Source: National Projects Directory: PARSOL — Planning and Regulatory Services Online\n'
      + `${env.server.url}/projects/parsol`,
  );
  assert.doesNotMatch(copied, /<|&amp;|&quot;/, 'plain text, no markup or entities');
  assert.match(await page.locator('#status').textContent(), /Answer copied/);
  await context.close();
});

test('Alt+C copies from the search box, and c copies from elsewhere on the page', async () => {
  const { context, page } = await pageWithClipboard();
  await page.goto(`${env.server.url}/lookup`);
  await page.keyboard.press('/');
  await page.keyboard.type('helpl', { delay: 40 });
  await page.getByRole('option').first().waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /0870 777 0011/.test(document.querySelector('section.answer')?.textContent || ''));

  await clearClipboard(page);
  await page.keyboard.press('Alt+c');
  await page.waitForFunction(async () => (await navigator.clipboard.readText()).length > 0);
  let copied = await readClipboard(page);
  assert.match(copied, /National Projects Information Phone Line \(tel: 0870 777 0011\)/);
  // The source ends with the question's own page, which the caller can be sent.
  assert.match(copied, /\n\nSource: National Projects FAQ: “I don't know where to start - there are so many projects and products - can you help\?”\nhttp:\/\/127\.0\.0\.1:\d+\/faq\/faq-05$/);
  assert.equal(await page.locator('#q').inputValue(), 'Helpline: National Projects Information Phone Line, 0870 777 0011', 'Alt+C typed nothing');

  // Away from the box a single c copies.
  await page.locator('#answer-heading').click();
  await clearClipboard(page);
  await page.keyboard.press('c');
  await page.waitForFunction(async () => (await navigator.clipboard.readText()).length > 0);
  copied = await readClipboard(page);
  assert.match(copied, /^As part of the Programme/);

  // Single-key shortcuts can be turned off (WCAG 2.1.4); Alt+C still works.
  const button = page.getByRole('button', { name: /Copy answer/ });
  assert.equal(await button.getAttribute('aria-keyshortcuts'), 'C Alt+C');
  await page.getByRole('checkbox', { name: /Single-key shortcuts/ }).uncheck();
  assert.equal(await button.getAttribute('aria-keyshortcuts'), 'Alt+C');
  assert.equal(await button.locator('kbd').isVisible(), false, 'the c hint goes with the shortcut');
  await page.locator('#answer-heading').click();
  await clearClipboard(page);
  await page.keyboard.press('c');
  await page.keyboard.press('/');
  await page.waitForTimeout(200);
  assert.equal(await readClipboard(page), '');
  assert.notEqual(await page.evaluate(() => document.activeElement.id), 'q');
  await page.keyboard.press('Alt+c');
  await page.waitForFunction(async () => (await navigator.clipboard.readText()).length > 0);
  // The choice is remembered.
  await page.reload();
  assert.equal(await page.getByRole('checkbox', { name: /Single-key shortcuts/ }).isChecked(), false);
  await context.close();
});

test('without the async clipboard the copy still works and says so', async () => {
  const context = await env.browser.newContext();
  await context.addInitScript(() => {
    Object.defineProperty(navigator, 'clipboard', { value: undefined });
    window.__copied = [];
    document.addEventListener('signpost:copied', (event) => window.__copied.push(event.detail));
  });
  const page = await context.newPage();
  await page.goto(`${env.server.url}/lookup?q=PARSOL&id=parsol`);
  await page.getByRole('button', { name: /Copy answer/ }).click();
  const copied = await page.waitForFunction(() => window.__copied[0]).then((h) => h.jsonValue());
  assert.equal(copied.ok, true);
  assert.match(copied.text, /^PARSOL helped councils/);
  assert.match(copied.text, /\/projects\/parsol$/);
  await context.close();
});
