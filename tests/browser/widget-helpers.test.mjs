// Fast unit tests of the widget's pure helpers (API base derivation, URL safety, highlight
// splitting, error messages, strings, the feedback decision). widget/signpost.js is loaded
// as-is into a node:vm context with just enough of a fake window to define the element; the
// helpers come from the test-only `SignpostChat.__test` hook. No browser, no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { repoRoot } from './harness.mjs';

const source = readFileSync(join(repoRoot, 'widget', 'signpost.js'), 'utf8');

/** Runs the widget in a fresh fake window; returns what it defined. */
function load({ defined = null } = {}) {
  const registry = new Map(defined ? [['signpost-chat', defined]] : []);
  const calls = [];
  class HTMLElement {}
  class HTMLScriptElement {}
  const window = {
    HTMLElement,
    HTMLScriptElement,
    URL,
    navigator: { onLine: true },
    setTimeout,
    clearTimeout,
    customElements: {
      get: (name) => registry.get(name),
      define: (name, cls) => {
        calls.push(name);
        registry.set(name, cls);
      },
    },
    document: {
      currentScript: null,
      readyState: 'loading',
      baseURI: 'https://council.example/services/page.html',
      addEventListener() {},
    },
  };
  window.window = window;
  vm.createContext(window);
  vm.runInContext(source, window, { filename: 'signpost.js' });
  const cls = registry.get('signpost-chat');
  return { window, calls, cls, t: cls && cls.__test };
}

// Values made in the vm realm have that realm's prototypes; compare them as plain data.
const plain = (v) => JSON.parse(JSON.stringify(v));

const { window: fake, t } = load();

test('defines <signpost-chat> once, and a second copy of the script leaves it alone', () => {
  const first = load();
  assert.deepEqual(first.calls, ['signpost-chat']);
  const again = load({ defined: first.cls });
  assert.deepEqual(again.calls, []);
});

test('highlights split into plain and marked segments', () => {
  const cases = [
    ['no ranges', 'helpline', [], [['helpline', false]]],
    ['middle', 'a helpline here', [[2, 10]], [['a ', false], ['helpline', true], [' here', false]]],
    ['start and end', 'ab cd', [[0, 2], [3, 5]], [['ab', true], [' ', false], ['cd', true]]],
    ['unsorted', 'ab cd', [[3, 5], [0, 2]], [['ab', true], [' ', false], ['cd', true]]],
    ['overlapping ranges merge', 'abcdefgh', [[0, 4], [2, 6]], [['abcdef', true], ['gh', false]]],
    ['touching ranges merge', 'abcdef', [[0, 2], [2, 4]], [['abcd', true], ['ef', false]]],
    ['out of range is clamped', 'abc', [[-5, 1], [2, 99]], [['a', true], ['b', false], ['c', true]]],
    ['empty, reversed and junk ranges are ignored', 'abc', [[1, 1], [2, 1], 'x', [null, 2], [NaN, 1], null], [['abc', false]]],
    ['ranges count code points, so astral characters count once', '😀 call the line', [[2, 6]], [['😀 ', false], ['call', true], [' the line', false]]],
    ['a surrogate pair is never cut in half', 'a😀b', [[1, 2]], [['a', false], ['😀', true], ['b', false]]],
    ['ranges that are not an array', 'abc', null, [['abc', false]]],
    ['empty text', '', [[0, 3]], []],
  ];
  for (const [name, text, ranges, expected] of cases) {
    assert.deepEqual(plain(t.splitHighlights(text, ranges)), expected, name);
  }
});

test('highlight segments always join back to the original text', () => {
  const text = 'Sampleford saved £10,000 with 𝐁𝐈𝐍𝐒 <img src=x onerror=alert(1)> 🙂';
  const n = Array.from(text).length;
  for (let a = -2; a < n + 2; a += 3) {
    for (let b = a; b < n + 3; b += 4) {
      const parts = t.splitHighlights(text, [[a, b], [b - 7, b - 2]]);
      assert.equal(parts.map((p) => p[0]).join(''), text, `[${a},${b}]`);
    }
  }
});

