// Pieces shared by the live view and the finished-debate view. Agent text is always set as text.
import { h, percent, confidenceText } from './dom.js';

export const TERMINAL = new Set(['completed', 'error', 'cancelled', 'timeout']);

export function answerCard(agent, role, text) {
  const body = h('div', { class: 'text' }, text || '');
  const card = h('article', { class: 'answer', 'data-agent': agent },
    h('header', {}, h('strong', {}, agent), ' ', h('span', { class: 'muted' }, role || '')), body);
  return { card, body };
}

export function severityClass(s) { return s >= 7 ? 'high' : s >= 4 ? 'medium' : 'low'; }

export function critiqueItem(c) {
  return h('li', { class: `critique sev-${severityClass(c.severity)}` },
    h('div', {}, h('strong', {}, c.agent), ' → ', h('strong', {}, c.target), ' ',
      h('span', { class: `sev sev-${severityClass(c.severity)}`, title: 'severity, 0 to 10' }, `severity ${Number(c.severity).toFixed(0)}/10`)),
    c.issues?.length ? h('ul', { class: 'issues', 'aria-label': 'Issues' }, c.issues.map((i) => h('li', {}, i))) : null,
    c.suggestions?.length ? h('ul', { class: 'suggestions', 'aria-label': 'Suggestions' }, c.suggestions.map((s) => h('li', {}, s))) : null);
}

export function voteRow(v) {
  return h('tr', {}, h('td', {}, v.agent), h('td', {}, v.choice), h('td', { class: 'num' }, percent(v.confidence)), h('td', {}, v.reasoning || ''));
}

export function votesTable(votes, caption) {
  const body = h('tbody', {}, votes.map(voteRow));
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'votes' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Voter'), h('th', { scope: 'col' }, 'Choice'),
      h('th', { scope: 'col', class: 'num' }, 'Confidence'), h('th', { scope: 'col' }, 'Reasoning'))),
    body));
  return { table, body };
}

const CONVERGENCE = {
  initial: 'first answers',
  converged: 'converged: answers barely changed',
  refining: 'refining: answers still moving',
  diverging: 'diverging: answers changed a lot',
};

/** ended: the debate is over, so a round without a summary was cut short rather than in progress. */
export function convergenceBadge(summary, ended = false) {
  if (!summary) return ended ? h('span', { class: 'badge warn' }, 'cut short') : h('span', { class: 'badge pending' }, 'in progress');
  const similarity = Object.entries(summary.similarity || {}).map(([a, s]) => `${a} ${percent(s)}`).join(', ');
  return h('span', { class: `badge conv-${summary.convergence}`, title: similarity ? `similarity to the previous answer: ${similarity}` : '' },
    `${CONVERGENCE[summary.convergence] || summary.convergence}${summary.consensus_reached ? ' · votes agree' : ''}${validCounts(summary)}`);
}

/** " · 5/6 critiques, 1/3 votes valid": how much of the round the outcome rests on, when the record says. */
function validCounts(summary) {
  const parts = [['critiques', summary.critiques], ['votes', summary.votes]]
    .filter(([, c]) => c && typeof c.valid === 'number').map(([name, c]) => `${c.valid}/${c.requested} ${name}`);
  return parts.length ? ` · ${parts.join(', ')} valid` : '';
}

export function failureItem(f) {
  return h('li', { class: 'failure' }, h('strong', {}, f.agent), ` failed to ${f.phase}`, f.kind ? ` (${f.kind})` : '', ': ', f.error,
    f.removed ? ' — removed from the panel' : '');
}

/** The consensus card: final answer, confidence, supporters, dissent with reasons. */
export function consensusCard(c, { status } = {}) {
  if (!c) return h('section', { class: 'card final' }, h('h2', {}, 'Final answer'), h('p', { class: 'muted' }, status === 'completed' ? 'No answer.' : 'The debate ended before a final answer.'));
  const dissent = c.dissent || [];
  return h('section', { class: 'card final', 'aria-labelledby': 'final-title' },
    h('h2', { id: 'final-title' }, 'Final answer'),
    h('p', { class: 'verdict' },
      h('span', { class: c.reached ? 'badge ok' : 'badge warn' }, c.reached ? 'Consensus reached' : 'No consensus'), ' ',
      `confidence ${confidenceText(c.confidence)} · ${c.method}`, c.winner ? ` · strongest answer: ${c.winner}` : ''),
    h('div', { class: 'text final-answer' }, c.final_answer || ''),
    c.summary ? h('p', { class: 'muted' }, c.summary) : null,
    h('div', { class: 'sides' },
      h('div', {}, h('h3', {}, 'Supporting'), (c.supporting_agents || []).length
        ? h('ul', { class: 'plain' }, c.supporting_agents.map((a) => h('li', {}, a))) : h('p', { class: 'muted' }, 'none')),
      h('div', {}, h('h3', {}, 'Dissent'), dissent.length || (c.dissenting_agents || []).length
        ? h('ul', { class: 'plain dissent' }, (dissent.length ? dissent : c.dissenting_agents.map((agent) => ({ agent }))).map((d) =>
          h('li', {}, h('strong', {}, d.agent), d.choice ? ` (preferred ${d.choice})` : '', d.reason ? `: ${d.reason}` : '')))
        : h('p', { class: 'muted' }, 'none'))));
}
