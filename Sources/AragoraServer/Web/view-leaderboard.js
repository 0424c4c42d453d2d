// Agents ranked by ELO (start 1500, K = 32).
import { api } from './api.js';
import { fail } from './notice.js';
import { h, replace, percent } from './dom.js';

export function renderLeaderboard(view) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  view.append(h('section', { class: 'card' }, h('h1', {}, 'Leaderboard'),
    h('p', { class: 'muted' }, 'Every finished debate updates the ratings of its agents: ELO starts at 1500, K = 32.'), body));
  api('/api/leaderboard?limit=100').then((data) => {
    const rows = data.leaderboard || data.agents || [];
    if (rows.length === 0) { replace(body, h('p', { class: 'muted' }, 'No rated agents yet: finish a debate first.')); return; }
    replace(body, h('div', { class: 'table-wrap' }, h('table', { id: 'leaderboard' },
      h('thead', {}, h('tr', {}, ['Rank', 'Agent', 'ELO', 'Wins', 'Losses', 'Draws', 'Debates', 'Win rate'].map((t, i) =>
        h('th', { scope: 'col', class: i === 1 ? null : 'num' }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', {},
        h('td', { class: 'num' }, r.rank), h('td', {}, r.name || r.agent), h('td', { class: 'num' }, Math.round(r.elo)),
        h('td', { class: 'num' }, r.wins), h('td', { class: 'num' }, r.losses), h('td', { class: 'num' }, r.draws ?? 0),
        h('td', { class: 'num' }, r.debates), h('td', { class: 'num' }, percent(r.win_rate))))))));
  }).catch((e) => { replace(body, h('p', { class: 'muted' }, 'The leaderboard could not be loaded.')); fail(e); });
}
