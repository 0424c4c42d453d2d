// Builds DOM nodes. Every string becomes a text node or an attribute value: nothing here parses HTML, so text
// from agents (untrusted) can never become markup or script. The page's CSP also requires Trusted Types, which
// makes any innerHTML assignment throw.

/** h('p', {class: 'x', onclick: fn}, 'text', child, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function usd(value) {
  const v = Number(value) || 0;
  if (v === 0) return '$0';
  return v < 0.01 ? `$${v.toFixed(4)}` : `$${v.toFixed(2)}`;
}

export function tokens(usage) {
  if (!usage) return '0 tokens';
  const n = (usage.input_tokens || 0) + (usage.output_tokens || 0);
  return `${n.toLocaleString()} tokens${usage.estimated ? ' (estimated)' : ''}`;
}

export function percent(x) { return `${Math.round((Number(x) || 0) * 100)}%`; }
/** A confidence someone gave, or "not given" (null): never a default shown as a figure. */
export function confidenceText(x) { return x === null || x === undefined ? 'not given' : percent(x); }

/** ISO text or unix seconds -> local date and time. */
export function when(value) {
  if (value == null) return '';
  const d = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return isNaN(d) ? String(value) : d.toLocaleString();
}

export function seconds(s) {
  if (s == null) return '';
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(1)} s`;
}

export function statusPill(status) {
  return h('span', { class: `pill status-${status}` }, status);
}
