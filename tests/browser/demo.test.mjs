// The demo page end to end: a question typed into the page's chat box gets the helpline
// answer from the real server, rendered as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './harness.mjs';

const env = serverAndBrowser();

test('asking on the demo page shows the helpline answer', async () => {
  const page = await env.browser.newPage();
  await page.goto(`${env.server.url}/`);
  const input = page.getByRole('textbox', { name: /question/i }).first();
  await input.fill('is there a helpline');
  await input.press('Enter');
  const answer = page.getByText('0870 777 0011').first();
  await answer.waitFor({ timeout: 10_000 });
  assert.ok(await answer.isVisible());
  await page.close();
});
