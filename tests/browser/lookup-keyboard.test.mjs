// The helpline lookup driven by keyboard only, in Chromium against the real server: / and
// Ctrl+K focus the search, suggestions follow the ARIA combobox pattern as you type, Up/Down
// move, Enter opens, Escape closes then clears, and late responses never overwrite newer ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './harness.mjs';

const env = serverAndBrowser();

async function openLookup(path = '/lookup') {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${env.server.url}${path}`);
  return { context, page, errors };
}

const combobox = (page) => page.getByRole('combobox', { name: 'Question, project or keywords' });

async function comboState(page) {
  return page.evaluate(() => {
    const input = document.getElementById('q');
    const list = document.getElementById(input.getAttribute('aria-controls'));
    const activeId = input.getAttribute('aria-activedescendant');
    return {
      role: input.getAttribute('role'),
      expanded: input.getAttribute('aria-expanded'),
      autocomplete: input.getAttribute('aria-autocomplete'),
      listRole: list && list.getAttribute('role'),
      listVisible: Boolean(list && !list.hidden && list.offsetParent !== null),
      options: list ? Array.from(list.querySelectorAll('[role="option"]')).map((o) => ({
        id: o.id,
        selected: o.getAttribute('aria-selected'),
        text: o.textContent,
      })) : [],
      activeId,
      activeExists: activeId ? Boolean(document.getElementById(activeId)) : null,
      status: document.getElementById('status').textContent,
      focused: document.activeElement && document.activeElement.id,
    };
  });
}

test('keyboard only: / focuses, typing suggests, Down and Enter open, Escape closes then clears', async () => {
  const { context, page, errors } = await openLookup();
  // Start away from the box: focus the page body.
  await page.locator('h1').click();
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'q');

  const before = await comboState(page);
  assert.equal(before.role, 'combobox');
  assert.equal(before.expanded, 'false');
  assert.equal(before.autocomplete, 'list');
  assert.equal(before.listRole, 'listbox');
  assert.equal(before.listVisible, false);

  await page.keyboard.type('parso', { delay: 40 });
  // On a slow machine a list for "pars" can show first; wait for the one for "parso".
  await page.waitForFunction(() => document.querySelector('#q-option-0 mark')?.textContent === 'PARSO');
  let state = await comboState(page);
  assert.equal(state.expanded, 'true');
  assert.equal(state.listVisible, true);
  assert.match(state.options[0].text, /^PARSOL/);
  assert.equal(state.activeId, null, 'nothing is active until an arrow key is pressed');
  assert.match(state.status, new RegExp(`^${state.options.length} suggestions?\\b`));
  // The typed part is bold.
  assert.equal(await page.locator('#q-option-0 mark').first().textContent(), 'PARSO');

  await page.keyboard.press('ArrowDown');
  state = await comboState(page);
  assert.equal(state.activeId, state.options[0].id);
  assert.equal(state.activeExists, true);
  assert.deepEqual(state.options.map((o) => o.selected), state.options.map((_, i) => (i === 0 ? 'true' : 'false')));
  assert.equal(state.focused, 'q', 'focus stays in the box; the option is only active');

  await page.keyboard.press('Enter');
  const answer = page.locator('section.answer');
  await answer.waitFor();
  await page.waitForFunction(() => document.querySelector('section.answer .source a')?.textContent.startsWith('PARSOL'));
  state = await comboState(page);
  assert.equal(state.expanded, 'false');
  assert.equal(state.listVisible, false);
  assert.equal(state.activeId, null);
  assert.equal(state.focused, 'q');
  assert.match(await answer.textContent(), /London Borough of Wandsworth/);
  assert.match(page.url(), /[?&]id=parsol\b/);
  assert.match(await page.locator('#status').textContent(), /Best answer/);
  // Projects list their lead authority and what they produced (fetched from the project record).
  const card = page.locator('.project-card').first();
  await card.locator('.products li').first().waitFor();
  assert.match(await card.textContent(), /Lead authority/);

  // Escape with the list closed clears the box and the results.
  await page.keyboard.press('Escape');
  assert.equal(await combobox(page).inputValue(), '');
  await page.waitForFunction(() => !document.querySelector('section.answer'));
  assert.equal(new URL(page.url()).search, '');

  // Escape with the list open only closes it.
  await page.keyboard.type('smrt card', { delay: 30 });
  await page.waitForFunction(() => /National Smart Card Project/.test(document.querySelector('#q-option-0')?.textContent || ''));
  await page.keyboard.press('Escape');
  state = await comboState(page);
  assert.equal(state.expanded, 'false');
  assert.equal(await combobox(page).inputValue(), 'smrt card');

  assert.deepEqual(errors, []);
  await context.close();
});

test('a list that arrives after a keystroke keeps the highlighted option when it still offers it', async () => {
  const { context, page, errors } = await openLookup();
  await combobox(page).focus();
  await page.keyboard.type('hel');
  await page.getByRole('option').first().waitFor();
  await page.keyboard.press('ArrowDown');
  let state = await comboState(page);
  assert.match(state.options[0].text, /^Helpline/);
  assert.equal(state.activeId, state.options[0].id);
  // "help" brings a list with a project "hel" did not offer; the helpline stays chosen.
  await page.keyboard.type('p');
  await page.getByRole('option', { name: /build their websites/ }).waitFor();
  state = await comboState(page);
  const helpline = state.options.find((o) => /^Helpline/.test(o.text));
  assert.equal(state.activeId, helpline.id, 'the highlighted option survives the new list');
  assert.equal(helpline.selected, 'true');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /0870 777 0011/.test(document.querySelector('section.answer')?.textContent || ''));
  assert.deepEqual(errors, []);
  await context.close();
});

test('Up wraps to the last suggestion, Down moves on, and Enter opens the FAQ chosen', async () => {
  const { context, page, errors } = await openLookup();
  await page.keyboard.press('Control+k');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'q');
  await page.keyboard.type('helpl', { delay: 40 });
  await page.getByRole('option').first().waitFor();
  // Results follow the typing too, without Enter, and the address keeps up.
  await page.waitForFunction(() => document.querySelector('#results-summary q')?.textContent === 'helpl');
  assert.match(page.url(), /[?&]q=helpl$/);
  let state = await comboState(page);
  assert.match(state.options[0].text, /^Helpline: National Projects Information Phone Line, 0870 777 0011/);

  await page.keyboard.press('ArrowUp');
  state = await comboState(page);
  assert.equal(state.activeId, state.options.at(-1).id);
  await page.keyboard.press('ArrowDown');
  state = await comboState(page);
  assert.equal(state.activeId, state.options[0].id, 'Down from the last wraps to the first');

  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /0870 777 0011/.test(document.querySelector('section.answer')?.textContent || ''));
  // The box keeps the words of the option chosen, not the entry's long title.
  assert.equal(await combobox(page).inputValue(), 'Helpline: National Projects Information Phone Line, 0870 777 0011');
  assert.match(page.url(), /[?&]id=faq-05\b/);
  assert.match(await page.locator('section.answer .source').textContent(), /From the FAQ/);

  // Back returns to what was typed before choosing.
  await page.goBack();
  await page.waitForFunction(() => document.getElementById('q').value === 'helpl');
  assert.match(page.url(), /[?&]q=helpl$/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Ctrl+K works from anywhere, and / is typed normally inside a text box', async () => {
  const { context, page } = await openLookup('/lookup?q=who+led+parsol');
  await page.locator('section.answer .source a').focus();
  await page.keyboard.press('Control+k');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'q');
  // The whole question is selected, ready to be typed over.
  assert.equal(await page.evaluate(() => {
    const input = document.getElementById('q');
    return input.value.slice(input.selectionStart, input.selectionEnd);
  }), 'who led parsol');
  await page.keyboard.press('End');
  await page.keyboard.type(' / nomad');
  assert.equal(await combobox(page).inputValue(), 'who led parsol / nomad');
  await context.close();
});

test('a slow stale response never overwrites a newer one', async () => {
  const context = await env.browser.newContext();
  // Suggestions for "pa" arrive a second late (honouring abort, as fetch does); every other
  // request is untouched.
  await context.addInitScript(() => {
    const realFetch = window.fetch.bind(window);
    window.fetch = (url, options = {}) => {
      const response = realFetch(url, options);
      if (!/\/api\/v1\/suggest\?q=pa$/.test(String(url))) return response;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => response.then(resolve, reject), 1000);
        options.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new DOMException('The request was aborted.', 'AbortError'));
        });
      });
    };
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${env.server.url}/lookup`);
  await combobox(page).focus();
  await page.keyboard.type('pa');
  await page.waitForTimeout(200); // the debounced request for "pa" is now in flight
  await page.keyboard.type('rsol', { delay: 30 });
  await page.waitForFunction(() => /^PARSOL/.test(document.querySelector('#q-option-0')?.textContent || ''));
  await page.waitForTimeout(1300); // long after the late "pa" response would have landed
  const state = await comboState(page);
  assert.deepEqual(state.options.map((o) => o.text.split(',')[0]), ['PARSOL']);
  assert.match(state.status, /^1 suggestion;/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the helpline number and the directory link are always on screen', async () => {
  const { context, page } = await openLookup('/lookup?q=who+led+parsol');
  const tel = page.getByRole('link', { name: '0870 777 0011' });
  assert.equal(await tel.getAttribute('href'), 'tel:+448707770011');
  const directory = page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Project directory' });
  await page.mouse.wheel(0, 4000);
  await page.waitForTimeout(200);
  assert.ok(await tel.isVisible());
  assert.ok(await inViewport(page, tel), 'helpline in view after scrolling');
  assert.ok(await inViewport(page, directory), 'directory link in view after scrolling');
  await context.close();
});

async function inViewport(page, locator) {
  const box = await locator.boundingBox();
  const viewport = page.viewportSize();
  return Boolean(box && box.y >= 0 && box.y + box.height <= viewport.height);
}
