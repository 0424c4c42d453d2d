// Verifies a debate receipt in the browser, independently of the server: the SHA-256 of the payload's canonical
// JSON must equal `digest`, and `signature` must be a valid Ed25519 signature of the digest bytes by `public_key`.
// The canonical form is the server's JSONValue.serialized(): keys sorted, no spaces, integral numbers without a
// fraction, Swift's shortest round-trip text for the others, only ", \ and control characters escaped.

export function canonical(value) {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return number(value);
  if (typeof value === 'string') return string(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value).sort(byCodePoint);
  return `{${keys.map((k) => `${string(k)}:${canonical(value[k])}`).join(',')}}`;
}

function byCodePoint(a, b) {
  const x = [...a].map((c) => c.codePointAt(0));
  const y = [...b].map((c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function number(d) {
  if (!Number.isFinite(d)) return 'null';
  if (Number.isInteger(d) && Math.abs(d) < 1e15) return String(d === 0 ? 0 : d);
  const magnitude = Math.abs(d);
  // Swift writes exponents for |d| < 1e-4 and |d| > 2^53, with at least two exponent digits.
  if (magnitude < 1e-4 || magnitude > 2 ** 53) {
    const [mantissa, exponent] = d.toExponential().split('e');
    const sign = exponent[0] === '-' ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return Number.isInteger(d) ? `${d}.0` : String(d);
}

function string(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20) out += `\\u00${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function hexBytes(hex) {
  if (!/^([0-9a-fA-F]{2})+$/.test(hex || '')) throw new Error('not hex');
  return Uint8Array.from(hex.match(/../g).map((b) => parseInt(b, 16)));
}

function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** -> {ok: true} or {ok: false, reason} */
export async function verifyReceipt(receipt) {
  if (!receipt || typeof receipt !== 'object' || !receipt.payload) return { ok: false, reason: 'no receipt' };
  if (!crypto?.subtle) return { ok: false, reason: 'this browser cannot check signatures here (WebCrypto needs https or localhost)' };
  const text = new TextEncoder().encode(canonical(receipt.payload));
  const digest = hex(await crypto.subtle.digest('SHA-256', text));
  if (digest !== String(receipt.digest).toLowerCase()) {
    return { ok: false, reason: `the content was changed: it hashes to ${digest.slice(0, 16)}…, the receipt says ${String(receipt.digest).slice(0, 16)}…` };
  }
  try {
    const key = await crypto.subtle.importKey('raw', hexBytes(receipt.public_key), { name: 'Ed25519' }, false, ['verify']);
    const signature = Uint8Array.from(atob(receipt.signature), (c) => c.charCodeAt(0));
    const valid = await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, hexBytes(receipt.digest));
    return valid ? { ok: true } : { ok: false, reason: 'the signature does not match the digest and public key' };
  } catch (e) {
    return { ok: false, reason: `cannot check the signature: ${e.message || e.name}` };
  }
}