test('the API base comes from the attribute, then the script tag, then the page', () => {
  const page = 'https://council.example/services/page.html';
  const script = (src) => Object.assign(new fake.HTMLScriptElement(), { tagName: 'SCRIPT', src });
  const cases = [
    ['explicit absolute, path kept, slash added', 'https://ask.example/signpost', null, 'https://ask.example/signpost/'],
    ['explicit with query and hash', 'https://ask.example/x/?a=1#b', null, 'https://ask.example/x/'],
    ['explicit relative to the page', '/signpost', null, 'https://council.example/signpost/'],
    ['explicit beats the script', 'https://ask.example', script('https://cdn.example/widget.js'), 'https://ask.example/'],
    ['a javascript: base is refused', 'javascript:alert(1)', script('https://signpost.example/widget.js'), 'https://signpost.example/'],
    ['script origin, its path dropped', null, script('https://signpost.example/widget/0123abcd.js'), 'https://signpost.example/'],
    ['script with a port', '', script('http://127.0.0.1:8080/widget.js'), 'http://127.0.0.1:8080/'],
    ['inline script: the page origin', null, script(''), 'https://council.example/'],
    ['a clobbered currentScript (an <img name=currentScript>) is not trusted', null, { tagName: 'IMG', src: 'https://evil.example/x.png' }, 'https://council.example/'],
    ['a fake with tagName SCRIPT is still not a script element', null, { tagName: 'SCRIPT', src: 'https://evil.example/w.js' }, 'https://council.example/'],
    ['no script at all', null, null, 'https://council.example/'],
  ];
  for (const [name, explicit, el, expected] of cases) {
    assert.equal(t.apiBase(explicit, el, page), expected, name);
  }
});

test('only http(s) links, and tel: where asked, are ever used', () => {
  const base = 'https://signpost.example/';
  assert.equal(t.safeUrl('/projects/bins', base), 'https://signpost.example/projects/bins');
  assert.equal(t.safeUrl('https://other.example/a', base), 'https://other.example/a');
  assert.equal(t.safeUrl('javascript:alert(1)', base), null);
  assert.equal(t.safeUrl(' JaVaScRiPt:alert(1)', base), null);
  assert.equal(t.safeUrl('data:text/html,<script>alert(1)</script>', base), null);
  assert.equal(t.safeUrl('tel:+448001234567', base), null);
  assert.equal(t.safeUrl('tel:+448001234567', base, true), 'tel:+448001234567');
  assert.equal(t.safeUrl('http://[bad', base), null);
  for (const junk of [null, undefined, '', 42, {}, ['/x']]) assert.equal(t.safeUrl(junk, base), null, String(junk));
});

test('"Was this helpful?" is offered only when the response names a feedback URL on the API origin', () => {
  const base = 'https://signpost.example/';
  const cases = [
    ['today: no field', { answer: {} }, null],
    ['field present but null', { feedback_url: null }, null],
    ['relative URL', { feedback_url: '/api/v1/feedback' }, 'https://signpost.example/api/v1/feedback'],
    ['absolute, same origin', { feedback_url: 'https://signpost.example/api/v1/feedback' }, 'https://signpost.example/api/v1/feedback'],
    ['another origin is a third party', { feedback_url: 'https://tracker.example/collect' }, null],
    ['javascript:', { feedback_url: 'javascript:alert(1)' }, null],
    ['not a string', { feedback_url: 7 }, null],
    ['no response', null, null],
  ];
  for (const [name, data, expected] of cases) assert.equal(t.feedbackUrl(data, base), expected, name);
});

test('each failure gets its own message, and a retry only where asking again can help', () => {
  const now = Date.now();
  const inSeconds = (s) => new Date(now + s * 1000).toUTCString();
  const cases = [
    ['offline', [0, false], { key: 'error-offline', retry: true }],
    ['server down', [0, true], { key: 'error-network', retry: true }],
    ['rate limited, seconds', [429, true, 'rate_limited', '30'], { key: 'error-busy-wait', seconds: 30, retry: true }],
    ['rate limited, no header', [429, true, 'rate_limited', null], { key: 'error-busy', seconds: null, retry: true }],
    ['overloaded', [503, true, 'overloaded', '5'], { key: 'error-busy-wait', seconds: 5, retry: true }],
    ['server error', [500, true, 'internal'], { key: 'error-server', retry: true }],
    ['too long', [400, true, 'question_too_long'], { key: 'error-too-long', retry: false }],
    ['too many words', [400, true, 'too_many_words'], { key: 'error-too-long', retry: false }],
    ['other 4xx', [400, true, 'malformed_json'], { key: 'error-request', retry: false }],
  ];
  for (const [name, args, expected] of cases) assert.deepEqual(plain(t.describeError(...args)), expected, name);
  const dated = t.describeError(429, true, 'rate_limited', inSeconds(20));
  assert.ok(dated.seconds >= 19 && dated.seconds <= 21, `HTTP-date Retry-After: ${dated.seconds}`);
  for (const key of ['error-offline', 'error-network', 'error-busy', 'error-busy-wait', 'error-server', 'error-too-long', 'error-request']) {
    assert.ok(t.STRINGS[key], `a message for ${key}`);
  }
});

