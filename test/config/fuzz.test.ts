// A generated corpus of broken stack files: truncated examples, values replaced by arbitrary data,
// random keys. The loader must never throw: every outcome is a structured issue list.
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ISSUE_CODES, type LoadResult, loadStack } from '../../src/config/index.js';
import { tempDir } from '../support/temp.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sources = readdirSync(path.join(root, 'examples'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => readFileSync(path.join(root, 'examples', f), 'utf8'));
const fixtures = readdirSync(new URL('./fixtures/', import.meta.url), { encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8'));
const corpus = [...sources, ...fixtures];

let dir = '';
let n = 0;
beforeAll(async () => {
  dir = tempDir('fuzz');
});

async function load(text: string): Promise<LoadResult> {
  const file = path.join(dir, `case-${n++ % 64}.yaml`);
  await writeFile(file, text);
  return loadStack(file, { mode: n % 2 ? 'apply' : 'validate', env: { HOME: '/home/fuzz' } });
}

function assertStructured(r: LoadResult) {
  expect(Array.isArray(r.issues)).toBe(true);
  for (const i of r.issues) {
    expect(['error', 'warning', 'info']).toContain(i.severity);
    expect(Object.keys(ISSUE_CODES)).toContain(i.code);
    expect(i.severity).toBe(ISSUE_CODES[i.code].severity);
    expect(typeof i.field).toBe('string');
    expect(i.message.length).toBeGreaterThan(0);
    // The loader's last-resort catch reports "internal error": that is a crash, and a test failure.
    expect(i.message).not.toMatch(/^internal error/);
  }
  expect(r.ok).toBe(!r.issues.some((i) => i.severity === 'error'));
  if (r.ok) expect(r.stack).toBeDefined();
}

// Paths to every node of a parsed document, so a mutation can land anywhere.
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) out.push(...paths(x, [...prefix, i]));
  } else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function setAt(data: unknown, p: (string | number)[], value: unknown): unknown {
  if (p.length === 0) return value;
  const copy = structuredClone(data) as Record<string | number, unknown>;
  let cur = copy;
  for (const seg of p.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
  cur[p.at(-1)!] = value;
  return copy;
}

const parsedExamples = sources.map((s) => parse(s) as unknown);
const yamlish = fc.oneof(
  fc.anything({ maxDepth: 2, withNullPrototype: false }),
  fc.constantFrom(
    '',
    '${',
    '${var:X',
    '$$',
    '~',
    '../..',
    'a__b',
    -1,
    0,
    65536,
    Number.POSITIVE_INFINITY,
    true,
    null,
    [],
    {},
  ),
);

describe('broken stack files never crash the loader', () => {
  it('truncations of valid examples and fixtures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...corpus),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (text, cut) => {
          assertStructured(await load(text.slice(0, Math.floor(text.length * cut))));
        },
      ),
      { numRuns: 1200 },
    );
  });

  it('values replaced by arbitrary data (wrong types)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), yamlish, async (ei, pi, value) => {
        const data = parsedExamples[ei % parsedExamples.length];
        const all = paths(data);
        const mutated = setAt(data, all[pi % all.length]!, value);
        assertStructured(await load(stringify(mutated) ?? ''));
      }),
      { numRuns: 1500 },
    );
  });

  it('random keys inserted anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 12 }),
        yamlish,
        async (ei, pi, key, value) => {
          const data = parsedExamples[ei % parsedExamples.length];
          const objects = paths(data).filter((p) => {
            let cur: unknown = data;
            for (const s of p) cur = (cur as Record<string | number, unknown>)[s];
            return cur !== null && typeof cur === 'object' && !Array.isArray(cur);
          });
          const at = objects[pi % objects.length]!;
          let target: unknown = data;
          for (const s of at) target = (target as Record<string | number, unknown>)[s];
          const mutated = setAt(data, at, { ...(target as object), [key]: value });
          assertStructured(await load(stringify(mutated) ?? ''));
        },
      ),
      { numRuns: 800 },
    );
  });

  it('raw byte noise spliced into examples', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...corpus),
        fc.nat(),
        fc.string({ maxLength: 20, unit: 'binary' }),
        async (text, at, noise) => {
          const i = at % (text.length + 1);
          assertStructured(await load(text.slice(0, i) + noise + text.slice(i)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
