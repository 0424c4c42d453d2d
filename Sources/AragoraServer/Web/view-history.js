// Past debates: search by question text, filter by status, pages of 20. The state lives in the URL
// (#/debates?q=...&status=...&page=2), so back, forward and links work.
import { api } from './api.js';
import { fail } from './notice.js';
import { h, replace, confidenceText, when, statusPill } from './dom.js';

const PAGE = 20;
const STATUSES = ['', 'created', 'running', 'completed', 'error', 'cancelled', 'timeout'];

export function renderHistory(view, params) {
  const q = params.get('q') || '';
  const status = params.get('status') || '';
  const page = Math.max(1, Number(params.get('page')) || 1);

  const search = h('input', { type: 'search', id: 'search', name: 'q', value: q, placeholder: 'Words in the question', maxlength: 10000 });
  const filter = h('select', { id: 'status-filter', name: 'status' },
    STATUSES.map((s) => h('option', { value: s, selected: s === status }, s || 'any status')));
  const results = h('div', { id: 'results', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const form = h('form', { class: 'filters', role: 'search' },
    h('div', {}, h('label', { for: 'search' }, 'Search'), search),
    h('div', {}, h('label', { for: 'status-filter' }, 'Status'), filter),
    h('button', { type: 'submit' }, 'Search'));
  view.append(h('section', { class: 'card' }, h('h1', {}, 'Debates'), form, results));

  const go = (next) => {
    const p = new URLSearchParams();
    if (next.q) p.set('q', next.q);
    if (next.status) p.set('status', next.status);
    if (next.page > 1) p.set('page', String(next.page));
    const hash = `#/debates${p.toString() ? `?${p}` : ''}`;
    if (location.hash !== hash) location.hash = hash;
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); go({ q: search.value.trim(), status: filter.value, page: 1 }); });
  filter.addEventListener('change', () => go({ q: search.value.trim(), status: filter.value, page: 1 }));

  const query = new URLSearchParams({ limit: String(PAGE), offset: String((page - 1) * PAGE) });
  if (q) query.set('q', q);
  if (status) query.set('status', status);
  api(`/api/debates?${query}`).then((data) => {
    const items = data.debates || [];
    if (items.length === 0) {
      replace(results, h('p', { class: 'muted' }, q || status ? 'No debate matches.' : 'No debates yet. ', q || status ? null : h('a', { href: '#/new' }, 'Start one.')));
      return;
    }
    const first = (page - 1) * PAGE + 1;
    const last = first + items.length - 1;
    // A search past the server's count limit says "more than N"; the pages go on until one comes back short.
    const exact = data.total_exact !== false;
    const of = exact ? `${data.total}` : `more than ${data.total}`;
    const more = exact ? last < data.total : items.length === PAGE;
    replace(results,
      h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Question'), h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Consensus'), h('th', { scope: 'col' }, 'Started'))),
        h('tbody', {}, items.map((d) => h('tr', {},
          h('td', {}, h('a', { href: `#/debate/${encodeURIComponent(d.id)}` }, d.task)),
          h('td', {}, statusPill(d.status)),
          h('td', {}, d.status === 'completed' ? (d.consensus_reached ? `yes · ${confidenceText(d.confidence)}` : 'no') : ''),
          h('td', {}, when(d.created_at))))))),
      h('nav', { class: 'pager', 'aria-label': 'Pages' },
        h('button', { type: 'button', class: 'ghost', disabled: page <= 1, onclick: () => go({ q, status, page: page - 1 }) }, '← Newer'),
        h('span', { class: 'muted' }, `${first}–${last} of ${of}`),
        h('button', { type: 'button', class: 'ghost', disabled: !more, onclick: () => go({ q, status, page: page + 1 }) }, 'Older →')));
  }).catch((e) => { replace(results, h('p', { class: 'muted' }, 'The debates could not be listed.')); fail(e); });
}
