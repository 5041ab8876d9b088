// Go-style durations ("1m30s", "500ms", "2h"), the form the reference design uses for every timeout.
import { coded } from '../errors/coded.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Anchored pattern for a non-negative duration; shared by the schema (and so the JSON Schema). */
export const DURATION_PATTERN = /^(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;

/** Milliseconds for a duration string; throws on anything that is not a Go duration. */
export function parseDuration(s: string): number {
  const text = s.trim();
  if (text === '0') return 0;
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '') throw coded('INVALID_FORMAT', `invalid duration "${s}"`);
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(rest); m !== null; m = PART.exec(rest)) {
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? Number.NaN);
    consumed = PART.lastIndex;
  }
  if (consumed !== rest.length || Number.isNaN(total))
    throw coded('INVALID_FORMAT', `invalid duration "${s}"`);
  return sign * total;
}

export function isDuration(s: string): boolean {
  try {
    parseDuration(s);
    return true;
  } catch {
    return false;
  }
}
