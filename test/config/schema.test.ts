// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are stack-file expansion syntax
// The JSON Schema: generated from the zod schema, committed, accepted by every example and
// rejecting the structurally broken fixtures (rules across fields are the loader's job).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stackJsonSchema } from '../../src/config/index.js';
import { fixture, runCli } from './cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const committed = JSON.parse(readFileSync(path.join(root, 'schema/stack.schema.json'), 'utf8'));

function examples(): string[] {
  const dir = path.join(root, 'examples');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('stack.yaml') || f.endsWith('base.yaml'))
    .map((f) => path.join(dir, f))
    .sort();
}

describe('JSON Schema', () => {
  it('is up to date (run `npm run schema` after changing src/config/schema.ts)', () => {
    expect(committed).toEqual(stackJsonSchema());
  });

  const ajv = new Ajv({ allErrors: true, strict: false });
  const check = ajv.compile(committed);

  it('accepts every example, and every example starts with the schema comment', () => {
    const files = examples();
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text.split('\n')[0], f).toBe('# yaml-language-server: $schema=../../schema/stack.schema.json');
      expect(check(parse(text)), `${f}: ${ajv.errorsText(check.errors)}`).toBe(true);
    }
  });

  it.each([
    'five-errors.yaml',
    'replicas-40.yaml',
    'unknown-transport.yaml',
    'typo-key.yaml',
    'wrong-types.yaml',
  ])('rejects the broken fixture %s', (name) => {
    expect(check(parse(readFileSync(fixture(name), 'utf8')))).toBe(false);
  });
});

describe('examples', () => {
  for (const f of examples()) {
    it(`${path.relative(root, f)} validates clean (exit 0)`, async () => {
      const r = await runCli(['validate', f]);
      expect(r.stdout).toMatch(/^✓ .* is valid\n/);
      expect(r.code).toBe(0);
    });
  }

  it('the quickstart is the npm-only stack the README promises', async () => {
    const stack = parse(readFileSync(path.join(root, 'examples/quickstart/stack.yaml'), 'utf8'));
    expect(stack.name).toBe('quickstart');
    expect(stack.gateway).toBeUndefined();
    expect(stack['mcp-servers']).toEqual([
      { name: 'everything', command: ['npx', '-y', '@modelcontextprotocol/server-everything', 'stdio'] },
      {
        name: 'memory',
        command: ['npx', '-y', '@modelcontextprotocol/server-memory'],
        env: { MEMORY_FILE_PATH: '${TMPDIR:-/tmp}/gridctl-quickstart-memory.jsonl' },
      },
      { name: 'filesystem', command: ['npx', '-y', '@modelcontextprotocol/server-filesystem', '.'] },
    ]);
  });
});
