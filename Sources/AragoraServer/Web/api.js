// Talks to the service's JSON API with the tab's token, and turns failures into messages people can act on.

const TOKEN_KEY = 'aragora.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || '',
  set: (value) => value ? sessionStorage.setItem(TOKEN_KEY, value.trim()) : sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', 'Cannot reach the Aragora server. Is `aragora serve` running?');
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: described below */ }
  if (!response.ok) {
    const retry = Number(response.headers.get('Retry-After')) || data?.retry_after;
    throw new ApiError(response.status, data?.code || `http_${response.status}`,
      data?.error || `The server answered ${response.status} ${response.statusText}`, retry);
  }
  if (data === null && text) throw new ApiError(response.status, 'bad_response', 'The server answered something that is not JSON.');
  return data;
}

/** What to tell the user about a failed call. */
export function describe(error) {
  if (!(error instanceof ApiError)) return String(error?.message || error);
  switch (error.status) {
    case 401:
      if (error.code === 'token_expired') return 'Your token has expired: paste a new one under “Token”.';
      if (error.code === 'invalid_token') return 'The server refused this token: check it under “Token”.';
      return 'This server needs a token: paste one under “Token” (an operator prints one with `aragora token --loop-id admin`).';
    case 403: return `Your token does not allow this: ${error.message}`;
    case 429: return `Too many requests: try again in ${error.retryAfter || 'a few'} seconds.`;
    case 503: return `The service is unavailable or busy: ${error.message}. Try again in a moment.`;
    default: return error.message;
  }
}
