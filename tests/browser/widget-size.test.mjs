// The widget's budget and house rules: what the server sends as widget.js (the source with
// its comment lines and indentation stripped, as pages::strip does) is at most 10 KB gzipped
// (the sizes are printed on every run), the server sends exactly those bytes (so the binary
// and the file never drift) and compresses them, and the source uses none of the APIs the
// widget promises to avoid (HTML sinks, eval, storage, cookies, remote fonts or URLs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, gunzipSync, constants } from 'node:zlib';
import { request } from 'node:http';
import { startServer, repoRoot } from './harness.mjs';

const BUDGET = 10 * 1024;
const file = readFileSync(join(repoRoot, 'widget', 'signpost.js'));

/** The served form: whole-line `//` comments, blank lines and indentation removed. */
function strip(source) {
  return source.split('\n').map((l) => l.trimStart()).filter((l) => l && !l.startsWith('//'))
    .map((l) => `${l}\n`).join('');
}
const served = Buffer.from(strip(file.toString('utf8')));

test(`widget.js as served (its CSS included) is at most ${BUDGET} bytes gzipped`, () => {
  const gz = (b) => gzipSync(b, { level: constants.Z_BEST_COMPRESSION }).length;
  const size = gz(served);
  console.log(`widget.js source: ${file.length} bytes, ${gz(file)} gzipped; served: ${served.length} bytes, ${size} bytes gzipped (budget ${BUDGET}, ${Math.round((100 * size) / BUDGET)}% used)`);
  assert.ok(size <= BUDGET, `widget.js is ${size} bytes gzipped, over the ${BUDGET}-byte budget`);
});

test('the source stays away from HTML sinks, eval, storage, cookies and remote resources', () => {
  const code = file.toString('utf8');
  const banned = [
    [/\.(innerHTML|outerHTML)\b|insertAdjacentHTML|createContextualFragment|DOMParser/, 'an HTML parser sink'],
    [/document\.write/, 'document.write'],
    [/\beval\s*\(|new\s+Function\b|setTimeout\(\s*['"`]/, 'code from strings'],
    [/localStorage|sessionStorage|indexedDB|document\.cookie|caches\./, 'storage or cookies'],
    [/@import|@font-face|url\(/, 'CSS that loads something'],
    [/https?:\/\/(?!www\.w3\.org)/, 'a hard-coded remote URL'],
    [/setAttribute\(\s*['"]style['"]|\.style\./, 'inline styles (blocked by style-src)'],
    [/credentials:\s*['"]include/, 'credentialed requests'],
  ];
  for (const [pattern, what] of banned) {
    const match = pattern.exec(code);
    assert.equal(match, null, `widget.js uses ${what}: ${match && match[0]}`);
  }
});

test('the server sends exactly the file, gzipped on request', async () => {
  const server = await startServer({ corpus: join(repoRoot, 'tests', 'fixtures', 'corpus') });
  try {
    const { headers, body } = await new Promise((resolve, reject) => {
      request(`${server.url}/widget.js`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject).end();
    });
    assert.equal(headers['content-encoding'], 'gzip');
    console.log(`widget.js served gzipped: ${body.length} bytes`);
    assert.ok(body.length <= BUDGET, `served at ${body.length} bytes`);
    assert.ok(gunzipSync(body).equals(served), 'the binary embeds the current widget/signpost.js: rebuild the server');
  } finally {
    await server.stop();
  }
});

test('every --signpost-* property and text- key the README documents is the widget\'s, and the other way round', () => {
  const readme = readFileSync(join(repoRoot, 'widget', 'README.md'), 'utf8');
  const code = file.toString('utf8');
  const names = (text, re) => [...new Set([...text.matchAll(re)].map((m) => m[0]))].sort();
  const documented = names(readme, /--signpost-[a-z-]+[a-z]/g);
  assert.deepEqual(names(code, /--signpost-[a-z-]+[a-z]/g), documented);
  const keys = [...code.matchAll(/^ {4}'?([a-z-]+)'?: '/gm)].map((m) => m[1]);
  assert.ok(keys.length > 30, `${keys.length} strings`);
  for (const key of keys) assert.ok(readme.includes(`\`text-${key}\``), `text-${key} is not in widget/README.md`);
});
