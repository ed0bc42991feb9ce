// Signpost /widget page: the live preview. Reads the settings form, rebuilds the preview
// widget with them (the widget reads its settings once, when it appears), writes the snippet a
// webmaster pastes, warns when chosen colours fall below WCAG AA contrast, and copies the
// snippet. Every node is built with createElement/textContent; colours are set through the
// CSSOM (style.setProperty), which a strict style-src allows.
(() => {
  'use strict';
  const form = document.getElementById('try-form');
  const preview = document.getElementById('try-preview');
  const snippet = document.getElementById('try-snippet');
  const copyButton = document.getElementById('try-copy');
  const copied = document.getElementById('try-copied');
  const contrast = document.getElementById('try-contrast');
  const readme = document.querySelector('.readme');
  if (!form || !preview || !snippet || !readme) return;
  const origin = readme.dataset.origin || location.origin;

  document.querySelector('.try-body').hidden = false;
  document.querySelector('.try-nojs').hidden = true;

  const textInputs = Array.from(form.querySelectorAll('input[data-attr]'));
  const colourInputs = Array.from(form.querySelectorAll('input[data-prop]'));
  const defaults = new Map([...textInputs, ...colourInputs].map((i) => [i, i.defaultValue]));

  /** An attribute value as it goes into the snippet's HTML. */
  const attrValue = (v) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

  /** The settings that differ from the widget's defaults, as [attribute, value] pairs. */
  function changedAttributes() {
    const out = [];
    if (form.elements.mode.value === 'launcher' && form.elements.position.value !== 'bottom-right') {
      out.push(['position', form.elements.position.value]);
    }
    for (const input of textInputs) {
      if (input.value !== defaults.get(input)) out.push([input.dataset.attr, input.value]);
    }
    return out;
  }

  function changedColours() {
    return colourInputs.filter((i) => i.value.toLowerCase() !== defaults.get(i).toLowerCase());
  }

  function snippetText() {
    const launcher = form.elements.mode.value === 'launcher';
    const attrs = changedAttributes();
    const lines = [];
    const src = `${origin}/widget.js`;
    if (launcher) {
      const data = attrs.map(([k, v]) => ` data-${k}="${attrValue(v)}"`).join('');
      lines.push(`<script src="${src}" defer${data}></script>`);
    } else {
      lines.push(`<script src="${src}" defer></script>`);
      const own = attrs.map(([k, v]) => ` ${k}="${attrValue(v)}"`).join('');
      lines.push('', '<!-- where the chat should appear: -->', `<signpost-chat${own}></signpost-chat>`);
    }
    const colours = changedColours();
    if (colours.length) {
      lines.push('', '<!-- in your stylesheet: -->', 'signpost-chat {');
      for (const input of colours) lines.push(`  ${input.dataset.prop}: ${input.value};`);
      lines.push('}');
    }
    return lines.join('\n');
  }

  // WCAG relative luminance and contrast ratio of two #rrggbb colours.
  function luminance(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function ratio(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  function checkContrast() {
    const v = (prop) => colourInputs.find((i) => i.dataset.prop === prop).value;
    const bg = v('--signpost-background');
    const pairs = [
      ['Text', v('--signpost-text'), bg, 4.5],
      ['Muted text', v('--signpost-muted'), bg, 4.5],
      ['Links', v('--signpost-link'), bg, 4.5],
      ['Text on accent', v('--signpost-on-accent'), v('--signpost-accent'), 4.5],
      ['Borders', v('--signpost-border'), bg, 3],
      ['Focus ring', v('--signpost-focus'), bg, 3],
    ];
    const low = pairs.filter(([, a, b, min]) => ratio(a, b) < min)
      .map(([name, a, b, min]) => `${name} (${ratio(a, b).toFixed(1)}:1, needs ${min}:1)`);
    contrast.textContent = low.length
      ? `Below WCAG 2.2 AA contrast: ${low.join('; ')}.`
      : 'These colours meet WCAG 2.2 AA contrast.';
    contrast.classList.toggle('error', low.length > 0);
  }

  /** Replaces the preview widget with one made from the form. */
  function rebuild() {
    const launcher = form.elements.mode.value === 'launcher';
    const el = document.createElement('signpost-chat');
    if (launcher) el.setAttribute('mode', 'launcher');
    for (const [k, v] of changedAttributes()) el.setAttribute(k, v);
    for (const input of colourInputs) el.style.setProperty(input.dataset.prop, input.value);
    // A launcher is fixed to the window's corner; its colours come from the element itself.
    for (const old of document.querySelectorAll('signpost-chat')) old.remove();
    preview.append(el);
    form.elements.position.disabled = !launcher;
    snippet.textContent = snippetText();
    copied.textContent = '';
    checkContrast();
  }

  let timer = 0;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(rebuild, 150);
  };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
  form.addEventListener('reset', () => setTimeout(rebuild, 0));
  form.addEventListener('submit', (e) => e.preventDefault());

  copyButton.addEventListener('click', async () => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(snippet.textContent);
      ok = true;
    } catch {
      const range = document.createRange();
      range.selectNodeContents(snippet);
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try {
        ok = document.execCommand('copy');
      } catch {
        ok = false;
      }
    }
    copied.textContent = ok ? 'Snippet copied.' : 'Could not copy: the snippet is selected, copy it yourself.';
  });

  rebuild();
})();
