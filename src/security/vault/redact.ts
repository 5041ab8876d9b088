// Exact-value redaction: every stored value (4 characters or more) is replaced by [REDACTED]
// wherever it appears, also inside a longer string and in its JSON-escaped form (once and twice
// escaped, as in a JSON log line carrying a JSON payload). Longer variants are tried first at each
// position, so a value that contains another value is hidden whole.
//
// Text that is a JSON document (the logger redacts `JSON.stringify(entry)` and parses the result)
// is redacted value by value (keys and string leaves, and numbers or booleans equal to a value) and
// re-serialised, so the result is always valid JSON, even when a value looks like JSON structure.
// Other text is redacted in place; there a match that starts or ends inside a JSON escape (`\"`,
// `\\`, `\n`, `\u0001`) is widened to the whole escape, so embedded JSON is not left with half an
// escape.
export const REDACTED = '[REDACTED]';
export const MIN_REDACT_LENGTH = 4;

function jsonEscaped(v: string): string {
  return JSON.stringify(v).slice(1, -1);
}

function regexEscape(v: string): string {
  return v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function redactor(values: Iterable<string>): (text: string) => string {
  const variants = new Set<string>();
  for (const v of values) {
    if (typeof v !== 'string' || v.length < MIN_REDACT_LENGTH) continue;
    const once = jsonEscaped(v);
    variants.add(v).add(once).add(jsonEscaped(once));
  }
  if (variants.size === 0) return (text) => text;
  const sorted = [...variants].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const source = sorted.map(regexEscape).join('|');
  const probe = new RegExp(source);
  const pattern = new RegExp(source, 'g');

  const inText = (text: string): string => {
    if (!probe.test(text)) return text;
    let out = '';
    let last = 0;
    for (const m of text.matchAll(pattern)) {
      const matchEnd = m.index + m[0].length;
      if (matchEnd <= last) continue; // inside the previous, widened match
      const start = Math.max(last, escapeStart(text, m.index));
      out += text.slice(last, start) + REDACTED;
      last = escapeEnd(text, matchEnd);
    }
    return out + text.slice(last);
  };

  const deep = (v: unknown): unknown => {
    if (typeof v === 'string') return inText(v);
    if (typeof v === 'number' || typeof v === 'boolean')
      return inText(String(v)) === String(v) ? v : REDACTED;
    if (Array.isArray(v)) return v.map(deep);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [inText(k), deep(x)]));
    }
    return v;
  };

  return (text) => {
    if (typeof text !== 'string' || !probe.test(text)) return text;
    const doc = /^(\s*)([[{"][\s\S]*?)(\s*)$/.exec(text);
    if (doc) {
      let parsed: unknown;
      let ok = false;
      try {
        parsed = JSON.parse(doc[2]!);
        ok = true;
      } catch {
        // not a JSON document: redact as text
      }
      if (ok) return `${doc[1]}${JSON.stringify(deep(parsed))}${doc[3]}`;
    }
    return inText(text);
  };
}

/** How many backslashes directly precede position i; odd means the character at i is escaped. */
function backslashesBefore(text: string, i: number): number {
  let n = 0;
  while (i - n - 1 >= 0 && text[i - n - 1] === '\\') n++;
  return n;
}

const HEX = /^[0-9A-Fa-f]*$/;

/** Start of the escape that position p lies inside (p itself when p starts a character or escape). */
function escapeStart(text: string, p: number): number {
  if (backslashesBefore(text, p) % 2 === 1) return p - 1;
  for (let j = 1; j <= 4; j++) {
    const u = p - j; // the `u` of `\uXXXX` when p is on one of its hex digits
    if (u < 1) break;
    if (text[u] === 'u' && backslashesBefore(text, u) % 2 === 1 && HEX.test(text.slice(u + 1, p + 1)))
      return u - 1;
  }
  return p;
}

/** End (exclusive) of the escape that the character at end-1 belongs to (end itself if none). */
function escapeEnd(text: string, end: number): number {
  const i = end - 1;
  let tokenStart: number | undefined;
  const s = escapeStart(text, i);
  if (s < i) tokenStart = s;
  else if (text[i] === '\\' && backslashesBefore(text, i) % 2 === 0) tokenStart = i;
  if (tokenStart === undefined) return end;
  const len = text[tokenStart + 1] === 'u' ? 6 : 2;
  return Math.max(end, Math.min(text.length, tokenStart + len));
}
