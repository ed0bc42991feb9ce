// Signpost helpline lookup: turns the server-rendered /lookup form into an ARIA combobox with
// as-you-type suggestions (/api/v1/suggest) and answers (/api/v1/ask), keyboard shortcuts
// (/ or Ctrl+K to search, c or Alt+C to copy the answer), and a copy button that puts the
// answer and its source on the clipboard as plain text. On /projects it only adds the search
// shortcut. Without this script every page still works: forms submit to server-rendered pages.
// Results are built with createElement/textContent in the same markup the server renders
// (server/src/http/site/lookup.rs; tests/browser/lookup-parity.test.mjs holds the two equal);
// no server string ever reaches innerHTML.
(() => {
  'use strict';

  const SINGLE_KEY_SETTING = 'signpost.lookup.singleKeyShortcuts';
  const SUGGEST_DELAY_MS = 60;
  const ASK_DELAY_MS = 250;
  const PRODUCTS_SECTION = 'What it produced';
  const CARD_PRODUCTS = 3;

  // ---- helpers -------------------------------------------------------------------------

  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'className') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  // Phone numbers and web addresses in text, found as the server's html::find_links finds
  // them (a browser test holds the two equal).
  const PHONE = /(?:\+44 ?|\b0)[0-9](?:[ -]?[0-9]){8,9}\b/g;
  const WEB = /\bhttps?:\/\/[^\s<>"]+/gi;

  /** [{start, end, href}] in UTF-16 offsets, in order. */
  function findLinks(text) {
    const links = [];
    for (const m of text.matchAll(WEB)) {
      let url = m[0];
      while (url && (/[.,;:!?'"’”\]]$/.test(url) || (url.endsWith(')') && !url.includes('(')))) url = url.slice(0, -1);
      links.push({ start: m.index, end: m.index + url.length, href: url });
    }
    for (const m of text.matchAll(PHONE)) {
      const end = m.index + m[0].length;
      if (links.some((l) => l.start < end && m.index < l.end)) continue;
      const digits = m[0].replace(/\D/g, '').replace(/^44/, '').replace(/^0/, '');
      links.push({ start: m.index, end, href: `tel:+44${digits}` });
    }
    return links.sort((a, b) => a.start - b.start);
  }

  /** Text with [start, end) code-point ranges wrapped in <mark> and phone numbers and web
   *  addresses as links, as DOM nodes: the markup the server's html::Marked writes. */
  function marked(text, ranges) {
    const offsets = [];
    let unit = 0;
    for (const ch of text) {
      offsets.push(unit);
      unit += ch.length;
    }
    offsets.push(unit);
    const at = (c) => offsets[Math.max(0, Math.min(offsets.length - 1, c))];
    const marks = (ranges || []).map((r) => [at(r[0]), at(r[1])]).filter(([a, b]) => a < b);
    const links = findLinks(text);
    const cuts = [...new Set([0, text.length, ...marks.flat(), ...links.flatMap((l) => [l.start, l.end])])]
      .sort((a, b) => a - b);
    const nodes = [];
    let anchor = null;
    let mark = null;
    for (let i = 0; i + 1 < cuts.length; i += 1) {
      const [from, to] = [cuts[i], cuts[i + 1]];
      const link = links.find((l) => l.start <= from && to <= l.end);
      if (!link || link.start === from) {
        mark = null;
        anchor = link ? el('a', { href: link.href }) : null;
        if (anchor) nodes.push(anchor);
      }
      const piece = text.slice(from, to);
      const into = anchor ? anchor : { append: (n) => nodes.push(n) };
      if (marks.some(([a, b]) => a <= from && to <= b)) {
        if (mark) mark.append(piece);
        else into.append((mark = el('mark', { text: piece })));
      } else {
        mark = null;
        into.append(piece);
      }
    }
    return nodes;
  }

  function paragraphs(text) {
    return text.split('\n\n').map((p) => p.trim()).filter(Boolean).map((p) => el('p', {}, marked(p)));
  }

  // With a best answer only the passages that support it are listed: those matching the
  // question as well as the best passage (SUPPORT_SCORE of its score), at most SUPPORT_MAX,
  // never the answer's own. The server's lookup page keeps the same rule.
  const SUPPORT_SCORE = 0.95;
  const SUPPORT_MAX = 5;
  function listedPassages(data) {
    const answer = data.answer;
    if (!answer) return data.passages;
    const best = Math.max(0, ...data.passages.map((p) => p.score));
    return data.passages
      .filter((p) => !answer.passage_id || p.id !== answer.passage_id)
      .filter((p) => p.score >= best * SUPPORT_SCORE)
      .slice(0, SUPPORT_MAX);
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many}`;
  }

  /** The same words the server writes above its results. */
  function summaryText(answer, passages, projects) {
    const parts = [
      answer ? 'Best answer' : 'No confident answer',
      plural(passages, answer ? 'more passage' : 'passage', answer ? 'more passages' : 'passages'),
      plural(projects, 'project', 'projects'),
    ];
    const last = parts.pop();
    return `${parts.join(', ')} and ${last}`;
  }

  function lookupHref(q, id) {
    const params = new URLSearchParams({ q });
    if (id) params.set('id', id);
    return `/lookup?${params}`;
  }

  function letterCount(text) {
    return Array.from(text).filter((c) => /[\p{L}\p{N}]/u.test(c)).length;
  }

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    if (target.matches('textarea, select')) return true;
    if (target.matches('input')) {
      return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(target.type);
    }
    return false;
  }

  function singleKeyShortcuts() {
    try {
      return localStorage.getItem(SINGLE_KEY_SETTING) !== 'off';
    } catch {
      return true;
    }
  }

  /** One request at a time per purpose: a newer one aborts the older, and a response that
   *  arrives after a newer request started is dropped (AbortController plus a counter). */
  function latestOnly() {
    let counter = 0;
    let controller = null;
    return {
      async get(url) {
        counter += 1;
        const mine = counter;
        if (controller) controller.abort();
        controller = new AbortController();
        try {
          const response = await fetch(url, { signal: controller.signal, headers: { Accept: 'application/json' } });
          const data = await response.json().catch(() => null);
          if (mine !== counter) return { stale: true };
          return { ok: response.ok, status: response.status, data };
        } catch (error) {
          if (mine !== counter || (error && error.name === 'AbortError')) return { stale: true };
          return { ok: false, status: 0, data: null };
        }
      },
      cancel() {
        counter += 1;
        if (controller) controller.abort();
        controller = null;
      },
    };
  }

  /** Fetches JSON once per URL and keeps it (FAQ text and project details do not change
   *  while a page is open). */
  const cache = new Map();
  function cachedJson(url) {
    if (!cache.has(url)) {
      const promise = fetch(url, { headers: { Accept: 'application/json' } })
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null);
      cache.set(url, promise);
      promise.then((value) => { if (value === null) cache.delete(url); });
    }
    return cache.get(url);
  }

  // ---- shortcuts on every page ---------------------------------------------------------

  function searchBox() {
    return document.querySelector('[data-shortcut-focus]');
  }

  function focusSearch() {
    const box = searchBox();
    if (!box) return false;
    box.focus();
    box.select();
    return true;
  }

  const lookup = setUpLookup();

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    const typing = isTyping(event.target);
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
    if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'k') {
      if (focusSearch()) event.preventDefault();
      return;
    }
    if (event.key === '/' && plain && !typing && singleKeyShortcuts()) {
      if (focusSearch()) event.preventDefault();
      return;
    }
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === 'KeyC') {
      if (lookup && lookup.copyable()) {
        event.preventDefault();
        lookup.copy();
      }
      return;
    }
    if (event.key === 'c' && plain && !typing && singleKeyShortcuts()) {
      if (lookup && lookup.copyable()) {
        event.preventDefault();
        lookup.copy();
      }
    }
  });

  // ---- the lookup page -----------------------------------------------------------------

  function setUpLookup() {
    const form = document.querySelector('form.lookup');
    const input = document.getElementById('q');
    const listbox = document.getElementById('q-suggestions');
    const status = document.getElementById('status');
    const results = document.getElementById('results');
    if (!form || !input || !listbox || !status || !results) return null;

    const hint = document.getElementById('q-hint');
    const settings = document.querySelector('.settings');
    const singleKey = document.getElementById('single-key');
    const maxResults = Number(form.dataset.maxResults) || 5;
    const suggestRequests = latestOnly();
    const askRequests = latestOnly();
    let suggestions = [];
    let active = -1;
    let suggestTimer = 0;
    let askTimer = 0;
    let suggestMessage = '';
    let resultsMessage = '';
    let askSeq = 0;

    // Progressive enhancement: the plain text box becomes a combobox.
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', listbox.id);
    if (hint) {
      hint.hidden = false;
      input.setAttribute('aria-describedby', hint.id);
    }
    if (settings && singleKey) {
      settings.hidden = false;
      singleKey.checked = singleKeyShortcuts();
      singleKey.addEventListener('change', () => {
        try {
          localStorage.setItem(SINGLE_KEY_SETTING, singleKey.checked ? 'on' : 'off');
        } catch {
          // Storage may be off; the setting then lasts as long as the page.
        }
        showShortcutState();
      });
    }
    showShortcutState();
    enableCopy();

    function announce() {
      status.textContent = [suggestMessage, resultsMessage].filter(Boolean).join(' ');
    }

    // -- suggestions (the combobox popup)

    function closeList() {
      listbox.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
      for (const option of listbox.children) option.setAttribute('aria-selected', 'false');
    }

    function openList() {
      if (!suggestions.length) return;
      listbox.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }

    // A list that arrives while an option is highlighted (the reply to a later keystroke)
    // keeps that option highlighted when it still offers it, so Enter chooses what was seen.
    function renderSuggestions(items) {
      const kept = active >= 0 ? suggestions[active] : null;
      suggestions = items;
      active = -1;
      input.removeAttribute('aria-activedescendant');
      listbox.replaceChildren(
        ...items.map((s, i) => {
          const kind = s.kind === 'project' ? 'Project' : 'FAQ';
          const meta = s.title && s.title !== s.text ? `${kind} · ${s.title}` : kind;
          const option = el('li', { id: `q-option-${i}`, role: 'option', 'aria-selected': 'false' }, [
            el('span', { className: 'text' }, marked(s.text, s.highlights)),
            el('span', { className: 'meta' }, [el('span', { className: 'visually-hidden', text: ', ' }), meta]),
          ]);
          return option;
        }),
      );
      if (items.length) {
        openList();
        suggestMessage = `${plural(items.length, 'suggestion', 'suggestions')}; use the up and down arrow keys to choose.`;
        const still = kept ? items.findIndex((s) => s.id === kept.id && s.text === kept.text) : -1;
        if (still >= 0) move(still);
      } else {
        closeList();
        suggestMessage = 'No suggestions.';
      }
      announce();
    }

    function move(index) {
      if (!suggestions.length) return;
      openList();
      const count = suggestions.length;
      active = ((index % count) + count) % count;
      Array.from(listbox.children).forEach((option, i) => {
        option.setAttribute('aria-selected', i === active ? 'true' : 'false');
      });
      const option = listbox.children[active];
      input.setAttribute('aria-activedescendant', option.id);
      option.scrollIntoView({ block: 'nearest' });
    }

    async function loadSuggestions(q) {
      const reply = await suggestRequests.get(`/api/v1/suggest?q=${encodeURIComponent(q)}`);
      if (reply.stale) return;
      if (!reply.ok || !reply.data) {
        suggestions = [];
        listbox.replaceChildren();
        closeList();
        suggestMessage = '';
        announce();
        return;
      }
      if (document.activeElement === input) renderSuggestions(reply.data.suggestions || []);
    }

    // The box takes the words of the option chosen (as a combobox does), not the entry's
    // title, which can be a long question; the entry itself is pinned by its id.
    function choose(suggestion) {
      const q = suggestion.text || suggestion.title;
      input.value = q;
      closeList();
      suggestMessage = '';
      clearTimeout(suggestTimer);
      suggestRequests.cancel();
      runAsk(q, suggestion.id, 'push');
    }

    // -- answers

    function scheduleAsk(q) {
      clearTimeout(askTimer);
      askTimer = setTimeout(() => runAsk(q, null, 'replace'), ASK_DELAY_MS);
    }

    async function runAsk(q, pinnedId, historyMode) {
      clearTimeout(askTimer);
      askSeq += 1;
      const seq = askSeq;
      results.setAttribute('aria-busy', 'true');
      const reply = await askRequests.get(`/api/v1/ask?q=${encodeURIComponent(q)}&limit=${maxResults}`);
      if (reply.stale || seq !== askSeq) return;
      results.removeAttribute('aria-busy');
      if (!reply.ok || !reply.data || !reply.data.query) {
        const message = reply.data && reply.data.error
          ? reply.data.error.message
          : 'Signpost could not be reached. Check the connection and try again.';
        renderError(message);
        return;
      }
      const data = reply.data;
      if (pinnedId) {
        await pin(data, pinnedId);
        if (seq !== askSeq) return;
      }
      renderResults(data);
      const url = lookupHref(q, pinnedId);
      if (historyMode === 'push') history.pushState({ q, id: pinnedId }, '', url);
      else if (historyMode === 'replace') history.replaceState({ q, id: pinnedId }, '', url);
      document.title = `${q} — Helpline lookup — Signpost`;
    }

    /** Makes the chosen entry the answer, as the server does for /lookup?id=…. */
    async function pin(data, id) {
      let answer = null;
      if (/^faq-/.test(id)) {
        const faq = await cachedJson('/api/v1/faq');
        const entry = faq && faq.faq.find((f) => f.id === id);
        if (entry) {
          answer = { id, kind: 'faq', title: entry.title, text: entry.passages.map((p) => p.text).join('\n\n'), url: `/faq/${encodeURIComponent(id)}` };
          data.passages = data.passages.filter((p) => p.entry_id !== id);
        }
      } else {
        const project = await cachedJson(`/api/v1/projects/${encodeURIComponent(id)}`);
        if (project) {
          const text = project.lead ? `${project.summary} Lead authority: ${project.lead}.` : project.summary;
          answer = { id, kind: 'project', title: project.title, text, url: project.url };
        }
      }
      if (answer) {
        data.answer = answer;
        data.fallback = null;
      }
    }

    function renderError(message) {
      resultsMessage = message;
      announce();
      results.replaceChildren(el('div', { className: 'notice error', role: 'alert' }, [el('p', { text: message })]));
    }

    function renderResults(data) {
      const answer = data.answer;
      const passages = listedPassages(data);
      const summary = summaryText(Boolean(answer), passages.length, data.projects.length);
      resultsMessage = `${summary}.`;
      announce();
      const nodes = [
        el('p', { className: 'summary', id: 'results-summary' }, [`${summary} for `, el('q', { text: data.query }), '.']),
      ];
      if (data.did_you_mean) {
        nodes.push(el('p', { className: 'did-you-mean' }, [
          'Did you mean ', el('a', { href: lookupHref(data.did_you_mean), text: data.did_you_mean }), '?',
        ]));
      }
      nodes.push(answer ? answerSection(answer) : fallbackSection(data.fallback));
      if (passages.length) {
        nodes.push(el('section', { 'aria-labelledby': 'passages-heading' }, [
          el('h2', { id: 'passages-heading', text: `${answer ? 'Supporting' : 'Matching'} passages (${passages.length})` }),
          el('ol', { className: 'passages' }, passages.map(passageItem)),
        ]));
      }
      if (data.projects.length) {
        nodes.push(el('section', { 'aria-labelledby': 'projects-heading' }, [
          el('h2', { id: 'projects-heading', text: `Projects (${data.projects.length})` }),
          el('ul', { className: 'project-cards' }, data.projects.map(projectCard)),
        ]));
      }
      if (data.suggestions && data.suggestions.length) {
        nodes.push(el('section', { 'aria-labelledby': 'related-heading' }, [
          el('h2', { id: 'related-heading', text: 'Related questions' }),
          el('ul', { className: 'related' }, data.suggestions.map((s) => el('li', {}, [el('a', { href: lookupHref(s), text: s })]))),
        ]));
      }
      results.replaceChildren(...nodes);
      enableCopy();
    }

    function answerSection(answer) {
      const fromDirectory = answer.kind === 'project';
      const source = fromDirectory
        ? `National Projects Directory: ${answer.title}`
        : `National Projects FAQ: “${answer.title}”`;
      const from = fromDirectory ? 'From the project directory: ' : 'From the FAQ: ';
      const sourceLine = answer.url
        ? [from, el('a', { href: answer.url, text: answer.title })]
        : [from, el('q', { text: answer.title })];
      return el('section', {
        className: 'answer',
        'aria-labelledby': 'answer-heading',
        'data-copy-text': answer.text,
        'data-copy-source': source,
        'data-copy-url': answer.url || '',
      }, [
        el('h2', { id: 'answer-heading', text: 'Best answer' }),
        el('p', { className: 'source' }, sourceLine),
        el('div', { className: 'answer-text' }, paragraphs(answer.text)),
        el('p', { className: 'copy-row' }, [
          el('button', { type: 'button', className: 'copy', hidden: true }, ['Copy answer ', el('kbd', { text: 'c' })]),
          ' ',
          el('span', { className: 'copy-status' }),
        ]),
      ]);
    }

    function fallbackSection(fallback) {
      const children = [el('h2', { id: 'fallback-heading', text: 'No confident answer' })];
      if (fallback) {
        children.push(el('p', { text: fallback.message }));
        if (fallback.helpline) {
          children.push(el('p', {}, [
            `The ${fallback.helpline.name} can direct the caller: `,
            el('a', { href: fallback.helpline.href, text: fallback.helpline.number }),
            '.',
          ]));
        }
      }
      children.push(el('p', {}, ['Or browse the ', el('a', { href: '/projects', text: 'project directory' }), '.']));
      return el('section', { className: 'fallback', 'aria-labelledby': 'fallback-heading' }, children);
    }

    function passageItem(p) {
      const heading = el('h3', {}, [p.title]);
      if (p.section) heading.append(' ', el('span', { className: 'section', text: `· ${p.section}` }));
      const meta = el('p', { className: 'meta' }, [p.kind === 'project' ? 'Project directory' : 'FAQ']);
      if (p.url) {
        const page = p.kind === 'project' ? 'Project page' : 'FAQ page';
        meta.append(' · ', el('a', { href: p.url }, [page, el('span', { className: 'visually-hidden', text: `: ${p.title}` })]));
      }
      return el('li', {}, [el('article', { className: 'passage' }, [heading, el('p', {}, marked(p.text, p.highlights)), meta])]);
    }

    function projectCard(hit) {
      const products = el('div', { className: 'products-slot' });
      const more = el('a', { href: hit.url }, [
        'Full project page',
        el('span', { className: 'visually-hidden', text: ` about ${hit.short_name}` }),
      ]);
      const card = el('article', { className: 'project-card' }, [
        el('h3', {}, [el('a', { href: hit.url, text: hit.name === hit.short_name ? hit.name : `${hit.short_name} — ${hit.name}` })]),
        el('p', { text: hit.summary }),
        el('dl', { className: 'facts' }, [
          el('div', {}, [el('dt', { text: 'Lead authority' }), el('dd', { text: hit.lead || 'Not recorded in our sources' })]),
        ]),
        products,
        el('p', {}, [more]),
      ]);
      // What it produced comes from the project's own record, fetched once per project.
      cachedJson(`/api/v1/projects/${encodeURIComponent(hit.id)}`).then((detail) => {
        if (!detail || !card.isConnected) return;
        const section = (detail.sections || []).find((s) => s.heading === PRODUCTS_SECTION);
        const items = section ? section.passages.map((p) => p.text) : [];
        if (!items.length) return;
        products.replaceWith(
          el('p', { className: 'label', text: 'What it produced' }),
          el('ul', { className: 'products' }, items.slice(0, CARD_PRODUCTS).map((t) => el('li', { text: t }))),
        );
        const extra = items.length - CARD_PRODUCTS;
        if (extra > 0) more.firstChild.textContent = `${extra} more ${extra === 1 ? 'product' : 'products'} and the full project page`;
      });
      return el('li', {}, [card]);
    }

    function renderStart() {
      resultsMessage = '';
      announce();
      results.replaceChildren();
      cachedJson('/api/v1/faq').then((faq) => {
        if (!faq || input.value.trim()) return;
        results.replaceChildren(el('section', { className: 'start', 'aria-labelledby': 'faq-heading' }, [
          el('h2', { id: 'faq-heading', text: 'Questions from the FAQ' }),
          el('ul', { className: 'faq-list' }, faq.faq.map((f) => el('li', {}, [el('a', { href: lookupHref(f.title, f.id), text: f.title })]))),
          el('p', {}, ['Or browse the ', el('a', { href: '/projects', text: 'project directory' }), '.']),
        ]));
      });
    }

    function clearAll() {
      askSeq += 1;
      clearTimeout(suggestTimer);
      clearTimeout(askTimer);
      suggestRequests.cancel();
      askRequests.cancel();
      results.removeAttribute('aria-busy');
      input.value = '';
      suggestions = [];
      listbox.replaceChildren();
      closeList();
      suggestMessage = '';
      renderStart();
      status.textContent = 'Search cleared.';
      history.replaceState({ q: '' }, '', '/lookup');
      document.title = 'Helpline lookup — Signpost';
    }

    // -- copy

    function answerSectionInPage() {
      return results.querySelector('.answer[data-copy-text]');
    }

    function enableCopy() {
      const section = answerSectionInPage();
      const button = section && section.querySelector('button.copy');
      if (!button) return;
      button.hidden = false;
      button.addEventListener('click', () => copy());
      showShortcutState();
    }

    /** The page shows (and tells assistive technology) only the shortcuts that work. */
    function showShortcutState() {
      const on = singleKeyShortcuts();
      document.documentElement.dataset.singleKeys = on ? 'on' : 'off';
      for (const button of results.querySelectorAll('button.copy')) {
        button.setAttribute('aria-keyshortcuts', on ? 'C Alt+C' : 'Alt+C');
      }
    }

    function copyText(section) {
      const url = section.dataset.copyUrl ? new URL(section.dataset.copyUrl, location.origin).href : '';
      return `${section.dataset.copyText}\n\nSource: ${section.dataset.copySource}${url ? `\n${url}` : ''}`;
    }

    function legacyCopy(text) {
      const focused = document.activeElement;
      const area = el('textarea', { readonly: true, 'aria-hidden': 'true', className: 'visually-hidden' });
      area.value = text;
      document.body.append(area);
      area.select();
      let ok = false;
      try {
        ok = document.execCommand('copy');
      } catch {
        ok = false;
      }
      area.remove();
      if (focused && typeof focused.focus === 'function') focused.focus();
      return ok;
    }

    async function copy() {
      const section = answerSectionInPage();
      if (!section) return false;
      const text = copyText(section);
      let ok = false;
      try {
        if (!navigator.clipboard || !window.isSecureContext) throw new Error('no async clipboard');
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch {
        ok = legacyCopy(text);
      }
      const note = section.querySelector('.copy-status');
      const message = ok ? 'Answer copied with its source.' : 'Could not copy. Select the answer text and copy it yourself.';
      if (note) {
        note.textContent = message;
        note.classList.toggle('error', !ok);
      }
      status.textContent = message;
      document.dispatchEvent(new CustomEvent('signpost:copied', { detail: { ok, text } }));
      return ok;
    }

    // -- events

    input.addEventListener('input', () => {
      const q = input.value.trim();
      clearTimeout(suggestTimer);
      if (!q) {
        clearAll();
        return;
      }
      if (letterCount(q) < 2) {
        suggestRequests.cancel();
        askRequests.cancel();
        clearTimeout(askTimer);
        suggestions = [];
        listbox.replaceChildren();
        closeList();
        suggestMessage = '';
        announce();
        return;
      }
      suggestTimer = setTimeout(() => loadSuggestions(q), SUGGEST_DELAY_MS);
      scheduleAsk(q);
    });

    input.addEventListener('keydown', (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      switch (event.key) {
        case 'ArrowDown':
          if (!suggestions.length) return;
          event.preventDefault();
          move(listbox.hidden ? 0 : active + 1);
          break;
        case 'ArrowUp':
          if (!suggestions.length) return;
          event.preventDefault();
          move(listbox.hidden || active < 0 ? suggestions.length - 1 : active - 1);
          break;
        case 'Enter':
          if (!listbox.hidden && active >= 0) {
            event.preventDefault();
            choose(suggestions[active]);
          }
          break;
        case 'Escape':
          if (!listbox.hidden) {
            event.preventDefault();
            closeList();
          } else if (input.value) {
            event.preventDefault();
            clearAll();
          }
          break;
        case 'Tab':
          closeList();
          break;
        default:
          break;
      }
    });

    input.addEventListener('blur', () => closeList());
    input.addEventListener('focus', () => {
      if (suggestions.length && input.value.trim()) openList();
    });

    // Keep focus in the box while clicking an option.
    listbox.addEventListener('mousedown', (event) => event.preventDefault());
    listbox.addEventListener('click', (event) => {
      const option = event.target instanceof Element && event.target.closest('[role="option"]');
      if (!option) return;
      const index = Array.from(listbox.children).indexOf(option);
      if (index >= 0) choose(suggestions[index]);
    });

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const q = input.value.trim();
      closeList();
      if (!q) {
        clearAll();
        return;
      }
      clearTimeout(suggestTimer);
      suggestRequests.cancel();
      suggestMessage = '';
      runAsk(q, null, 'push');
    });

    // Links to other lookups inside the results run in place, keeping the keyboard in the box.
    results.addEventListener('click', (event) => {
      if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      const link = event.target instanceof Element && event.target.closest('a[href^="/lookup?"]');
      if (!link) return;
      const url = new URL(link.href);
      const q = url.searchParams.get('q');
      if (!q) return;
      event.preventDefault();
      input.value = q;
      input.focus();
      runAsk(q, url.searchParams.get('id'), 'push');
    });

    window.addEventListener('popstate', () => {
      const params = new URLSearchParams(location.search);
      const q = params.get('q') || '';
      input.value = q;
      closeList();
      if (q.trim()) runAsk(q, params.get('id'), null);
      else renderStart();
    });

    return { copy, copyable: () => Boolean(answerSectionInPage()) };
  }
})();
