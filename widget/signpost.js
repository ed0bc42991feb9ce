// Signpost chat widget: <signpost-chat> asks the Signpost API and shows the answer, its
// passages, suggested projects and the helpline fallback. Every node is built with
// createElement/textContent: no server string ever reaches innerHTML.
(() => {
  'use strict';
  if (customElements.get('signpost-chat')) return;

  const script = document.currentScript;
  const defaultBase = script && script.tagName === 'SCRIPT' && script.src ? new URL(script.src).origin : location.origin;

  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  const CSS = `
    :host { all: initial; display: block; font: 16px/1.5 system-ui, sans-serif; color: #1b1b1b; }
    form { display: flex; gap: 8px; }
    input { flex: 1; font-size: 16px; padding: 8px; border: 1px solid #505a5f; }
    button { font-size: 16px; padding: 8px 16px; background: #1d4f91; color: #fff; border: 0; }
    .log { margin-top: 12px; }
    .answer h3 { margin: 0 0 4px; font-size: 1rem; }
    .visually-hidden { position: absolute; clip: rect(0 0 0 0); width: 1px; height: 1px; overflow: hidden; }
  `;

  class SignpostChat extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const root = this.attachShadow({ mode: 'open' });
      const style = el('style', { text: CSS });
      const label = el('label', { for: 'q', class: 'visually-hidden', text: 'Your question' });
      this.input = el('input', { id: 'q', name: 'q', type: 'text', autocomplete: 'off', placeholder: 'Ask about the National Projects' });
      const button = el('button', { type: 'submit', text: 'Ask' });
      const form = el('form', {}, [label, this.input, button]);
      this.log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite' });
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.ask(this.input.value);
      });
      root.append(style, form, this.log);
    }

    async ask(q) {
      if (!q.trim()) return;
      const base = this.getAttribute('api-base') || defaultBase;
      const response = await fetch(`${base}/api/v1/ask`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ q }),
      });
      const data = await response.json();
      this.log.replaceChildren(this.render(data));
    }

    render(data) {
      const box = el('div', { class: 'answer' });
      if (data.error) {
        box.append(el('p', { text: data.error.message }));
      } else if (data.answer) {
        box.append(el('h3', { text: data.answer.title }), el('p', { text: data.answer.text }));
      } else if (data.fallback) {
        box.append(el('p', { text: data.fallback.message }));
        const line = data.fallback.helpline;
        if (line) box.append(el('p', {}, [el('a', { href: line.href, text: `${line.name}: ${line.number}` })]));
      }
      for (const passage of (data.passages || []).slice(0, 3)) {
        box.append(el('blockquote', { text: passage.text }));
      }
      if (data.projects && data.projects.length) {
        box.append(el('ul', {}, data.projects.map((p) => el('li', {}, [el('a', { href: p.url, text: p.name })]))));
      }
      return box;
    }
  }

  customElements.define('signpost-chat', SignpostChat);
})();
