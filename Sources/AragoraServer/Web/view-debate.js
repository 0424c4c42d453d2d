// One debate: followed live over /ws while it runs, then shown whole from its record.
import { api, token } from './api.js';
import { fail, notify } from './notice.js';
import { h, replace, usd, tokens, percent, confidenceText, when, seconds, statusPill } from './dom.js';
import { LiveDebate } from './live.js';
import { TERMINAL, answerCard, critiqueItem, voteRow, votesTable, convergenceBadge, failureItem, consensusCard } from './parts.js';
import { verifyReceipt } from './receipt.js';

export function renderDebate(view, id) {
  const root = h('div', { class: 'debate' }, h('p', { class: 'muted' }, 'Loading the debate…'));
  view.append(root);
  let live = null;
  let disposed = false;

  async function load() {
    let record;
    try {
      record = await api(`/api/debates/${encodeURIComponent(id)}`);
    } catch (e) {
      if (disposed) return;
      replace(root, h('section', { class: 'card' }, h('h1', {}, 'Debate unavailable'), h('p', {}, e.message),
        h('p', {}, h('a', { href: '#/debates' }, 'Back to the debates'))));
      fail(e);
      return;
    }
    if (disposed) return;
    if (TERMINAL.has(record.status)) showRecord(root, record);
    else live = followLive(root, record, () => { if (!disposed) load(); });
  }
  load();
  return () => { disposed = true; live?.stop(); };
}

// MARK: - Live

