// Shared pieces of the widget's browser tests: a tiny host server on 127.0.0.1 that plays a
// council website (its own origin, strict CSP on every page, loading widget.js cross-origin
// from the Signpost server), a recorder of CSP and Trusted Types violations and page errors,
// an axe-core check with the WCAG 2.0/2.1/2.2 A and AA tags, and locators for the widget.
import { createServer } from 'node:http';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';

/** The strict policy the widget promises to work under, letting in the Signpost origin. */
export function strictCsp(signpost, { trustedTypes = false } = {}) {
  const policy = [
    "default-src 'none'",
    `script-src 'self' ${signpost}`,
    "style-src 'self'",
    `connect-src 'self' ${signpost}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ];
  if (trustedTypes) policy.push("require-trusted-types-for 'script'", "trusted-types 'none'");
  return policy.join('; ');
}

/**
 * A host page: a plain, accessible council-style page around whatever `body` holds.
 * @param {{title?: string, head?: string, body?: string, css?: string[]}} options
 */
export function hostPage({ title = 'Exampleton Council', head = '', body = '', css = ['/host.css'] } = {}) {
  const links = css.map((href) => `<link rel="stylesheet" href="${href}">`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${links}
${head}
</head>
<body>
<header><a href="#main" class="skip">Skip to main content</a><p class="brand">Exampleton Council</p></header>
<main id="main">
<h1>${title}</h1>
<p>Find out about council services and the National Projects.</p>
${body}
<p><a href="#main" id="after">Back to top</a></p>
</main>
</body>
</html>`;
}

const HOST_CSS = `body { font-family: Georgia, serif; margin: 0 auto; max-width: 50em; padding: 1em 1em 8em; color: #222; background: #fff; }
a { color: #1a4480; }
.narrow { max-width: 30em; margin: 2em 0; }`;

// Everything a careless or hostile site might throw at an embedded widget.
export const HOSTILE_CSS = `* { all: unset !important; }
html *, html *::before { color: #f0f !important; font-size: 5px !important; line-height: 0 !important;
  letter-spacing: 3px !important; text-transform: uppercase !important; box-sizing: content-box !important; }
signpost-chat { display: none !important; visibility: hidden !important; opacity: 0 !important; font-size: 2px !important;
  transform: translateX(0) !important; filter: blur(0) !important; will-change: transform !important; }
button, input, form, section, div, p, ul, li, label { display: none !important; }
:root { --bg: #f00; --fg: #f00; --a: #f00; }
div { --bg: #f00 !important; --a: #0f0 !important; }`;

/**
 * Serves host pages on 127.0.0.1 under a strict CSP.
 * `pages` maps a path to `{html, trustedTypes?, csp?}` or `{css}` (a stylesheet of the page's
 * own); `/host.css` and `/hostile.css` exist.
 */
export async function startHostServer(signpost, pages) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const css = { '/host.css': HOST_CSS, '/hostile.css': HOSTILE_CSS }[path];
    if (css) {
      res.writeHead(200, { 'Content-Type': 'text/css; charset=utf-8' });
      return res.end(css);
    }
    const page = pages[path];
    if (page && page.css) {
      res.writeHead(200, { 'Content-Type': 'text/css; charset=utf-8' });
      return res.end(page.css);
    }
    if (!page) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found');
    }
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': page.csp || strictCsp(signpost, page),
    });
    res.end(page.html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, stop: () => new Promise((resolve) => server.close(resolve)) };
}

/** The script tag a council pastes, with extra attributes. */
export const snippet = (signpost, attrs = '') => `<script src="${signpost}/widget.js" defer ${attrs}></script>`;

/**
 * Records CSP/Trusted Types violations, uncaught page errors and console errors of every
 * page in `context`, from before any page script runs.
 */
export async function watch(context) {
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    }, true);
  });
  const errors = [];
  context.on('page', (page) => {
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // Browsers ask every site for /favicon.ico; its 404 is not the widget's doing.
      if (msg.type() === 'error' && !/\/favicon\.ico$/.test(msg.location().url)) errors.push(`console: ${msg.text()}`);
    });
  });
  return {
    errors,
    violations: (page) => page.evaluate(() => window.__violations.slice()),
  };
}

/** Runs axe with the WCAG 2.0/2.1/2.2 A and AA tags and fails with a readable list. */
export async function assertAccessible(page, state) {
  // Let opening animations finish, or axe measures colours mid-fade.
  await page.waitForFunction(() => document.getAnimations()
    .every((a) => a.playState !== 'running' || a.effect.getComputedTiming().iterations === Infinity));
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const report = results.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `   ${JSON.stringify(n.target)} ${n.failureSummary}`).join('\n')}`);
  assert.deepEqual(report, [], `axe found violations in state "${state}":\n${report.join('\n')}`);
  return results;
}

/** Locators for one widget on the page (the first `signpost-chat` matching `host`). */
export function widget(page, host = 'signpost-chat') {
  const root = page.locator(host).first();
  return {
    root,
    launcher: root.locator('button.launcher'),
    panel: root.locator('section.panel'),
    input: root.getByRole('textbox', { name: 'Your question' }),
    send: root.getByRole('button', { name: 'Ask', exact: true }),
    log: root.locator('[role=log]'),
    status: root.locator('[role=status]'),
    alert: root.locator('[role=alert]'),
    /** Every reply turn, the greeting included. */
    replies: root.locator('.turn.bot:not(.dots)'),
    /** Types a question and waits for the reply turn after it. */
    async ask(question) {
      const before = await root.locator('.turn.bot:not(.dots)').count();
      await this.input.fill(question);
      await this.input.press('Enter');
      await root.locator('.turn.bot:not(.dots)').nth(before).waitFor({ timeout: 10_000 });
      return root.locator('.turn.bot:not(.dots)').nth(before);
    },
  };
}

/** Which element has focus, looking inside the widget's shadow root. */
export function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return null;
    return {
      tag: el.tagName.toLowerCase(),
      cls: el.className || '',
      text: (el.getAttribute('aria-label') || el.textContent || el.getAttribute('placeholder') || '').trim().slice(0, 60),
      inWidget: el.getRootNode() !== document,
    };
  });
}
