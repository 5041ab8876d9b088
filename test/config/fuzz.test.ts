// A generated corpus of broken stack files: truncated examples, values replaced by arbitrary data,
// random keys. The loader must never throw: every outcome is a structured issue list.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Document, parse, stringify, type YAMLMap } from 'yaml';
import { ISSUE_CODES, type LoadResult, loadStack } from '../../src/config/index.js';
import { NAME_MAX, nameProblem } from '../../src/config/names.js';
import { runCli } from '../support/cli.js';
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

/** Paths to every mapping of a parsed document. */
function mappings(data: unknown): (string | number)[][] {
  return paths(data).filter((p) => {
    let cur: unknown = data;
    for (const s of p) cur = (cur as Record<string | number, unknown>)[s];
    return cur !== null && typeof cur === 'object' && !Array.isArray(cur);
  });
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
          const objects = mappings(data);
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

// Names as they reach container, DNS, tool and file names: any length, any character.
const anyName = fc.oneof(
  fc.string({ maxLength: 300, unit: 'binary' }),
  fc.string({ minLength: 20, maxLength: 300, unit: fc.constantFrom('a', 'Z', '0', '-', '_', '.') }),
  fc.constantFrom(
    '..',
    '../../etc/x',
    'a/b',
    'a\u0000b',
    `a${'b'.repeat(254)}`,
    'x'.repeat(24),
    'x'.repeat(25),
  ),
);
const nameLimit = (p: (string | number)[]) => (p.length === 1 ? NAME_MAX.stack : NAME_MAX.server);

describe('names of random lengths and characters', () => {
  it('a stack is valid only when each name fits its limit and its characters; else a coded issue at it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), anyName, async (ei, pick, name) => {
        // Examples with `extends` stop at their (here unreachable) parent before names are checked.
        const standalone = parsedExamples.filter((d) => !(d as { extends?: string }).extends);
        const data = standalone[ei % standalone.length] as Record<string, unknown[]>;
        const spots: (string | number)[][] = [
          ['name'],
          ...(data['mcp-servers'] ?? []).map((_, i) => ['mcp-servers', i, 'name']),
          ...(data.resources ?? []).map((_, i) => ['resources', i, 'name']),
        ];
        const at = spots[pick % spots.length]!;
        const r = await load(stringify(setAt(data, at, name)));
        assertStructured(r);
        const field = at.length === 1 ? 'name' : `${at[0]}[${at[1]}].name`;
        const bad = name.length > nameLimit(at) || nameProblem(name) !== undefined;
        if (bad) expect(r.issues.some((i) => i.field === field && i.severity === 'error')).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe('mutated bytes, extends targets and anchors', () => {
  it('bytes flipped, dropped or repeated anywhere in an example (invalid UTF-8 too)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...corpus),
        fc.array(
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'drop', 'dup')),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        async (text, edits) => {
          let bytes = Buffer.from(text);
          for (const [at, byte, op] of edits) {
            const i = at % Math.max(1, bytes.length);
            if (op === 'set') bytes[i] = byte;
            else if (op === 'drop') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
            else bytes = Buffer.concat([bytes.subarray(0, i + 1), bytes.subarray(i)]);
          }
          const file = path.join(dir, `bytes-${n++ % 64}.yaml`);
          await writeFile(file, bytes);
          assertStructured(await loadStack(file, { env: { HOME: '/home/fuzz' } }));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('extends at files that are not stack files ends at once, with a coded issue at `extends`', async () => {
    const fifo = path.join(dir, 'parent.fifo');
    execFileSync('mkfifo', [fifo]);
    const targets = fc.oneof(
      fc.constantFrom(fifo, '/dev/zero', '/dev/urandom', '/etc/passwd', dir, '/nonexistent/x.yaml'),
      fc.string({ minLength: 1, maxLength: 5000, unit: 'binary' }),
      fc.string({ minLength: 250, maxLength: 300 }).map((s) => `${s.replace(/[/\0]/g, 'x')}.yaml`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...sources), targets, async (text, target) => {
        const data = parse(text) as Record<string, unknown>;
        const started = Date.now();
        const r = await load(stringify({ ...data, extends: target }));
        expect(Date.now() - started).toBeLessThan(2000);
        assertStructured(r);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('`<<` keys and aliases spliced into examples', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), yamlish, fc.boolean(), async (ei, pi, value, asMerge) => {
        const data = parsedExamples[ei % parsedExamples.length];
        const objects = mappings(data);
        const doc = new Document(setAt(data, objects[pi % objects.length]!, {}));
        // Anchor the root's first value and merge (or alias) it into the chosen mapping.
        const target = doc.getIn(objects[pi % objects.length]!) as YAMLMap;
        const first = (doc.contents as YAMLMap).items[0]?.value as { anchor?: string } | undefined;
        if (first && target) {
          first.anchor = 'a';
          target.add(doc.createPair(asMerge ? '<<' : 'copy', doc.createAlias(first as never, 'a')));
          target.add(doc.createPair('x', value));
        }
        assertStructured(await load(doc.toString()));
      }),
      { numRuns: 300 },
    );
  });

  it('what validate prints about garbage holds no control characters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...corpus),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }),
        async (text, at, noise) => {
          const file = path.join(dir, `print-${n++ % 64}.yaml`);
          const i = at % (text.length + 1);
          await writeFile(file, text.slice(0, i) + noise + text.slice(i));
          const r = await runCli(['validate', file], { env: { HOME: '/home/fuzz' } });
          expect(r.stdout).not.toMatch(/(?![\n])\p{Cc}/u);
          expect(r.stderr).toBe('');
        },
      ),
      { numRuns: 150 },
    );
  });
});
