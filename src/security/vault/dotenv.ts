// The .env format `var import` reads and `var export` writes.
//
// Reading: blank lines and `#` comments are skipped; an optional `export ` prefix; `KEY=VALUE` with
// optional spaces around `=`. Values are literal (no `$VAR` expansion):
//   unquoted   trimmed; a `#` at its start or after whitespace begins a comment
//   '...'      verbatim, may span lines
//   `...`      verbatim, may span lines
//   "..."      may span lines; escapes \n \r \t \" \\ \$ (any other \x stays as written)
// Text after a closing quote may only be whitespace or a comment. A later duplicate key wins.
// Errors name the line, never its value.
import { isValidKey } from './names.js';

export interface DotenvEntry {
  key: string;
  value: string;
  line: number;
}

export class DotenvError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'DotenvError';
  }
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

export function parseDotenv(text: string): DotenvEntry[] {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const out: DotenvEntry[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  while (i < n) {
    const startLine = line;
    // One logical entry per iteration; `i` starts at the beginning of a line.
    let eol = src.indexOf('\n', i);
    if (eol < 0) eol = n;
    const raw = src.slice(i, eol);
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i = eol + 1;
      line++;
      continue;
    }
    const m = /^\s*(?:export\s+)?([^=\s]+)\s*=[ \t]*/.exec(raw);
    if (!m) throw new DotenvError(startLine, 'expected KEY=VALUE');
    const key = m[1]!;
    if (!isValidKey(key)) {
      throw new DotenvError(
        startLine,
        `invalid variable name ${JSON.stringify(key)}: use letters, digits and underscores, not starting with a digit`,
      );
    }
    let j = i + m[0].length;
    const quote = src[j];
    let value: string;
    if (quote === '"' || quote === "'" || quote === '`') {
      j++;
      let buf = '';
      for (;;) {
        if (j >= n) throw new DotenvError(startLine, `unterminated ${quote}-quoted value`);
        const c = src[j]!;
        if (c === quote) {
          j++;
          break;
        }
        if (c === '\n') line++;
        if (quote === '"' && c === '\\' && j + 1 < n) {
          const next = src[j + 1]!;
          const mapped = ESCAPES[next];
          if (mapped !== undefined) {
            buf += mapped;
            j += 2;
            continue;
          }
        }
        buf += c;
        j++;
      }
      value = buf;
      let rest = src.indexOf('\n', j);
      if (rest < 0) rest = n;
      const tail = src.slice(j, rest).trim();
      if (tail !== '' && !tail.startsWith('#')) {
        throw new DotenvError(startLine, 'unexpected text after the closing quote');
      }
      i = rest + 1;
      line++;
    } else {
      let v = src.slice(j, eol);
      const hash = /(^|\s)#/.exec(v);
      if (hash) v = v.slice(0, hash.index);
      value = v.trim();
      i = eol + 1;
      line++;
    }
    out.push({ key, value, line: startLine });
  }
  return out;
}

const PLAIN = /^[A-Za-z0-9_\-.,:/@+%^~]*$/;

/** One `KEY=VALUE` line that parseDotenv reads back to exactly the same value. */
export function formatDotenvLine(key: string, value: string): string {
  if (value === '') return `${key}=`;
  if (PLAIN.test(value)) return `${key}=${value}`;
  // Single quotes are verbatim here and in most other .env readers (no $ expansion).
  if (!value.includes("'") && !value.includes('\n') && !value.includes('\r')) return `${key}='${value}'`;
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\$/g, '\\$')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `${key}="${escaped}"`;
}

export function formatDotenv(vars: Record<string, string>): string {
  return Object.keys(vars)
    .sort()
    .map((k) => `${formatDotenvLine(k, vars[k]!)}\n`)
    .join('');
}
