// Signpost chat widget: the <signpost-chat> custom element that council websites embed with one
// script tag. This file owns the whole client side: configuration from attributes, the floating
// launcher and inline modes, the conversation with /api/v1/ask (follow-up context, stale
// requests dropped, errors with a retry), rendering (every node built with createElement and
// textContent: no server string ever reaches innerHTML), isolated styles (shadow DOM plus a
// constructable stylesheet, so pages with a strict CSP or Trusted Types need no exceptions) and
// the "Was this helpful?" control. It writes no cookies or storage and talks only to Signpost.
// See widget/README.md for the attributes, CSS custom properties and events.
(() => {
  'use strict';
  const TAG = 'signpost-chat';
  const win = window;
  const doc = document;
  if (!win.customElements || customElements.get(TAG)) return;

  // The <script> that loaded us, checked to really be one: document.currentScript can be
  // clobbered by a named element on a hostile page.
  const cur = doc.currentScript;
  const script = cur instanceof win.HTMLScriptElement ? cur : null;

  // Every visible and spoken string; each can be replaced with a `text-KEY` attribute on the
  // element or `data-text-KEY` on the script tag.
  const STRINGS = {
    launcher: 'Ask a question',
    heading: 'Ask a question',
    close: 'Close',
    greeting: 'Hello. Ask me about the local e-gov National Projects: what they made, who ran them and where to get help.',
    label: 'Your question',
    placeholder: 'For example: is there a helpline?',
    send: 'Ask',
    conversation: 'Conversation',
    you: 'You asked:',
    bot: 'Signpost answered:',
    loading: 'Looking for an answer…',
    source: 'Source:',
    passages: 'Where this comes from ({n})',
    projects: 'Projects',
    lead: 'Led by {lead}',
    suggestions: 'You could also ask',
    'did-you-mean': 'Did you mean “{q}”?',
    helpline: 'You can call the {name} on',
    directory: 'Browse all the projects',
    'new-tab': '(opens in a new tab)',
    helpful: 'Was this helpful?',
    yes: 'Yes',
    no: 'No',
    thanks: 'Thank you for your feedback.',
    'feedback-error': 'Sorry, your feedback could not be sent.',
    empty: 'Please type a question first.',
    retry: 'Try again',
    'error-offline': 'You seem to be offline. Check your connection, then try again.',
    'error-network': 'Signpost could not be reached. Please try again in a moment.',
    'error-busy': 'Signpost is busy right now. Please wait a moment, then try again.',
    'error-busy-wait': 'Signpost is busy right now. Please try again in {seconds} seconds.',
    'error-server': 'Something went wrong on our side. Please try again.',
    'error-too-long': 'That question is too long. Please make it shorter.',
    'error-request': 'Sorry, that question could not be asked. Please rephrase it.',
  };

  const TIMEOUT_MS = 20000;

  // ---- Pure helpers (unit-tested through SignpostChat.__test) ----

  // `{name}` placeholders filled from vars; unknown ones are left as written.
  const fill = (template, vars) =>
    String(template).replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));

  // A URL the widget may use: resolved against `base`, and only http(s) (plus tel: when
  // asked for), so no corpus or response can smuggle in a javascript: link.
  function safeUrl(url, base, allowTel) {
    if (typeof url !== 'string' || !url) return null;
    try {
      const u = new URL(url, base);
      if (/^https?:$/.test(u.protocol) || (allowTel && u.protocol === 'tel:')) return u.href;
    } catch (_) { /* not a URL */ }
    return null;
  }

  // Where the API lives, always ending in '/': an explicit `api-base` attribute, else the
  // origin of the script that loaded the widget, else the page's own origin.
  function apiBase(explicit, scriptEl, pageUrl) {
    const own = safeUrl(explicit, pageUrl);
    if (own) {
      const u = new URL(own);
      return u.origin + u.pathname.replace(/\/?$/, '/');
    }
    const src = scriptEl instanceof win.HTMLScriptElement && scriptEl.tagName === 'SCRIPT' && safeUrl(scriptEl.src, pageUrl);
    return new URL(src || pageUrl).origin + '/';
  }

  // Splits text into [segment, highlighted] pairs. Ranges count Unicode code points (as the
  // server does), so a character outside the BMP counts once; ranges that overlap, come
  // unsorted or fall outside the text are clamped and merged rather than trusted.
  function splitHighlights(text, ranges) {
    const chars = Array.from(String(text == null ? '' : text));
    const n = chars.length;
    const clamp = (v) => Math.max(0, Math.min(n, Math.floor(v)));
    const marks = [];
    for (const r of Array.isArray(ranges) ? ranges : []) {
      if (!Array.isArray(r) || typeof r[0] !== 'number' || typeof r[1] !== 'number') continue;
      const a = clamp(r[0]);
      const b = clamp(r[1]);
      if (b > a) marks.push([a, b]);
    }
    marks.sort((x, y) => x[0] - y[0]);
    const merged = [];
    for (const m of marks) {
      const last = merged[merged.length - 1];
      if (last && m[0] <= last[1]) last[1] = Math.max(last[1], m[1]);
      else merged.push(m);
    }
    const out = [];
    let at = 0;
    const push = (a, b, hl) => b > a && out.push([chars.slice(a, b).join(''), hl]);
    for (const [a, b] of merged) {
      push(at, a, false);
      push(a, b, true);
      at = b;
    }
    push(at, n, false);
    return out;
  }

  // Phone numbers (UK, as the corpus writes them) and web addresses in answer text, as
  // [{start, end, href}] in UTF-16 offsets: the same ones the server's pages link.
  function findLinks(text) {
    const links = [];
    for (const m of text.matchAll(/\bhttps?:\/\/[^\s<>"]+/gi)) {
      let url = m[0];
      while (/[.,;:!?'"’”\]]$/.test(url) || (url.endsWith(')') && !url.includes('('))) url = url.slice(0, -1);
      links.push({ start: m.index, end: m.index + url.length, href: url });
    }
    for (const m of text.matchAll(/(?:\+44 ?|\b0)[0-9](?:[ -]?[0-9]){8,9}\b/g)) {
      const end = m.index + m[0].length;
      if (!links.some((l) => l.start < end && m.index < l.end)) links.push({ start: m.index, end, href: 'tel:+44' + m[0].replace(/\D/g, '').replace(/^44/, '').replace(/^0/, '') });
    }
    return links.sort((a, b) => a.start - b.start);
  }

  // With an answer, the passages that support it: not its own, and matching the question as
  // well as the best one does (the lookup page keeps the same rule); at most three.
  function supporting(passages, answer) {
    const best = Math.max(0, ...passages.map((p) => +p.score || 0));
    return passages.filter((p) => p.id !== answer.passage_id && +p.score >= best * 0.95).slice(0, 3);
  }

  // The feedback endpoint, only when the response offers one on the API's own origin.
  function feedbackUrl(data, base) {
    const url = data && safeUrl(data.feedback_url, base);
    return url && new URL(url).origin === new URL(base).origin ? url : null;
  }

  // Seconds to wait from a Retry-After header (seconds or an HTTP date), or null.
  function retrySeconds(header, now) {
    if (header == null || header === '') return null;
    const s = String(header).trim();
    const secs = /^\d+$/.test(s) ? Number(s) : Math.ceil((Date.parse(s) - (now || Date.now())) / 1000);
    return Number.isFinite(secs) ? Math.max(1, Math.min(secs, 3600)) : null;
  }

  // Which message an error gets and whether asking again could help.
  function describeError(status, online, code, retryAfter) {
    if (!status) return { key: online === false ? 'error-offline' : 'error-network', retry: true };
    if (status === 429 || status === 503) {
      const seconds = retrySeconds(retryAfter);
      return { key: seconds ? 'error-busy-wait' : 'error-busy', seconds, retry: true };
    }
    if (status >= 500) return { key: 'error-server', retry: true };
    if (code === 'question_too_long' || code === 'too_many_words') return { key: 'error-too-long', retry: false };
    return { key: 'error-request', retry: false };
  }

  // The widget's strings: attribute on the element, then data- attribute on the script tag,
  // then the default.
  function readStrings(attr) {
    const s = {};
    for (const key of Object.keys(STRINGS)) s[key] = attr('text-' + key) ?? STRINGS[key];
    s.heading = attr('heading') ?? s.heading;
    s.greeting = attr('greeting') ?? s.greeting;
    s.placeholder = attr('placeholder') ?? s.placeholder;
    return s;
  }

  // ---- Styles ----
  // The host element stays the page's to size and place (margins, width), but what would hide
  // the widget, or trap its fixed launcher inside a transformed box, is overruled: a shadow
  // root's !important beats the page's. Everything inherited is reset on the inner wrapper,
  // which no page selector can reach, so `* { all: unset }` or a page font cannot get in.

  const DARK = '--a:var(--signpost-accent,#8cb8f0);--oa:var(--signpost-on-accent,#0b0c0c);--bg:var(--signpost-background,#1d1f21);--fg:var(--signpost-text,#f3f2f1);--mu:var(--signpost-muted,#c2c6c9);--bd:var(--signpost-border,#9aa1a6);--ln:var(--signpost-link,#9cc6ff);--fc:var(--signpost-focus,#ffdd00);--hl:var(--signpost-highlight,#5a4a00);--us:var(--signpost-user,#2c3a4b);--er:var(--signpost-error,#ff9c94);color-scheme:dark';
  const CSS = `
:host{display:block!important;visibility:visible!important;opacity:1!important}
:host([hidden]){display:none!important}
:host([mode=launcher]){transform:none!important;filter:none!important;perspective:none!important;contain:none!important;will-change:auto!important;backdrop-filter:none!important}
*,::before,::after{box-sizing:border-box}
[hidden]{display:none!important}
.w{all:initial;display:block;--a:var(--signpost-accent,#1d4f91);--oa:var(--signpost-on-accent,#fff);--bg:var(--signpost-background,#fff);--fg:var(--signpost-text,#1b1b1b);--mu:var(--signpost-muted,#505a5f);--bd:var(--signpost-border,#6f777b);--ln:var(--signpost-link,#1d4f91);--fc:var(--signpost-focus,#0b0c0c);--hl:var(--signpost-highlight,#fff0a0);--us:var(--signpost-user,#e8eff8);--er:var(--signpost-error,#b3261e);--r:var(--signpost-radius,8px);--o:var(--signpost-offset,16px);--z:var(--signpost-z-index,2147483000);
color-scheme:light;font-family:var(--signpost-font,system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif);font-size:var(--signpost-font-size,medium);line-height:1.5;color:var(--fg);text-align:start;overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){:host(:not([theme=light])) .w{${DARK}}}
:host([theme=dark]) .w{${DARK}}
.panel{display:flex;flex-direction:column;background:var(--bg);color:var(--fg);border:1px solid var(--bd);border-radius:var(--r);overflow:hidden}
.launch{position:fixed;z-index:var(--z);left:var(--vl,0);top:var(--vt,0);width:var(--vw,100%);height:var(--vh,100%);pointer-events:none}
.launch>*{position:absolute;right:var(--o);bottom:var(--o);pointer-events:auto}
.launch .panel{bottom:calc(var(--o) + 3.75em);width:min(var(--signpost-width,26em),calc(100% - 2 * var(--o)));height:min(var(--signpost-height,36em),calc(100% - 3.75em - 2 * var(--o)));box-shadow:0 4px 24px rgba(0,0,0,.25);animation:sp-in .15s ease-out}
.launcher{box-shadow:0 2px 8px rgba(0,0,0,.3)}
.launch.left>*{right:auto;left:var(--o)}
@media (max-width:30em){.launch .panel{left:8px;right:8px;width:auto;height:calc(100% - 3.75em - var(--o) - 8px)}}
@media (max-height:32em){.open .launcher{display:none}.launch .panel{top:8px;bottom:8px;height:auto;width:min(40em,calc(100% - 16px))}.launch .head{padding:.25em .25em .25em 1em}.launch form{padding:.5em 1em .75em}}
.head{display:flex;align-items:center;justify-content:space-between;gap:.5em;padding:.5em .5em .5em 1em;border-bottom:1px solid var(--bd)}
h2{margin:0;font-size:1.125em;line-height:1.3}
h3{margin:0 0 .25em;font-size:1em}
.log{position:relative;flex:1 1 auto;min-height:6em;overflow-y:auto;padding:1em}
.inline .panel{height:var(--signpost-inline-height,30em)}
.turn{margin:0 0 1em}
.turn>:last-child,.turn li>:last-child{margin-bottom:0}
.you{margin-left:auto;width:fit-content;max-width:85%;padding:.5em .75em;background:var(--us);border-radius:var(--r)}
p{margin:0 0 .5em}
ul{list-style:none;margin:0 0 .75em;padding:0}
.label,.cite,.mu{color:var(--mu);font-size:.875em}
.cite{margin:0 0 .125em}
li{margin-bottom:.75em}
.label{font-weight:600;margin:.75em 0 .25em}
blockquote{margin:0;padding-left:.75em;border-left:3px solid var(--bd)}
.card{padding:.5em .75em;margin-bottom:.5em;border:1px solid var(--bd);border-radius:var(--r)}
.chips{display:flex;flex-wrap:wrap;gap:.5em}
.chips li{margin:0}
.err{padding-left:.75em;border-left:4px solid var(--er)}
.err p,.msg{color:var(--er);font-weight:600}
.msg{margin:.5em 0 0}
summary{cursor:pointer;min-height:2.75em;padding:.5em 0;color:var(--ln);font-weight:600}
mark{background:var(--hl);color:inherit;border-radius:2px}
a{color:var(--ln);text-decoration:underline;text-underline-offset:.15em}
a:hover{text-decoration-thickness:.15em}
form{padding:.75em 1em 1em;border-top:1px solid var(--bd)}
label{display:block;font-weight:600;margin-bottom:.25em}
.row{display:flex;gap:.5em}
input{flex:1;min-width:0;font:inherit;font-size:max(16px,1em);min-height:2.75em;padding:.5em .75em;color:var(--fg);background:var(--bg);border:2px solid var(--bd);border-radius:4px}
input::placeholder{color:var(--mu);opacity:1}
button{font:inherit;font-weight:600;cursor:pointer;min-height:2.75em;min-width:2.75em;margin:0;padding:.5em 1em;border:2px solid transparent;border-radius:4px;background:var(--a);color:var(--oa)}
.chip,.ghost,.close{background:transparent;color:var(--ln);border-color:currentColor}
.chip{min-height:2.25em;padding:.25em .75em;text-align:start;font-weight:400}
.close{color:var(--fg);border-color:transparent;padding:0;font-size:1.5em;line-height:1;min-height:1.75em;min-width:1.75em}
button:disabled{cursor:default;opacity:.7}
.feedback{display:flex;flex-wrap:wrap;align-items:center;gap:.5em;margin:.75em 0}
.feedback p{margin:0}
.ghost{min-height:2.25em;padding:.25em .75em}
:focus-visible{outline:3px solid var(--fc);outline-offset:2px}
.log:focus-visible{outline-offset:-3px}
.dots::before{content:"";display:inline-block;width:.6em;height:.6em;margin-right:.5em;border-radius:50%;background:currentColor;animation:sp-pulse .8s ease-in-out infinite alternate}
.sr{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;border:0}
@keyframes sp-in{from{opacity:0;transform:translateY(8px)}}
@keyframes sp-pulse{to{opacity:.25}}
@media (prefers-reduced-motion:reduce){*,::before,::after{animation:none!important;transition:none!important}}
@media (forced-colors:active){button,.card,.panel{border:1px solid CanvasText}mark{color:HighlightText;background:Highlight}}
`;

  let sheet = null;
  function styleRoot(root) {
    try {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
      }
      root.adoptedStyleSheets = [sheet];
    } catch (_) {
      // Browsers without constructable stylesheets (Safari before 16.4) get a <style>
      // element: fine on most sites, though a strict style-src CSP would block it.
      const style = doc.createElement('style');
      style.textContent = CSS;
      root.append(style);
    }
  }

  // ---- DOM building ----

  // An element with properties: `text` sets textContent, `on` an event map, others
  // attributes (null/false skip). Children may be strings, nodes or null.
  function h(tag, props, ...children) {
    const node = doc.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'on') for (const [type, fn] of Object.entries(v)) node.addEventListener(type, fn);
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c != null && c !== false) node.append(c);
    return node;
  }

  const defaults = (name) => (script ? script.getAttribute('data-' + name) : null);

  class SignpostChat extends HTMLElement {
    // Configuration is read once, when the element is first connected.
    attr(name) {
      return this.getAttribute(name) ?? defaults(name);
    }

    connectedCallback() {
      if (this.w) return;
      const s = (this.s = readStrings((n) => this.attr(n)));
      this.base = apiBase(this.attr('api-base'), script, doc.baseURI);
      this.launch = this.attr('mode') === 'launcher';
      // Set on the element too, so the :host([mode=launcher]) protections apply to a launcher
      // configured from the script tag.
      if (this.launch) this.setAttribute('mode', 'launcher');
      this.seq = 0;
      this.context = null;
      const root = this.attachShadow({ mode: 'open' });
      styleRoot(root);

      const left = /left/.test(this.attr('position') || '');
      this.w = h('div', { class: `w ${this.launch ? 'launch' : 'inline'}${left ? ' left' : ''}` });
      if (this.launch) {
        this.launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'panel', text: s.launcher, on: { click: () => (this.isOpen ? this.close(false) : this.open()) } });
        this.w.append(this.launcher);
      }
      root.append(this.w);
      // A launcher's panel is built when it is first needed, so loading the page costs only
      // the button; an inline widget is built at once.
      if (!this.launch) this.build();
      // Fixed against the visual viewport, not the layout one: on a phone showing a page wider
      // than the screen, the layout viewport is the page's width and `right: 16px` would be
      // off-screen. The box follows pinch-zoom, scrolling and the on-screen keyboard.
      const vv = win.visualViewport;
      if (this.launch && vv) {
        try {
          const own = new CSSStyleSheet();
          root.adoptedStyleSheets = [...root.adoptedStyleSheets, own];
          const place = () => own.replaceSync(`:host{--vl:${vv.offsetLeft}px;--vt:${vv.offsetTop}px;--vw:${vv.width}px;--vh:${vv.height}px}`);
          vv.addEventListener('resize', place);
          vv.addEventListener('scroll', place);
          place();
        } catch (_) { /* no constructable stylesheets: placed against the layout viewport */ }
      }
      root.addEventListener('keydown', (e) => {
        if (e.key === 'Escape' && this.launch && this.isOpen) {
          e.stopPropagation();
          this.close(true);
        }
      });
    }

    // The panel: heading, transcript, question form and the regions that speak.
    build() {
      if (this.panel) return;
      const s = this.s;
      const closeBtn = this.launch && h('button', { type: 'button', class: 'close', on: { click: () => this.close(true) } },
        h('span', { 'aria-hidden': 'true', text: '×' }), h('span', { class: 'sr', text: s.close }));
      this.log = h('div', { class: 'log', role: 'log', 'aria-live': 'off', 'aria-label': s.conversation, tabindex: '0' });
      if (s.greeting) this.log.append(h('div', { class: 'turn bot' }, h('p', { text: s.greeting })));
      this.input = h('input', { id: 'q', name: 'q', type: 'text', autocomplete: 'off', enterkeyhint: 'send', maxlength: '500', placeholder: s.placeholder || null, on: { input: () => this.hint(false) } });
      // Shown under the field, not only spoken, when the question is empty.
      this.msg = h('p', { id: 'm', class: 'msg', hidden: true });
      const form = h('form', { on: { submit: (e) => { e.preventDefault(); this.submit(); } } },
        h('label', { for: 'q', text: s.label }),
        h('div', { class: 'row' }, this.input, h('button', { type: 'submit', text: s.send })), this.msg);
      // The transcript is not live: only the newest answer is spoken, through these regions,
      // so a screen reader never reads the whole history or the user's own words back.
      this.status = h('div', { class: 'sr', role: 'status' });
      this.alert = h('div', { class: 'sr', role: 'alert' });
      this.panel = h('section', { id: 'panel', class: 'panel', 'aria-labelledby': 'h', hidden: this.launch },
        h('div', { class: 'head' }, h('h2', { id: 'h', text: s.heading }), closeBtn),
        this.log, form, this.status, this.alert);
      this.w.append(this.panel);
    }

    // Leaving the page cancels a question in flight; if the element comes back (a site that
    // moves it), the transcript shows no stuck loading indicator.
    disconnectedCallback() {
      if (!this.ctrl) return;
      this.ctrl.abort();
      for (const old of this.log.querySelectorAll('.dots')) old.remove();
      this.log.removeAttribute('aria-busy');
    }

    get isOpen() {
      return !!this.panel && !this.panel.hidden;
    }

    open() {
      if (!this.launch || this.isOpen) return;
      this.build();
      this.panel.hidden = false;
      this.w.classList.add('open');
      this.launcher.setAttribute('aria-expanded', 'true');
      this.input.focus();
      this.fire('open');
    }

    close(returnFocus) {
      if (!this.launch || !this.isOpen) return;
      this.panel.hidden = true;
      this.w.classList.remove('open');
      this.launcher.setAttribute('aria-expanded', 'false');
      if (returnFocus) this.launcher.focus();
      this.fire('close');
    }

    fire(name, detail) {
      this.dispatchEvent(new CustomEvent('signpost-' + name, { bubbles: true, composed: true, detail }));
    }

    say(region, text) {
      // Cleared first so the same words twice are still announced.
      region.textContent = '';
      setTimeout(() => { region.textContent = text; }, 50);
    }

    // The empty-question message, under the field and tied to it, or gone.
    hint(on) {
      this.msg.hidden = !on;
      this.msg.textContent = on ? this.s.empty : '';
      this.input.toggleAttribute('aria-invalid', on);
      if (on) this.input.setAttribute('aria-describedby', 'm');
      else this.input.removeAttribute('aria-describedby');
    }

    submit() {
      const q = this.input.value.trim();
      this.hint(!q);
      if (!q) {
        this.say(this.alert, this.s.empty);
        this.input.focus();
        return;
      }
      this.input.value = '';
      this.ask(q);
    }

    // Asks a question. A newer question cancels an older one still in flight, and a response
    // that arrives after a newer question was asked is dropped.
    async ask(question, retryOf) {
      const q = String(question || '').trim();
      if (!q || !this.w) return;
      this.build();
      const s = this.s;
      const id = ++this.seq;
      if (this.ctrl) this.ctrl.abort();
      const ctrl = (this.ctrl = new AbortController());
      for (const old of this.log.querySelectorAll('.dots')) old.remove();
      if (retryOf) retryOf.remove();
      else this.add(h('div', { class: 'turn you' }, h('span', { class: 'sr', text: s.you + ' ' }), q), true);
      const loading = h('div', { class: 'turn bot dots', text: s.loading });
      this.add(loading, true);
      this.log.setAttribute('aria-busy', 'true');
      this.fire('ask', { question: q });
      const context = this.context;
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, TIMEOUT_MS);
      let status = 0;
      let data = null;
      let retryAfter = null;
      try {
        const body = { q };
        const site = this.attr('site');
        if (site) body.site = site;
        if (context) body.context = context;
        const res = await fetch(this.base + 'api/v1/ask', {
          method: 'POST',
          mode: 'cors',
          credentials: 'omit',
          cache: 'no-store',
          referrerPolicy: 'no-referrer',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
          signal: ctrl.signal,
        });
        status = res.status;
        retryAfter = res.headers.get('Retry-After');
        data = await res.json().catch(() => null);
      } catch (_) {
        status = 0; // unreachable, offline, timed out or cancelled: told apart below
      } finally {
        clearTimeout(timer);
      }
      // Superseded by a newer question, or cancelled because the element left the page.
      if (id !== this.seq || (ctrl.signal.aborted && !timedOut)) return;
      if (timedOut) status = 0;
      loading.remove();
      this.log.removeAttribute('aria-busy');
      if (status >= 200 && status < 300 && data && typeof data === 'object' && !data.error) {
        if (data.context && typeof data.context === 'object') this.context = data.context;
        const [turn, spoken] = this.renderAnswer(data, q);
        this.add(turn);
        this.say(this.status, spoken);
        this.fire('answer', { question: q, response: data });
      } else {
        const code = data && data.error && data.error.code;
        const err = describeError(status, navigator.onLine, code, retryAfter);
        const text = fill(s[err.key], { seconds: err.seconds });
        const turn = h('div', { class: 'turn bot err' }, h('p', { text }));
        if (err.retry) turn.append(h('button', { type: 'button', class: 'ghost', text: s.retry, on: { click: () => this.ask(q, turn) } }));
        this.add(turn);
        this.say(this.alert, text);
        this.fire('error', { question: q, status, code: code || null });
      }
    }

    // Appends a turn and scrolls the transcript: to the end for the question; for a reply,
    // to the question it answers, so a long answer is read from its beginning.
    add(turn, toEnd) {
      const prev = this.log.lastElementChild;
      this.log.append(turn);
      const top = prev && prev.classList.contains('you') ? prev : turn;
      this.log.scrollTop = toEnd ? this.log.scrollHeight : top.offsetTop - 8;
    }

    // A link: tel: in place, web pages in a new tab (and said so); text when unsafe.
    link(text, url) {
      const href = safeUrl(url, this.base, true);
      if (!href) return text;
      if (href.startsWith('tel:')) return h('a', { href }, text);
      return h('a', { href, target: '_blank', rel: 'noopener' }, text, h('span', { class: 'sr', text: ' ' + this.s['new-tab'] }));
    }

    // Text as nodes: highlights as <mark>, phone numbers and web addresses as links.
    marked(text, ranges) {
      const links = findLinks(String(text == null ? '' : text));
      const out = [];
      let at = 0;
      let a = null;
      for (const [seg, hl] of splitHighlights(text, ranges)) {
        for (let i = 0; i < seg.length;) {
          const pos = at + i;
          const l = links.find((x) => x.start <= pos && pos < x.end);
          const stop = l ? l.end : Math.min(...links.map((x) => x.start).filter((x) => x > pos), Infinity);
          const end = Math.min(seg.length, stop - at);
          const t = seg.slice(i, end);
          const node = hl ? h('mark', { text: t }) : t;
          if (!l) a = null, out.push(node);
          else if (a && a.l === l) a.sr ? a.sr.before(node) : a.el.append(node);
          else a = { l, el: this.link(node, l.href) }, a.sr = a.el.querySelector('.sr'), out.push(a.el);
          i = end;
        }
        at += seg.length;
      }
      return out;
    }

    chip(text, q) {
      return h('li', {}, h('button', { type: 'button', class: 'chip', text, on: { click: () => this.ask(q) } }));
    }

    renderAnswer(data, q) {
      const s = this.s;
      const list = (v) => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);
      const str = (v) => (typeof v === 'string' ? v : '');
      const turn = h('div', { class: 'turn bot' }, h('span', { class: 'sr', text: s.bot + ' ' }));
      const a = data.answer && typeof data.answer === 'object' ? data.answer : null;
      const passages = list(data.passages);
      const bot = a && a.kind === 'assistant';
      let projects = list(data.projects).slice(0, 3);
      let more = [];
      let say;
      if (a) {
        const own = passages.find((p) => p.id === a.passage_id && p.text === a.text);
        turn.append(h('p', {}, this.marked(str(a.text), own && own.highlights)));
        if (!bot && a.title) turn.append(h('p', { class: 'mu' }, s.source + ' ', this.link(str(a.title), a.url)));
        say = str(a.text);
        if (!bot) {
          // Answer first: only the passages and projects that support it, behind a
          // disclosure. A project supports it when it is the answer, a listed passage is
          // its, or the answer or a listed passage names it.
          more = supporting(passages, a);
          const texts = [a.text, ...more.map((p) => p.text)].map(str);
          projects = projects.filter((p) => p.id === a.id || more.some((x) => x.entry_id === p.id) || texts.some((t) => t.includes(str(p.short_name) || '\0')));
        }
      } else {
        projects = [];
        const fb = data.fallback && typeof data.fallback === 'object' ? data.fallback : {};
        const message = str(fb.message);
        turn.append(h('p', { text: message }));
        say = message;
        const line = fb.helpline;
        if (line && line.number) {
          const tel = safeUrl(line.href, this.base, true);
          const number = tel && tel.startsWith('tel:') ? h('a', { href: tel, text: str(line.number) }) : str(line.number);
          turn.append(h('p', {}, fill(s.helpline, { name: str(line.name) }) + ' ', number, '.'));
          say += ' ' + fill(s.helpline, { name: str(line.name) }) + ' ' + str(line.number) + '.';
        }
        const dir = safeUrl(fb.directory_url, this.base);
        if (dir) turn.append(h('p', {}, this.link(s.directory, dir)));
      }
      const cards = projects.length ? [h('p', { class: 'label', text: s.projects }), h('ul', {}, projects.map((p) => {
        const name = str(p.short_name) && str(p.short_name) !== str(p.name) ? `${str(p.short_name)} — ${str(p.name)}` : str(p.name);
        return h('li', { class: 'card' },
          h('h3', {}, this.link(name, p.url)),
          p.summary ? h('p', { text: str(p.summary) }) : null,
          p.lead ? h('p', { class: 'mu', text: fill(s.lead, { lead: str(p.lead) }) }) : null);
      }))] : [];
      if (bot) turn.append(...cards);
      else if (more.length + projects.length) {
        turn.append(h('details', {}, h('summary', { text: fill(s.passages, { n: more.length + projects.length }) }),
          more.length ? h('ul', {}, more.map((p) =>
            h('li', {},
              h('p', { class: 'cite' }, this.link(str(p.title), p.url), p.section ? ' — ' + str(p.section) : ''),
              h('blockquote', {}, h('p', {}, this.marked(str(p.text), p.highlights)))))) : null,
          cards));
      }
      // No "Was this helpful?" under a greeting or a thank-you.
      const fbUrl = a && !bot && feedbackUrl(data, this.base);
      if (fbUrl) turn.append(this.feedback(fbUrl, a.id, q));
      const chips = [];
      if (typeof data.did_you_mean === 'string' && data.did_you_mean) chips.push(this.chip(fill(s['did-you-mean'], { q: data.did_you_mean }), data.did_you_mean));
      for (const text of Array.isArray(data.suggestions) ? data.suggestions : []) if (typeof text === 'string' && text) chips.push(this.chip(text, text));
      if (chips.length) turn.append(h('p', { class: 'label', text: s.suggestions }), h('ul', { class: 'chips' }, chips));
      return [turn, say];
    }

    // "Was this helpful?": only offered when the API says where feedback goes.
    feedback(url, answerId, question) {
      const s = this.s;
      const box = h('div', { class: 'feedback', role: 'group', 'aria-label': s.helpful });
      const send = async (helpful, button) => {
        for (const b of box.querySelectorAll('button')) b.disabled = true;
        let ok = false;
        // The site goes with the vote as it goes with the question: the report counts per site.
        const body = { answer_id: answerId, question, helpful };
        const site = this.attr('site');
        if (site) body.site = site;
        try {
          const res = await fetch(url, {
            method: 'POST',
            mode: 'cors',
            credentials: 'omit',
            referrerPolicy: 'no-referrer',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          });
          ok = res.ok;
        } catch (_) { /* reported below */ }
        // The vote's button is gone or was disabled: focus goes to what replaced it, never
        // back to the page's <body>. The thanks is read out as it takes focus.
        if (ok) {
          const t = h('p', { tabindex: '-1', text: s.thanks });
          box.replaceChildren(t);
          t.focus();
          this.fire('feedback', { answerId, helpful });
        } else {
          for (const b of box.querySelectorAll('button')) b.disabled = false;
          button.focus();
          this.say(this.alert, s['feedback-error']);
        }
      };
      box.append(h('p', { text: s.helpful }),
        h('button', { type: 'button', class: 'ghost', text: s.yes, on: { click: (e) => send(true, e.currentTarget) } }),
        h('button', { type: 'button', class: 'ghost', text: s.no, on: { click: (e) => send(false, e.currentTarget) } }));
      return box;
    }
  }

  // Not a public API: lets the unit tests reach the pure helpers.
  SignpostChat.__test = { fill, safeUrl, apiBase, splitHighlights, findLinks, supporting, feedbackUrl, retrySeconds, describeError, readStrings, STRINGS };
  customElements.define(TAG, SignpostChat);

  // Containers marked `data-signpost` get an inline widget configured by their data-
  // attributes; a page with no widget at all gets the floating launcher.
  function mount() {
    for (const box of doc.querySelectorAll('[data-signpost]')) {
      if (box.querySelector(TAG)) continue;
      const el = doc.createElement(TAG);
      for (const { name, value } of Array.from(box.attributes)) {
        if (name.startsWith('data-') && name !== 'data-signpost') el.setAttribute(name.slice(5), value);
      }
      box.append(el);
    }
    if (!doc.querySelector(TAG) && defaults('launcher') !== 'off' && doc.body) {
      // The floating button is fixed, so adding it moves nothing: it waits for an idle moment,
      // in a task of its own, rather than lengthening the one that runs this script.
      const add = () => {
        if (doc.querySelector(TAG)) return;
        const el = doc.createElement(TAG);
        el.setAttribute('mode', 'launcher');
        doc.body.append(el);
      };
      if (win.requestIdleCallback) requestIdleCallback(add, { timeout: 500 });
      else setTimeout(add);
    }
  }
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', mount);
  else mount();
})();
