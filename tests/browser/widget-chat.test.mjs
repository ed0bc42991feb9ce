// The widget's conversation in real Chromium against the real server and fixture corpus, on
// the demo page Signpost serves: ask → answer with source, then highlighted passages and
// project cards behind "Where this comes from (N)", and chips; a chip asks with the previous turn's context; "Did you mean"; no answer → the
// helpline as a tel: link; stale responses dropped; errors (server down, offline, refused
// question) with a retry; feedback hidden while the API offers none; the events it fires.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, repoRoot } from './harness.mjs';
import { widget, watch } from './widget-kit.mjs';

const corpus = join(repoRoot, 'tests', 'fixtures', 'corpus');
let server;
let browser;

before(async () => {
  server = await startServer({ corpus });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A fresh context on the demo page, recording the ask requests it sends. */
async function demo(url = server.url) {
  const context = await browser.newContext();
  const watcher = await watch(context);
  const page = await context.newPage();
  const asks = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/v1/ask') && r.method() === 'POST') asks.push(JSON.parse(r.postData()));
  });
  await page.goto(`${url}/`);
  const w = widget(page, 'signpost-chat:not([mode])');
  await w.input.waitFor();
  return { context, page, w, asks, watcher };
}

test('a question gets its answer, source, highlights and suggestions', async () => {
  const { context, page, w, asks, watcher } = await demo();
  const reply = await w.ask('is there a helpline');
  await assert.doesNotReject(reply.getByText('There is a Fixture Information Phone Line').waitFor());
  assert.equal(await reply.locator('mark').allTextContents().then((m) => m.join('|')), 'Phone|Line');
  assert.match(await reply.textContent(), /Source: Is there a helpline\?/);
  assert.equal(await w.root.locator('.turn.you').last().textContent(), 'You asked: is there a helpline');
  const chip = reply.getByRole('button', { name: 'What did the fixture projects produce?' });
  assert.ok(await chip.isVisible());
  // The newest answer is announced once, politely; the question box is ready for the next one.
  await page.waitForFunction(() => document.querySelector('signpost-chat:not([mode])').shadowRoot
    .querySelector('[role=status]').textContent.startsWith('There is a Fixture'));
  assert.equal(await w.input.inputValue(), '');
  assert.equal(await w.log.getAttribute('aria-busy'), null);
  assert.deepEqual(asks, [{ q: 'is there a helpline' }]);
  assert.deepEqual(watcher.errors, []);
  await context.close();
});

test('a suggestion chip asks a follow-up with the previous context', async () => {
  const { context, page, w, asks } = await demo();
  await w.ask('is there a helpline');
  const before = await w.replies.count();
  await w.root.getByRole('button', { name: 'What did the fixture projects produce?' }).click();
  const reply = w.replies.nth(before);
  await reply.waitFor();
  assert.deepEqual(asks[1], {
    q: 'What did the fixture projects produce?',
    context: { answer_id: 'faq-01', passage_id: 'faq-01#p1', projects: [] },
  });
  assert.match(await reply.locator('p').first().textContent(), /produced toolkits, guidance and software/);
  // At most three supporting passages, each with its highlights, none repeating the answer,
  // behind the closed "Where this comes from (N)".
  assert.match(await reply.locator('details > summary').textContent(), /^Where this comes from \(\d+\)$/);
  const quotes = reply.locator('details blockquote');
  const count = await quotes.count();
  assert.ok(count >= 1 && count <= 3, `passages shown: ${count}`);
  assert.ok((await quotes.locator('mark').count()) >= count);
  assert.ok(!(await quotes.allTextContents()).some((t) => t.includes('produced toolkits')));
  // Only the new answer is announced, not the history.
  await page.waitForFunction(() => document.querySelector('signpost-chat:not([mode])').shadowRoot
    .querySelector('[role=status]').textContent.includes('toolkits'));
  assert.doesNotMatch(await w.status.textContent(), /Phone Line/);
  // Project cards (the projects a question is about) link to the project's page on the
  // Signpost server, in a new tab.
  const planning = await w.ask('planning permission online');
  await planning.locator('details > summary').click();
  const card = planning.locator('.card').filter({ hasText: 'PLANIT' });
  assert.match(await card.textContent(), /PLANIT — Planning Information Online/);
  assert.match(await card.textContent(), /Led by Exampleton Council/);
  const link = card.getByRole('link', { name: /PLANIT/ });
  assert.equal(await link.getAttribute('href'), `${server.url}/projects/planit`);
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.match(await link.textContent(), /opens in a new tab/);
  await context.close();
});

