// Exact-value redaction: every stored value (4 characters or more) is replaced by [REDACTED]
// wherever it appears, also inside a longer string and in its JSON-escaped form (once and twice
// escaped, as in a JSON log line carrying a JSON payload). Longer variants are tried first at each
// position, so a value that contains another value is hidden whole, and an escaped form is never cut
// in half (which would leave a broken JSON escape behind).
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
  const pattern = new RegExp(sorted.map(regexEscape).join('|'), 'g');
  return (text) => (typeof text === 'string' ? text.replace(pattern, REDACTED) : text);
}
