// The message line above the view: errors people can act on, and short confirmations.
import { describe } from './api.js';

const notice = () => document.getElementById('notice');
let askForToken = () => {};

/** kind: 'error' | 'info'; an empty message hides the line. */
export function notify(message, kind = 'error') {
  const el = notice();
  el.textContent = message;
  el.className = `notice ${kind}`;
  el.hidden = !message;
}

/** Shows why a call failed; a 401 also opens the token field. */
export function fail(error) {
  notify(describe(error));
  if (error?.status === 401) askForToken();
}

export function onTokenNeeded(handler) { askForToken = handler; }