test('"Did you mean" is offered as a chip that asks the corrected question', async () => {
  const { context, w, asks } = await demo();
  const reply = await w.ask('plannig permision');
  const chip = reply.getByRole('button', { name: 'Did you mean “planning permission”?' });
  await chip.click();
  await w.replies.nth(2).waitFor();
  assert.equal(asks.at(-1).q, 'planning permission');
  await context.close();
});

test('with no answer the helpline is a tel: link and the directory is offered', async () => {
  const { context, page, w } = await demo();
  const reply = await w.ask('zebra crossing xylophone');
  assert.match(await reply.textContent(), /Sorry, I could not find an answer/);
  const tel = reply.getByRole('link', { name: '0800 123 4567' });
  assert.equal(await tel.getAttribute('href'), 'tel:+448001234567');
  assert.match(await reply.textContent(), /call the Fixture Information Phone Line on 0800 123 4567/);
  const directory = reply.getByRole('link', { name: /Browse all the projects/ });
  assert.equal(await directory.getAttribute('href'), `${server.url}/projects`);
  await page.waitForFunction(() => document.querySelector('signpost-chat:not([mode])').shadowRoot
    .querySelector('[role=status]').textContent.includes('0800 123 4567'));
  await context.close();
});

test('a slow answer to an earlier question never replaces the newer one', async () => {
  const { context, page, w } = await demo();
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let seen = 0;
  let firstSettled;
  const settled = new Promise((resolve) => { firstSettled = resolve; });
  await page.route('**/api/v1/ask', async (route) => {
    seen += 1;
    if (seen === 1) {
      await held; // the first question's answer arrives late
      await route.continue().catch(() => {}); // the widget may have cancelled it already
      firstSettled();
      return;
    }
    await route.continue();
  });
  await w.input.fill('is there a helpline');
  await w.input.press('Enter');
  await w.root.locator('.dots').waitFor();
  assert.equal(await w.log.getAttribute('aria-busy'), 'true');
  const reply = await w.ask('zebra crossing xylophone');
  assert.match(await reply.textContent(), /could not find an answer/);
  release();
  await settled;
  await page.waitForLoadState('networkidle');
  assert.equal(await w.log.getByText('There is a Fixture Information Phone Line').count(), 0);
  assert.equal(await w.replies.count(), 2, 'the greeting and one answer');
  assert.equal(await w.root.locator('.dots').count(), 0, 'no loading indicator left behind');
  await context.close();
});

test('a server that is down gives an announced error with a retry that works once it is back', async () => {
  const { context, page, w } = await demo();
  let fail = true;
  await page.route('**/api/v1/ask', (route) => (fail ? route.abort('connectionrefused') : route.continue()));
  const reply = await w.ask('is there a helpline');
  assert.match(await reply.textContent(), /Signpost could not be reached/);
  await page.waitForFunction(() => document.querySelector('signpost-chat:not([mode])').shadowRoot
    .querySelector('[role=alert]').textContent.includes('could not be reached'));
  fail = false;
  await reply.getByRole('button', { name: 'Try again' }).click();
  await w.log.getByText('There is a Fixture Information Phone Line').waitFor();
  assert.equal(await w.root.locator('.err').count(), 0, 'the error gives way to the answer');
  assert.equal(await w.root.locator('.turn.you').count(), 1, 'the question is not repeated');
  await context.close();
});

