// The error catalogue (src/errors/) and docs/errors.md list the same codes, the same way, with the
// same message templates and meanings: a code cannot be added, renamed or reworded in one place only.
// Each code is defined once, in src/errors/, and documented once, in docs/errors.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callError, ERROR_META_KEY, formatMessage, rpcError } from '../../src/errors/catalogue.js';
import { allCodes, DOMAINS, docRows } from '../../src/errors/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = join(ROOT, 'docs');
const reference = readFileSync(join(DOCS, 'errors.md'), 'utf8');

/** The table between `<!-- errors:ID:start -->` and its end marker, as rows of cells. */
function documented(id: string): string[][] {
  const start = reference.indexOf(`<!-- errors:${id}:start -->`);
  const end = reference.indexOf(`<!-- errors:${id}:end -->`);
  expect(start, `docs/errors.md has the ${id} table`).toBeGreaterThan(0);
  expect(end, `docs/errors.md closes the ${id} table`).toBeGreaterThan(start);
  return reference
    .slice(start, end)
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .map((l) =>
      l
        .slice(2, -2)
        .split(/ (?<!\\)\| /)
        .map((c) => c.trim()),
    );
}

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) yield p;
  }
}
const SRC = join(ROOT, 'src');
const ERRORS_DIR = join(SRC, 'errors');
const outside = [...sources(SRC)].filter((f) => !f.startsWith(`${ERRORS_DIR}/`));

/** Codes that are not gridctl's: Node's errno and ERR_ codes, the yaml parser's, pin scan findings. */
const FOREIGN = [/^E[A-Z]+$/, /^ERR_[A-Z_]+$/, /^DUPLICATE_KEY$/, /^P\d{3}$/];

describe('error catalogue', () => {
  it('matches docs/errors.md table for table, row for row', () => {
    for (const d of DOMAINS) {
      const { header, rows } = docRows(d);
      const table = documented(d.id);
      expect(table[0], `${d.id} header`).toEqual(header);
      expect(table.slice(2), d.id).toEqual(rows);
    }
  });

  it('defines each code once, across every table', () => {
    const codes = allCodes();
    expect(codes.filter((c, i) => codes.indexOf(c) !== i)).toEqual([]);
  });

  it('is documented once: no other page has a table row for a code', () => {
    const codes = new Set(allCodes());
    const rows: string[] = [];
    for (const f of readdirSync(DOCS).filter((n) => n.endsWith('.md') && n !== 'errors.md')) {
      for (const m of readFileSync(join(DOCS, f), 'utf8').matchAll(/^\|\s*`([A-Za-z_]+)`\s*\|/gm))
        if (codes.has(m[1]!)) rows.push(`${f}: ${m[1]}`);
    }
    expect(rows).toEqual([]);
  });

  it('has no code defined or used outside src/errors/ that the catalogue lacks', () => {
    const known = new Set(allCodes());
    const found: string[] = [];
    const uses = [
      // `code: 'X'`, `code = 'X'`, `err.code === 'X'`
      /\bcode\s*(?:===|!==|=|:)\s*'([A-Z][A-Z0-9_]*)'/g,
      // the REST API's error body written by hand
      /error:\s*\{\s*code:\s*'([a-z_]+)'/g,
      // a coded error or result built with a literal code
      /\b(?:callError|rpcError|coded|isVaultError\(\s*\w+\s*,|new \w+Error\()\s*'([A-Za-z][A-Za-z0-9_]*)'/g,
    ];
    for (const f of outside) {
      const text = readFileSync(f, 'utf8');
      const at = relative(ROOT, f);
      for (const re of uses)
        for (const m of text.matchAll(re)) {
          const code = m[1]!;
          if (!known.has(code) && !FOREIGN.some((r) => r.test(code))) found.push(`${at}: ${code}`);
        }
      // A table of codes, or a union type of code literals, belongs in src/errors/.
      for (const m of text.matchAll(/^\s*[A-Z][A-Z0-9_]+:\s*\{\s*(?:severity|summary)\s*:/gm))
        found.push(`${at}: table ${m[0].trim()}`);
      for (const m of text.matchAll(/'[A-Z][A-Z0-9]*_[A-Z0-9_]+'\s*\|\s*'[A-Z][A-Z0-9]*_[A-Z0-9_]+'/g))
        found.push(`${at}: union ${m[0]}`);
    }
    expect(found).toEqual([]);
  });

  it('src/ throws no bare Error: each one is coded (CodedError) or marked internal (InternalError)', () => {
    const bare: string[] = [];
    for (const f of outside)
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\bthrow new Error\(/.test(line) && !line.trim().startsWith('//'))
            bare.push(`${relative(ROOT, f)}:${i + 1}`);
        });
    expect(bare).toEqual([]);
  });

  it('isError results carry the code in _meta; JSON-RPC errors in data', () => {
    const r = callError('RATE_LIMITED', { scope: 'tool', key: 'a__b', rate: 6, retry: 10 });
    expect(r).toEqual({
      content: [
        { type: 'text', text: 'Rate limit exceeded for tool "a__b": 6 calls/min. Retry after ~10s.' },
      ],
      isError: true,
      _meta: { [ERROR_META_KEY]: { code: 'RATE_LIMITED' } },
    });
    const e = rpcError('UNKNOWN_TOOL', { tool: 'x' });
    expect(e.code).toBe(-32602);
    expect(e.message).toBe('Unknown tool: x');
    expect(e.data).toMatchObject({ code: 'UNKNOWN_TOOL' });
  });

  it('leaves a placeholder visible when a field is missing rather than printing "undefined"', () => {
    expect(formatMessage('SERVER_UNAVAILABLE', {})).toBe('Error: {reason}');
  });
});
