// Start a debate: question, context, agents (from /api/agents), rounds, consensus method, budget.
import { api } from './api.js';
import { fail } from './notice.js';
import { h, usd, statusPill, when } from './dom.js';

const METHODS = [
  ['judge', 'Judge: one agent weighs the answers and writes the final one'],
  ['majority', 'Majority of votes'],
  ['supermajority', 'Supermajority (two thirds)'],
  ['unanimous', 'Unanimous'],
  ['weighted', 'Weighted by ELO'],
  ['none', 'None: a synthesis of the answers'],
];

export function renderNew(view) {
  const agentsBox = h('div', { class: 'agents', id: 'agent-list' }, h('p', { class: 'muted' }, 'Loading agents…'));
  const question = h('textarea', { id: 'question', name: 'question', required: true, maxlength: 10000, rows: 3,
    placeholder: 'e.g. Should we move our monolith to microservices?' });
  const context = h('textarea', { id: 'context', name: 'context', maxlength: 100000, rows: 4,
    placeholder: 'Background the agents should know (optional)' });
  const rounds = h('input', { id: 'rounds', name: 'rounds', type: 'number', min: 1, max: 12, value: 3, required: true });
  const method = h('select', { id: 'consensus', name: 'consensus' }, METHODS.map(([v, label]) => h('option', { value: v }, label)));
  const budget = h('input', { id: 'budget', name: 'budget', type: 'number', min: 0, step: '0.01', placeholder: 'no limit' });
  const extra = h('input', { id: 'extra-agents', name: 'extra', type: 'text', spellcheck: 'false',
    placeholder: 'e.g. openai-api|gpt-5, anthropic-api|claude-sonnet-4-5|skeptic' });
  const submit = h('button', { type: 'submit', id: 'start' }, 'Start debate');
  const count = h('span', { class: 'muted', id: 'agent-count', 'aria-live': 'polite' });

  const form = h('form', { class: 'card form', id: 'new-debate', novalidate: true },
    h('h1', {}, 'Ask the panel'),
    h('p', { class: 'muted' }, 'A panel of AI agents proposes answers, critiques each other, revises and votes. You get the final answer, its confidence, the dissent, the transcript, the cost and a signed receipt.'),
    h('label', { for: 'question' }, 'Question'), question,
    h('details', {}, h('summary', {}, 'Add context'), h('label', { for: 'context', class: 'sr-only' }, 'Context'), context),
    h('fieldset', {}, h('legend', {}, 'Agents ', count), agentsBox,
      h('label', { for: 'extra-agents' }, 'More agents by spec ', h('span', { class: 'hint' }, '(optional, comma-separated: provider|model|persona)')), extra),
    h('div', { class: 'grid3' },
      h('div', {}, h('label', { for: 'rounds' }, 'Rounds'), rounds),
      h('div', {}, h('label', { for: 'consensus' }, 'Consensus'), method),
      h('div', {}, h('label', { for: 'budget' }, 'Budget (USD)'), budget)),
    h('div', { class: 'actions' }, submit));

  const running = h('section', { class: 'card', 'aria-labelledby': 'running-title' },
    h('h2', { id: 'running-title' }, 'Running now'), h('p', { class: 'muted' }, 'Loading…'));
  view.append(form, running);

  const selected = () => [...agentsBox.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
  const extras = () => extra.value.split(',').map((s) => s.trim()).filter(Boolean);
  const updateCount = () => { count.textContent = `(${selected().length + extras().length} chosen, 2 to 10)`; };
  agentsBox.addEventListener('change', updateCount);
  extra.addEventListener('input', updateCount);

  api('/api/agents').then((data) => {
    const panel = new Set(data.default_panel || []);
    const rows = (data.agents || []).map((a) => {
      const id = `agent-${a.spec}`.replace(/[^A-Za-z0-9_-]/g, '_');
      const price = !a.price ? '' : a.price.input_per_mtok || a.price.output_per_mtok
        ? `${usd(a.price.input_per_mtok)} in / ${usd(a.price.output_per_mtok)} out per million tokens` : 'no charge';
      const inPanel = panel.has(a.spec) || [...panel].some((p) => p.replace('||', ':') === a.spec);
      return h('div', { class: 'agent' },
        h('input', { type: 'checkbox', id, value: a.spec, checked: inPanel, disabled: !a.available }),
        h('label', { for: id }, h('strong', {}, a.name), ' ',
          h('span', { class: 'muted' }, `${a.provider} · ${a.model} · ELO ${Math.round(a.elo ?? 1500)}`),
          h('span', { class: 'hint' }, [price, a.available ? '' : `unavailable${a.missing ? `: set ${a.missing}` : ''}`].filter(Boolean).join(' · '))));
    });
    agentsBox.replaceChildren(...rows);
    updateCount();
  }).catch((e) => { agentsBox.replaceChildren(h('p', { class: 'muted' }, 'Agents could not be listed.')); fail(e); });

  api('/api/debates/active').then((data) => {
    const items = data.debates || [];
    running.replaceChildren(h('h2', { id: 'running-title' }, 'Running now'), items.length === 0
      ? h('p', { class: 'muted' }, 'No debate is running.')
      : h('ul', { class: 'plain' }, items.slice(0, 10).map((d) => h('li', {}, statusPill(d.status), ' ',
        h('a', { href: `#/debate/${encodeURIComponent(d.id)}` }, d.task), h('span', { class: 'muted' }, ` · ${d.phase || ''} · ${when(d.created_at)}`)))));
  }).catch(() => running.remove());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = question.value.trim();
    const agents = [...selected(), ...extras()];
    if (!text) { fail(new Error('Write a question first.')); question.focus(); return; }
    if (agents.length < 2 || agents.length > 10) { fail(new Error('Choose between 2 and 10 agents.')); return; }
    const body = { question: text, agents, rounds: Number(rounds.value), consensus: method.value };
    if (context.value.trim()) body.context = context.value.trim();
    if (budget.value !== '') body.budget_limit_usd = Number(budget.value);
    submit.disabled = true;
    submit.textContent = 'Starting…';
    try {
      const created = await api('/api/debates', { method: 'POST', body });
      location.hash = `#/debate/${encodeURIComponent(created.debate_id)}`;
    } catch (e) {
      fail(e);
      submit.disabled = false;
      submit.textContent = 'Start debate';
    }
  });
}