test('a stopped server and an offline browser each get their own message', async () => {
  const own = await startServer({ corpus });
  const { context, w } = await demo(own.url);
  await own.stop();
  let reply = await w.ask('is there a helpline');
  assert.match(await reply.textContent(), /Signpost could not be reached/);
  assert.ok(await reply.getByRole('button', { name: 'Try again' }).isVisible());
  await context.setOffline(true);
  reply = await w.ask('is there a helpline');
  assert.match(await reply.textContent(), /You seem to be offline/);
  await context.close();
});

test('a question the server refuses says why, without a pointless retry', async () => {
  const { context, w } = await demo();
  const reply = await w.ask(Array(90).fill('word').join(' '));
  assert.match(await reply.textContent(), /too long/);
  assert.equal(await reply.getByRole('button', { name: 'Try again' }).count(), 0);
  await context.close();
});

test('an empty question is not sent and the user is told', async () => {
  const { context, page, w, asks } = await demo();
  await w.input.fill('   ');
  await w.input.press('Enter');
  await page.waitForFunction(() => document.querySelector('signpost-chat:not([mode])').shadowRoot
    .querySelector('[role=alert]').textContent === 'Please type a question first.');
  assert.deepEqual(asks, []);
  await context.close();
});

test('"Was this helpful?" appears only when the API offers feedback, and thanks the user', async () => {
  const { context, page, w } = await demo();
  const response = page.waitForResponse((r) => r.url().endsWith('/api/v1/ask'));
  const reply = await w.ask('is there a helpline');
  const body = await (await response).json();
  const group = reply.getByRole('group', { name: 'Was this helpful?' });
  if (body.feedback_url == null) {
    assert.equal(await group.count(), 0, 'no feedback control without a feedback_url');
  } else {
    const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(body.feedback_url));
    await group.getByRole('button', { name: 'Yes' }).click();
    assert.deepEqual(JSON.parse((await posted).postData()), {
      answer_id: 'faq-01', question: 'is there a helpline', helpful: true,
    });
    await reply.getByText('Thank you for your feedback.').waitFor();
  }
  await context.close();
});

test('the element fires events a site can listen to', async () => {
  const { context, page, w } = await demo();
  await page.evaluate(() => {
    window.__events = [];
    for (const name of ['open', 'close', 'ask', 'answer', 'error']) {
      document.addEventListener(`signpost-${name}`, (e) => window.__events.push([name, e.detail && (e.detail.question || null)]));
    }
  });
  await w.ask('is there a helpline');
  const launcher = widget(page, 'signpost-chat[mode=launcher]');
  await launcher.launcher.click();
  await launcher.input.press('Escape');
  assert.deepEqual(await page.evaluate(() => window.__events), [
    ['ask', 'is there a helpline'],
    ['answer', 'is there a helpline'],
    ['open', null],
    ['close', null],
  ]);
  await context.close();
});

test('moving the element keeps the conversation and a question in flight leaves no stuck loader', async () => {
  const { context, page, w } = await demo();
  await w.ask('is there a helpline');
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/api/v1/ask', async (route) => { await held; await route.continue().catch(() => {}); });
  await w.input.fill('what did the fixture projects produce');
  await w.input.press('Enter');
  await w.root.locator('.dots').waitFor();
  await page.evaluate(() => {
    const el = document.querySelector('signpost-chat:not([mode])');
    el.remove();
    document.querySelector('main').append(el);
  });
  release();
  await page.unroute('**/api/v1/ask');
  assert.equal(await w.root.locator('.dots').count(), 0);
  assert.equal(await w.log.getAttribute('aria-busy'), null);
  assert.equal(await w.log.getByText('There is a Fixture Information Phone Line').count(), 1, 'the transcript survives');
  const reply = await w.ask('zebra crossing xylophone');
  assert.match(await reply.textContent(), /could not find an answer/);
  await context.close();
});
