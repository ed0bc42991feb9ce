// Accessibility of the staff pages with axe-core: zero WCAG 2.0/2.1/2.2 A and AA violations on
// /lookup (empty, with results, and with the suggestions open), /projects (plain and
// filtered) and a project page, at desktop and phone widths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { serverAndBrowser } from './harness.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const env = serverAndBrowser();

async function violations(page) {
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
}

async function check(path, viewport, prepare) {
  const context = await env.browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${env.server.url}${path}`);
  if (prepare) await prepare(page);
  const found = await violations(page);
  await context.close();
  assert.deepEqual(found, [], `${path} at ${viewport.width}px`);
}

const desktop = { width: 1280, height: 800 };
const phone = { width: 360, height: 740 };

for (const viewport of [desktop, phone]) {
  test(`/lookup has no violations (${viewport.width}px)`, async () => {
    await check('/lookup', viewport);
  });

  test(`/lookup with results has no violations (${viewport.width}px)`, async () => {
    await check('/lookup?q=who+led+parsol', viewport, async (page) => {
      await page.locator('.project-card .products li').first().waitFor();
    });
  });

  test(`/lookup with the suggestions open has no violations (${viewport.width}px)`, async () => {
    await check('/lookup', viewport, async (page) => {
      await page.locator('#q').focus();
      await page.keyboard.type('smart', { delay: 30 });
      await page.getByRole('option').first().waitFor();
      await page.keyboard.press('ArrowDown');
      await page.waitForFunction(() => document.querySelector('section.answer, section.fallback'));
    });
  });

  test(`/projects has no violations (${viewport.width}px)`, async () => {
    await check('/projects', viewport);
    await check('/projects?strand=building-block&q=council', viewport);
    await check('/projects?q=xyzzy', viewport);
  });

  test(`a project page has no violations (${viewport.width}px)`, async () => {
    await check('/projects/parsol', viewport);
    await check('/projects/smartcards', viewport);
  });
}

test('the 404 page for an unknown project has no violations', async () => {
  await check('/projects/no-such-project', desktop);
});