function followLive(root, record, onEnd) {
  const id = record.id;
  const progress = h('span', { id: 'progress' }, 'Waiting to start…');
  const connection = h('span', { class: 'conn', id: 'connection', role: 'status' }, 'connecting');
  const spend = h('span', { id: 'spend' }, '0 tokens · $0');
  const status = statusPill(record.status);
  const cancel = h('button', { type: 'button', class: 'danger', id: 'cancel' }, 'Cancel debate');
  const meterBar = h('div', { class: 'meter-bar' });
  const meterLabel = h('span', { id: 'meter-label' }, 'No votes yet');
  const meter = h('div', { class: 'meter', role: 'meter', 'aria-label': 'Consensus', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 },
    meterBar);
  const rounds = h('div', { class: 'rounds' });
  const finalText = h('div', { class: 'text final-answer' });
  const finalBox = h('section', { class: 'card final', hidden: true }, h('h2', {}, 'Final answer'), finalText);

  replace(root,
    h('section', { class: 'card head' },
      h('h1', { class: 'question' }, record.task),
      h('p', { class: 'meta' }, status, ' ', progress, ' · ', spend, ' · ', connection),
      h('div', { class: 'consensus-meter' }, h('span', { class: 'meter-title' }, 'Consensus'), meter, meterLabel),
      h('div', { class: 'actions' }, cancel)),
    rounds, finalBox);

  const sections = new Map();  // round -> {section, badge, answers, critiques, votes, errors}
  const cards = new Map();     // `${round}:${agent}` -> {card, body}
  let totalRounds = record.rounds;
  let panel = (record.agents || []).map((a) => a.name);
  const votesByRound = new Map();

  function section(round) {
    if (sections.has(round)) return sections.get(round);
    const badge = h('span', {}, convergenceBadge(null));
    const answers = h('div', { class: 'answers' });
    const critiques = h('ul', { class: 'critiques' });
    const { table, body } = votesTable([], `Votes in round ${round}`);
    table.hidden = true;
    const errors = h('ul', { class: 'failures' });
    const s = h('section', { class: 'card round', 'data-round': round },
      h('h2', {}, `Round ${round}`, ' ', badge), answers,
      h('h3', { class: 'critiques-title', hidden: true }, 'Critiques'), critiques, table, errors);
    rounds.append(s);
    const entry = { section: s, badge, answers, critiques, votes: body, votesWrap: table, errors };
    sections.set(round, entry);
    return entry;
  }

  function card(round, agent, role) {
    const key = `${round}:${agent}`;
    if (!cards.has(key)) {
      const c = answerCard(agent, role);
      section(round).answers.append(c.card);
      cards.set(key, c);
    }
    return cards.get(key);
  }

  function showSpend(usage) {
    if (usage) spend.textContent = `${tokens(usage)} · ${usd(usage.cost_usd)}`;
  }

  function showMeter(round) {
    const votes = votesByRound.get(round) || [];
    const tally = new Map();
    for (const v of votes) tally.set(v.choice, (tally.get(v.choice) || 0) + 1);
    const [leader, count] = [...tally.entries()].sort((a, b) => b[1] - a[1])[0] || [null, 0];
    const share = panel.length ? count / panel.length : 0;
    meterBar.style.width = percent(share);
    meter.setAttribute('aria-valuenow', String(Math.round(share * 100)));
    const confidence = votes.length ? votes.reduce((s, v) => s + v.confidence, 0) / votes.length : 0;
    meterLabel.textContent = leader
      ? `Round ${round}: ${leader} leads with ${count} of ${panel.length} votes (mean confidence ${percent(confidence)})`
      : 'No votes yet';
  }

  function apply(e) {
    const d = e.data || {};
    if (d.debate_usage) showSpend(d.debate_usage);
    switch (e.type) {
      case 'debate_start':
        totalRounds = d.rounds || totalRounds;
        panel = d.agents || panel;
        status.textContent = 'running';
        status.className = 'pill status-running';
        break;
      case 'round_start': {
        totalRounds = d.total_rounds || totalRounds;
        panel = d.agents || panel;
        if (d.previous_round) replace(section(d.previous_round.round).badge, convergenceBadge(d.previous_round));
        section(d.round);
        progress.textContent = `Round ${d.round} of ${totalRounds} · ${d.phase === 'propose' ? 'proposing' : 'revising'}`;
        break;
      }
      case 'token_delta':
        if (d.phase === 'propose' || d.phase === 'revise') {
          const c = card(e.round, e.agent, d.phase === 'propose' ? 'proposing…' : 'revising…');
          c.card.classList.add('streaming');
          c.body.append(d.delta);
        } else {
          finalBox.hidden = false;
          progress.textContent = d.phase === 'judge' ? `${e.agent} is judging` : `${e.agent} is writing the synthesis`;
          finalText.append(d.delta);
        }
        break;
      case 'agent_message': {
        const c = card(e.round, e.agent, d.role);
        c.card.classList.remove('streaming');
        c.card.querySelector('header .muted').textContent = d.role;
        c.body.replaceChildren(d.content);
        break;
      }
      case 'critique': {
        const s = section(e.round);
        s.section.querySelector('.critiques-title').hidden = false;
        s.critiques.append(critiqueItem({ ...d, agent: e.agent, round: e.round }));
        progress.textContent = `Round ${e.round} of ${totalRounds} · critiquing`;
        break;
      }
      case 'vote': {
        const s = section(e.round);
        s.votesWrap.hidden = false;
        const v = { ...d, agent: e.agent, round: e.round };
        s.votes.append(voteRow(v));
        votesByRound.set(e.round, [...(votesByRound.get(e.round) || []), v]);
        progress.textContent = `Round ${e.round} of ${totalRounds} · voting`;
        showMeter(e.round);
        break;
      }
      case 'agent_error':
        section(e.round || d.round || 1).errors.append(failureItem({ ...d, agent: e.agent }));
        if (d.removed) panel = panel.filter((a) => a !== e.agent);
        break;
      case 'consensus':
        for (const summary of d.round_summaries || []) replace(section(summary.round).badge, convergenceBadge(summary));
        finalBox.hidden = false;
        finalText.replaceChildren(d.final_answer || '');
        meterBar.style.width = percent(d.confidence);
        meter.setAttribute('aria-valuenow', String(Math.round((d.confidence || 0) * 100)));
        meterLabel.textContent = `${d.reached ? 'Consensus reached' : 'No consensus'} · confidence ${confidenceText(d.confidence)}`;
        progress.textContent = 'Finishing';
        break;
      case 'synthesis':
        finalBox.hidden = false;
        finalText.replaceChildren(d.content || '');
        break;
      case 'debate_end':
        status.textContent = d.status;
        status.className = `pill status-${d.status}`;
        progress.textContent = d.error ? `Ended: ${d.error}` : 'Ended';
        cancel.hidden = true;
        showSpend(d.usage);
        for (const c of rounds.querySelectorAll('.answer.streaming')) {
          c.classList.remove('streaming');
          c.querySelector('header .muted').textContent = 'stopped before finishing';
        }
        break;
    }
  }

  // What the view applied, on the element: one count per event (a lost or repeated one shows as a mismatch).
  let applied = 0;
  const stream = new LiveDebate(id, {
    onResumed: () => { notify('The debate moved to another server and resumed from its last checkpoint.', 'info'); onEnd(); },
    onEvent: (e) => {
      apply(e);
      root.dataset.applied = String(++applied);
      root.dataset.lastSeq = String(e.seq);
      if (e.type === 'debate_end') setTimeout(onEnd, 300);
    },
    onState: (state, detail) => {
      connection.textContent = { connecting: 'connecting', live: 'live', reconnecting: 'reconnecting…', ended: 'ended', error: 'error' }[state] || state;
      connection.className = `conn conn-${state}`;
      if (detail) notify(detail);
    },
  }).start();

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    cancel.textContent = 'Cancelling…';
    try {
      await api(`/api/debates/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
      notify('Cancel requested: the debate stops at its next step.', 'info');
    } catch (e) {
      fail(e);
      cancel.disabled = false;
      cancel.textContent = 'Cancel debate';
    }
  });
  return stream;
}

// MARK: - Finished

function showRecord(root, r) {
  const byRound = new Map();
  for (let n = 1; n <= (r.rounds_used || 0); n++) byRound.set(n, { messages: [], critiques: [], votes: [], failures: [] });
  const bucket = (n) => { if (!byRound.has(n)) byRound.set(n, { messages: [], critiques: [], votes: [], failures: [] }); return byRound.get(n); };
  for (const m of r.messages || []) bucket(m.round).messages.push(m);
  for (const c of r.critiques || []) bucket(c.round).critiques.push(c);
  for (const v of r.votes || []) bucket(v.round).votes.push(v);
  for (const f of r.failures || []) bucket(f.round).failures.push(f);
  const summaries = new Map((r.round_summaries || []).map((s) => [s.round, s]));
  const receiptResult = h('span', { id: 'receipt-result', class: 'badge pending' }, 'checking…');

  replace(root,
    h('section', { class: 'card head' },
      h('h1', { class: 'question' }, r.task),
      h('p', { class: 'meta' }, statusPill(r.status), ` ${r.rounds_used} of ${r.rounds} rounds · ${seconds(r.duration_seconds)} · `,
        `${tokens(r.usage)} · ${usd(r.usage?.cost_usd)} · started ${when(r.created_at)}`),
      r.context ? h('details', {}, h('summary', {}, 'Context'), h('div', { class: 'text' }, r.context)) : null,
      r.error ? h('p', { class: 'error-box' }, `Ended with: ${r.error}`) : null),
    consensusCard(r.consensus, { status: r.status }),
    h('section', { class: 'card' }, h('h2', {}, 'Transcript'),
      byRound.size === 0 ? h('p', { class: 'muted' }, 'Nothing was said before the debate ended.') : null,
      [...byRound.entries()].sort((a, b) => a[0] - b[0]).map(([n, b]) => h('section', { class: 'round', 'data-round': n },
        h('h3', {}, `Round ${n} `, convergenceBadge(summaries.get(n), true)),
        h('div', { class: 'answers' }, b.messages.map((m) => answerCard(m.agent, m.role, m.content).card)),
        b.critiques.length ? h('h4', {}, 'Critiques') : null,
        b.critiques.length ? h('ul', { class: 'critiques' }, b.critiques.map(critiqueItem)) : null,
        b.votes.length ? votesTable(b.votes, `Votes in round ${n}`).table : null,
        b.failures.length ? h('ul', { class: 'failures' }, b.failures.map(failureItem)) : null))),
    usageCard(r),
    h('section', { class: 'card', 'aria-labelledby': 'receipt-title' },
      h('h2', { id: 'receipt-title' }, 'Receipt'),
      r.receipt
        ? [h('p', {}, 'Verification in this browser: ', receiptResult),
          h('dl', { class: 'kv' }, h('dt', {}, 'Digest (SHA-256)'), h('dd', { class: 'mono' }, r.receipt.digest),
            h('dt', {}, 'Signed with'), h('dd', { class: 'mono' }, `${r.receipt.algorithm} · key ${r.receipt.public_key}`))]
        : h('p', { class: 'muted' }, 'This debate has no receipt.'),
      r.receipt
        ? h('p', {}, 'Open Decision Receipt: ',
          h('button', { type: 'button', class: 'ghost', id: 'receipt-odr', onclick: () => download(r.id, 'odr') }, 'Download ODR'),
          ' signed with this server\'s key; anyone can check it offline with ', h('code', {}, 'aragora-verify FILE --pubkey KEY'),
          ' (', h('a', { id: 'receipt-key', href: '/api/receipt-key?format=pem', download: 'aragora-receipt-key.pem' }, 'the public key'), ').')
        : null,
      h('h3', {}, 'Export'),
      h('div', { class: 'actions' }, ['json', 'md', 'html', 'csv', 'txt'].map((f) =>
        h('button', { type: 'button', class: 'ghost', onclick: () => download(r.id, f) }, f.toUpperCase())))));

  if (r.receipt) {
    verifyReceipt(r.receipt).then((result) => {
      receiptResult.className = result.ok ? 'badge ok' : 'badge bad';
      receiptResult.textContent = result.ok ? '✓ intact and signed by the key shown' : `✗ ${result.reason}`;
    });
  }
}

function usageCard(r) {
  const rows = Object.entries(r.usage_by_agent || {}).sort((a, b) => a[0].localeCompare(b[0]));
  return h('section', { class: 'card' }, h('h2', {}, 'Usage and cost'),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Agent'), h('th', { scope: 'col', class: 'num' }, 'Input tokens'),
        h('th', { scope: 'col', class: 'num' }, 'Output tokens'), h('th', { scope: 'col', class: 'num' }, 'Cost'))),
      h('tbody', {}, rows.map(([agent, u]) => h('tr', {}, h('td', {}, agent), h('td', { class: 'num' }, (u.input_tokens || 0).toLocaleString()),
        h('td', { class: 'num' }, (u.output_tokens || 0).toLocaleString()), h('td', { class: 'num' }, usd(u.cost_usd))))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), h('td', { class: 'num' }, (r.usage?.input_tokens || 0).toLocaleString()),
        h('td', { class: 'num' }, (r.usage?.output_tokens || 0).toLocaleString()), h('td', { class: 'num' }, usd(r.usage?.cost_usd)))))));
}

/** Exports need the token, so they are fetched and handed to the browser as a file. `odr`: the Open Decision Receipt. */
async function download(id, format) {
  const headers = {};
  if (token.get()) headers.Authorization = `Bearer ${token.get()}`;
  const path = format === 'odr' ? `/api/debates/${encodeURIComponent(id)}/receipt?format=odr` : `/api/debates/${encodeURIComponent(id)}/export/${format}`;
  try {
    const response = await fetch(path, { headers });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw Object.assign(new Error(body.error || `export failed (${response.status})`), { status: response.status, code: body.code });
    }
    const url = URL.createObjectURL(await response.blob());
    const a = h('a', { href: url, download: format === 'odr' ? `${id}.odr.json` : `${id}.${format}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    fail(e);
  }
}
