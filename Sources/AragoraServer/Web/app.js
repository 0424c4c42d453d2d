// The page's shell: hash routes (#/new, #/debates, #/debate/<id>, #/leaderboard), the token field and the notice.
import { token } from './api.js';
import { notify, onTokenNeeded } from './notice.js';
import { renderNew } from './view-new.js';
import { renderHistory } from './view-history.js';
import { renderDebate } from './view-debate.js';
import { renderLeaderboard } from './view-leaderboard.js';

const view = document.getElementById('view');
let cleanup = null;

function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  notify('');
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query || '');
  for (const link of document.querySelectorAll('[data-nav]')) {
    const current = link.dataset.nav === (parts[0] === 'debate' ? 'debates' : parts[0] || 'new');
    if (current) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  view.replaceChildren();
  let result;
  if (parts[0] === 'debate' && parts[1]) result = renderDebate(view, decodeURIComponent(parts[1]));
  else if (parts[0] === 'debates') result = renderHistory(view, params);
  else if (parts[0] === 'leaderboard') result = renderLeaderboard(view);
  else result = renderNew(view);
  cleanup = typeof result === 'function' ? result : null;
  view.focus({ preventScroll: true });
}

// MARK: token field

const panel = document.getElementById('token-panel');
const toggle = document.getElementById('token-toggle');
const input = document.getElementById('token-input');

function showTokenState() {
  toggle.textContent = token.get() ? 'Token ✓' : 'Token';
  toggle.title = token.get() ? 'A token is set for this tab' : 'No token set';
}

function openTokenPanel() {
  panel.hidden = false;
  toggle.setAttribute('aria-expanded', 'true');
  input.focus();
}

toggle.addEventListener('click', () => {
  if (panel.hidden) openTokenPanel();
  else { panel.hidden = true; toggle.setAttribute('aria-expanded', 'false'); }
});
panel.addEventListener('submit', (event) => {
  event.preventDefault();
  token.set(input.value);
  input.value = '';
  panel.hidden = true;
  toggle.setAttribute('aria-expanded', 'false');
  showTokenState();
  notify('Token saved for this tab.', 'info');
  route();
});
document.getElementById('token-clear').addEventListener('click', () => {
  token.set('');
  input.value = '';
  showTokenState();
  notify('Token cleared.', 'info');
});

fetch('/api/health').then((r) => r.json()).then((health) => {
  document.getElementById('server-info').textContent =
    `Aragora ${health.version} · ${health.instance_id} · database ${health.checks?.database?.backend || '?'} · ${health.status}`;
}).catch(() => {});

showTokenState();
onTokenNeeded(openTokenPanel);
window.addEventListener('hashchange', route);
if (!location.hash) history.replaceState(null, '', '#/new');
route();
