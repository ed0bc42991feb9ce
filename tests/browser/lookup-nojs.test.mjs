// The staff pages with JavaScript turned off: the lookup form submits to a server-rendered
// results page, the directory filters by submitting its form, and nothing needs a script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './harness.mjs';

const env = serverAndBrowser();

test('without JavaScript the lookup form returns env.server-rendered results', async () => {
  const context = await env.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${env.server.url}/lookup`);
  // A plain text box, not a combobox, when no script can drive one.
  const box = page.getByRole('textbox', { name: 'Question, project or keywords' });
  await box.fill('who led parsol');
  await Promise.all([page.waitForURL(/\/lookup\?q=who\+led\+parsol$/), box.press('Enter')]);
  assert.match(await page.locator('section.answer').textContent(), /London Borough of Wandsworth/);
  // With a best answer, only the passages that support it, never twenty.
  const heading = page.getByRole('heading', { name: /Supporting passages \(\d\)/ });
  assert.ok(await heading.isVisible());
  assert.ok((await page.locator('ol.passages > li').count()) <= 5);
  assert.equal(await page.locator('mark').first().textContent(), 'PARSOL');
  // The copy button needs a script, so it stays hidden rather than doing nothing.
  assert.equal(await page.getByRole('button', { name: /Copy answer/ }).count(), 0);
  // The helpline is a real tel: link.
  assert.equal(await page.getByRole('link', { name: '0870 777 0011' }).getAttribute('href'), 'tel:+448707770011');

  // A follow-up from the results page is a plain link.
  await page.getByRole('link', { name: 'Project directory' }).first().click();
  await page.waitForURL(/\/projects$/);
  await context.close();
});

test('without JavaScript the directory filters by strand, lead authority and words', async () => {
  const context = await env.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${env.server.url}/projects`);
  assert.match(await page.locator('.coverage').textContent(), /had 22 projects\. This directory covers the 19/);
  await page.getByLabel('Lead authority').selectOption('London Borough of Wandsworth');
  await Promise.all([page.waitForURL(/lead=London\+Borough\+of\+Wandsworth/), page.getByRole('button', { name: 'Apply' }).click()]);
  const cards = page.locator('.project-list > li');
  assert.equal(await cards.count(), 1);
  assert.match(await cards.first().textContent(), /PARSOL/);

  await page.getByRole('link', { name: 'Clear filters' }).click();
  await page.getByLabel('Search the directory').fill('smartconnect');
  await Promise.all([page.waitForURL(/q=smartconnect/), page.getByLabel('Search the directory').press('Enter')]);
  assert.equal(await cards.count(), 1);
  await cards.first().getByRole('link').click();
  await page.waitForURL(/\/projects\/smartcards$/);
  assert.ok(await page.getByRole('heading', { level: 2, name: 'What it produced' }).isVisible());
  assert.ok(await page.getByRole('heading', { level: 2, name: 'Sources' }).isVisible());
  await context.close();
});
