// The lookup page's results are written twice: in Rust for the page the server sends
// (/lookup?q=…, what a browser without JavaScript shows) and in lookup.js as you type. This
// test holds the two equal: for the same questions, the server's #results and the one
// lookup.js builds, compared element by element (tag, attributes in any order, text with
// runs of white space as one space). Only what the script adds on purpose is set aside:
// the copy button it un-hides and names its shortcuts on, and the empty slot a project card
// keeps for products it never found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './harness.mjs';

const env = serverAndBrowser();

/**
 * #results of `html` (a whole page), or of the live page when `html` is null, as one line
 * per element and text run, indented by depth. Runs in the page, so it is self-contained.
 */
function normalised(html) {
  const root = html
    ? new DOMParser().parseFromString(html, 'text/html').getElementById('results')
    : document.getElementById('results');
  if (!root) return '(no #results)';
  const lines = [];
  let text = '';
  let textDepth = 0;
  const flush = () => {
    const t = text.replace(/\s+/g, ' ');
    if (t) lines.push(`${'  '.repeat(textDepth)}"${t}"`);
    text = '';
  };
  const walk = (node, depth) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        if (!text) textDepth = depth;
        text += child.textContent;
        continue;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      if (child.matches('div.products-slot') && !child.childNodes.length) continue;
      flush();
      const attrs = [...child.attributes]
        .filter((a) => !(['hidden', 'aria-keyshortcuts'].includes(a.name) && child.matches('button.copy')))
        .map((a) => `${a.name}="${a.value}"`)
        .sort();
      lines.push(`${'  '.repeat(depth)}<${child.localName}${attrs.length ? ` ${attrs.join(' ')}` : ''}>`);
      walk(child, depth + 1);
      flush();
    }
  };
  walk(root, 0);
  flush();
  return lines.join('\n');
}

/** The server's rendering of `path`, normalised in `page`. */
async function fromServer(page, path) {
  const response = await fetch(`${env.server.url}${path}`);
  assert.equal(response.status, 200, path);
  return page.evaluate(normalised, await response.text());
}

/**
 * The live page's #results once it equals `expected` or has stopped changing for a while
 * (lookup.js fills a project card's products in after the card itself).
 */
async function settled(page, expected) {
  let last = '';
  let stableSince = Date.now();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const now = await page.evaluate(normalised, null);
    if (now === expected) return now;
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 1_500) {
      return now;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

// A project answer with passages and a project card (products, "more"), an FAQ answer with a
// tel: link, passages with highlights, a misspelling (did you mean), and no confident answer.
const QUESTIONS = [
  'who led parsol',
  'what did parsol produce',
  'is there a helpline',
  'smartcards',
  'plannng permision',
  'the price of fish in grimsby',
];

test('lookup.js builds the same results as the server renders, question by question', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.server.url}/lookup`);
  const box = page.locator('#q');
  for (const q of QUESTIONS) {
    const expected = await fromServer(page, `/lookup?q=${encodeURIComponent(q).replace(/%20/g, '+')}`);
    assert.match(expected, /results-summary/, `${q}: the server rendered results`);
    await box.fill(q);
    await page.waitForFunction((q) => document.querySelector('#results-summary q')?.textContent === q, q);
    assert.equal(await settled(page, expected), expected, `"${q}": lookup.js and the server disagree`);
  }
  await context.close();
});

test('a question chosen from the FAQ list is pinned the same way by lookup.js and the server', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.server.url}/lookup`);
  const link = page.locator('ul.faq-list a').nth(2);
  const href = await link.getAttribute('href');
  const expected = await fromServer(page, href);
  await link.click();
  await page.waitForURL((url) => `${url.pathname}${url.search}` === href);
  await page.locator('section.answer').waitFor();
  assert.equal(await settled(page, expected), expected, `${href}: lookup.js and the server disagree`);

  // And the list itself, as lookup.js draws it again after the box is cleared.
  const start = await fromServer(page, '/lookup');
  await page.locator('#q').focus();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.locator('section.start').waitFor();
  assert.equal(await settled(page, start), start, 'the FAQ list: lookup.js and the server disagree');
  await context.close();
});
