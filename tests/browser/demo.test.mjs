// The demo page end to end: a question typed into the page's chat box gets the helpline
// answer from the real server, rendered as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('asking on the demo page shows the helpline answer', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  const input = page.getByRole('textbox', { name: /question/i }).first();
  await input.fill('is there a helpline');
  await input.press('Enter');
  const answer = page.getByText('0870 777 0011').first();
  await answer.waitFor({ timeout: 10_000 });
  assert.ok(await answer.isVisible());
  await page.close();
});