test('Retry-After is read as seconds or a date, within sane bounds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(t.retrySeconds('120', now), 120);
  assert.equal(t.retrySeconds('0', now), 1);
  assert.equal(t.retrySeconds('999999', now), 3600);
  assert.equal(t.retrySeconds('Thu, 01 Jan 2026 00:00:30 GMT', now), 30);
  assert.equal(t.retrySeconds('soon', now), null);
  assert.equal(t.retrySeconds(null, now), null);
  assert.equal(t.retrySeconds('', now), null);
});

test('every string can be replaced by an attribute; templates fill their placeholders', () => {
  const attrs = { 'text-send': 'Gofyn', heading: 'Help desk', greeting: '', 'text-did-you-mean': 'Meant {q}?' };
  const s = t.readStrings((name) => (name in attrs ? attrs[name] : null));
  assert.equal(s.send, 'Gofyn');
  assert.equal(s.heading, 'Help desk');
  assert.equal(s.greeting, '', 'an empty greeting turns it off');
  assert.equal(s.launcher, t.STRINGS.launcher);
  assert.equal(t.fill(s['did-you-mean'], { q: 'planning' }), 'Meant planning?');
  assert.equal(t.fill('wait {seconds}s, {missing}', { seconds: 3 }), 'wait 3s, {missing}');
  const all = t.readStrings((name) => (name.startsWith('text-') ? `X:${name}` : null));
  for (const key of Object.keys(t.STRINGS)) assert.equal(all[key], `X:text-${key}`, key);
});

test('phone numbers and web addresses are found as the server finds them', () => {
  const cases = [
    ['Call the line (tel: 0870 777 0011) today.', [['0870 777 0011', 'tel:+448707770011']]],
    ['Ring +44 20 7946 0000, or 020-7946-0000.', [['+44 20 7946 0000', 'tel:+442079460000'], ['020-7946-0000', 'tel:+442079460000']]],
    ['See https://www.example.org/a?b=1&c=2.', [['https://www.example.org/a?b=1&c=2', 'https://www.example.org/a?b=1&c=2']]],
    ['(see https://example.org/x)', [['https://example.org/x', 'https://example.org/x']]],
    ['From 2003 to 2005, £80m; 0870 777; javascript:alert(1); www.example.org', []],
    ['😀 0800 123 4567', [['0800 123 4567', 'tel:+448001234567']]],
  ];
  for (const [text, expected] of cases) {
    const found = plain(t.findLinks(text)).map((l) => [text.slice(l.start, l.end), l.href]);
    assert.deepEqual(found, expected, text);
  }
});

test('with an answer, only passages as strong as the best support it, never its own, at most three', () => {
  const p = (id, score) => ({ id, score });
  const answer = { passage_id: 'a#p1' };
  const cases = [
    ['own passage left out', [p('a#p1', 1), p('a#p2', 1)], ['a#p2']],
    ['weaker ones left out', [p('a#p1', 1), p('a#p2', 0.96), p('b#p1', 0.9), p('c#p1', 0.4)], ['a#p2']],
    ['at most three', [p('a#p1', 1), p('a#p2', 1), p('a#p3', 1), p('a#p4', 1), p('a#p5', 1)], ['a#p2', 'a#p3', 'a#p4']],
    ['junk scores count as zero', [p('a#p1', 1), p('x', 'high'), p('y', null)], []],
    ['no passages', [], []],
  ];
  for (const [name, passages, expected] of cases) {
    assert.deepEqual(plain(t.supporting(passages, answer)).map((x) => x.id), expected, name);
  }
});
