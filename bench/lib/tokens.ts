// The token scenario: what output_format and client scoping save a model, in tokens of a real BPE
// tokenizer (cl100k_base, the encoding the reference's embedded counter uses; o200k_base alongside).
// Real tool results come from the npm servers through gridctl, and are re-encoded with the gateway's
// own formatResult, i.e. exactly what `output_format: toon|csv` answers. The data are fixed (same in
// quick and full runs), so the figures are reproducible: only the servers' versions move them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { formatResult } from '../../src/gateway/pipeline/output-format/output-format.js';
import type { ToolResult } from '../../src/gateway/pipeline/types.js';
import { EVERYTHING_JS, fixtureUpstream, ROOT, startPath, type UpstreamSpec } from './paths.js';
import type { Ctx } from './scenarios.js';

export interface TokenRow {
  /** server__tool and what was asked */
  call: string;
  /** UTF-8 bytes of the JSON text as the server sent it */
  bytes: number;
  /** cl100k_base tokens of the text content, per format (what the model reads); `compact` is the
   * same JSON without whitespace, to tell how much of a saving is only the servers' indentation */
  tokens: Record<Measured, number>;
  /** o200k_base tokens, same */
  tokensO200k: Record<Measured, number>;
  /** formats that left the text as it was (not JSON, or not a fit for the format) */
  unchanged: Array<'toon' | 'csv'>;
}

export interface ListRow {
  view: string;
  tools: number;
  bytes: number;
  tokens: number;
  tokensO200k: number;
  /** The row this one's ratio is taken against (default: the first, the unscoped quickstart list). */
  base?: string;
}

export interface TokenReport {
  tokenizer: string;
  results: TokenRow[];
  lists: ListRow[];
  notes: string[];
}

const NM = join(ROOT, 'node_modules', '@modelcontextprotocol');
const FORMATS = ['toon', 'csv'] as const;
type Measured = 'json' | 'compact' | 'toon' | 'csv';

/** A small project tree for the filesystem server: 3 folders of sources, docs, tests. */
function seedTree(root: string): void {
  const folders: Record<string, string[]> = {
    'src/gateway': ['gateway', 'catalog', 'session', 'replica', 'autoscaler', 'groups', 'http', 'uri'],
    'src/config': ['schema', 'load', 'issues', 'names', 'semantics', 'expand'],
    'src/cli': ['main', 'apply', 'status', 'logs', 'validate'],
    docs: ['configuration', 'gateway', 'cli', 'api', 'performance', 'architecture'],
    'test/gateway': ['groups', 'relay', 'sessions', 'health'],
  };
  for (const [dir, names] of Object.entries(folders)) {
    mkdirSync(join(root, dir), { recursive: true });
    names.forEach((n, i) => {
      const ext = dir === 'docs' ? 'md' : dir.startsWith('test') ? 'test.ts' : 'ts';
      writeFileSync(join(root, dir, `${n}.${ext}`), `// ${n}\n${'x'.repeat(200 + 137 * i)}\n`);
    });
  }
}

const PEOPLE = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Ken', 'Dennis', 'Margaret', 'John'];
const PROJECTS = ['Engine', 'Compiler', 'Kernel', 'Shell', 'Editor', 'Database', 'Network', 'Scheduler'];

function memoryData() {
  const entities = [
    ...PEOPLE.map((name, i) => ({
      name,
      entityType: 'person',
      observations: [
        `joined in ${1950 + i * 3}`,
        `works on ${PROJECTS[i % PROJECTS.length]}`,
        'prefers email',
      ],
    })),
    ...PROJECTS.map((name, i) => ({
      name,
      entityType: 'project',
      observations: [`status: ${i % 3 === 0 ? 'active' : 'maintenance'}`, `language: ${i % 2 ? 'C' : 'Go'}`],
    })),
  ];
  const relations = PEOPLE.flatMap((p, i) => [
    { from: p, to: PROJECTS[i % PROJECTS.length]!, relationType: 'works_on' },
    { from: p, to: PEOPLE[(i + 1) % PEOPLE.length]!, relationType: 'reviews_for' },
  ]);
  return { entities, relations };
}

function textOf(result: ToolResult): string {
  const content = Array.isArray(result.content)
    ? (result.content as Array<{ type?: string; text?: string }>)
    : [];
  return content
    .filter((c) => c.type === 'text' && typeof c.text === 'string')
    .map((c) => c.text)
    .join('\n');
}

function measure(call: string, result: ToolResult): TokenRow {
  if (result.isError) throw new Error(`${call} answered isError: ${textOf(result).slice(0, 200)}`);
  const json = textOf(result);
  const texts: Record<Measured, string> = { json, compact: compactJson(json), toon: json, csv: json };
  const unchanged: TokenRow['unchanged'] = [];
  for (const f of FORMATS) {
    const out = formatResult(result, f);
    texts[f] = textOf(out);
    if (out === result) unchanged.push(f);
  }
  const count = (fn: (s: string) => number) => ({
    json: fn(texts.json),
    compact: fn(texts.compact),
    toon: fn(texts.toon),
    csv: fn(texts.csv),
  });
  return {
    call,
    bytes: Buffer.byteLength(json, 'utf8'),
    tokens: count(cl100k),
    tokensO200k: count(o200k),
    unchanged,
  };
}

function compactJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

function listRow(view: string, tools: unknown[]): ListRow {
  // What a client receives as the tools/list result (one page holds them all here).
  const json = JSON.stringify({ tools });
  return {
    view,
    tools: tools.length,
    bytes: Buffer.byteLength(json, 'utf8'),
    tokens: cl100k(json),
    tokensO200k: o200k(json),
  };
}

/** Every tool of the catalogue, following nextCursor. */
async function listTools(client: Client): Promise<Array<{ name: string }>> {
  const tools: Array<{ name: string }> = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

export async function tokenScenario(ctx: Ctx): Promise<TokenReport> {
  const dir = join(ctx.cfg.workDir, 'tokens');
  const tree = join(dir, 'project');
  seedTree(tree);
  const upstreams: UpstreamSpec[] = [
    { name: 'everything', command: process.execPath, args: [EVERYTHING_JS, 'stdio'], tools: [] },
    {
      name: 'memory',
      command: process.execPath,
      args: [join(NM, 'server-memory/dist/index.js')],
      env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') },
      tools: [],
    },
    {
      name: 'fs',
      command: process.execPath,
      args: [join(NM, 'server-filesystem/dist/index.js'), tree],
      tools: [],
    },
  ];
  ctx.log('tokens: gridctl with server-everything, -memory and -filesystem');
  const running = await startPath('gridctl', upstreams, { workDir: dir });
  try {
    const session = await running.connect();
    try {
      const client: Client = session.client;
      const call = async (name: string, args: Record<string, unknown>) =>
        (await client.callTool({ name, arguments: args })) as ToolResult;
      const { entities, relations } = memoryData();
      const results: TokenRow[] = [];
      results.push(
        measure(
          `memory__create_entities (${entities.length})`,
          await call('memory__create_entities', { entities }),
        ),
      );
      results.push(
        measure(
          `memory__create_relations (${relations.length})`,
          await call('memory__create_relations', { relations }),
        ),
      );
      results.push(measure('memory__read_graph', await call('memory__read_graph', {})));
      results.push(
        measure('memory__search_nodes "Engine"', await call('memory__search_nodes', { query: 'Engine' })),
      );
      results.push(measure('fs__directory_tree', await call('fs__directory_tree', { path: tree })));
      results.push(
        measure(
          'fs__list_directory_with_sizes src/gateway',
          await call('fs__list_directory_with_sizes', { path: join(tree, 'src/gateway') }),
        ),
      );
      results.push(
        measure(
          'fs__search_files **/*.ts',
          await call('fs__search_files', { path: tree, pattern: '**/*.ts' }),
        ),
      );
      results.push(
        measure(
          'everything__get-structured-content',
          await call('everything__get-structured-content', { location: 'New York' }),
        ),
      );

      const all = await listTools(client);
      const lists = [
        listRow('all three servers (no scoping)', all),
        listRow(
          'profile allowing one server (memory)',
          all.filter((t) => t.name.startsWith('memory__')),
        ),
        listRow(
          'profile allowing three tools',
          all.filter((t) =>
            ['memory__read_graph', 'memory__search_nodes', 'fs__read_text_file'].includes(t.name),
          ),
        ),
      ];
      const code = await codeModeFigures(ctx, upstreams, dir);
      lists.push(code.list);
      // A big catalogue: two fixture servers of 60 tools each, code mode off and on.
      lists.push(...(await bigCatalogueLists(ctx, dir)));
      return {
        tokenizer: 'cl100k_base (gpt-tokenizer); o200k_base alongside',
        results,
        lists,
        notes: [
          code.note,
          'Tokens are of the text content a model reads; json is the server\'s own text, compact json the same value without whitespace. "=" marks a format that left the text as it was (not JSON, or not an array of flat objects for csv).',
          'Scoped lists are the same gridctl catalogue filtered as a clients profile would filter it.',
        ],
      };
    } finally {
      await session.close();
    }
  } finally {
    const stopped = await running.stop();
    for (const l of stopped.leaked) ctx.stopIssues.push(`gridctl (tokens): ${l}`);
  }
}

/**
 * The same servers behind `apply --code-mode`: its tools/list, and an `execute` making one inner
 * everything__echo call against the direct call, on one session.
 */
async function codeModeFigures(
  ctx: Ctx,
  upstreams: UpstreamSpec[],
  dir: string,
): Promise<{ list: ListRow; note: string }> {
  const running = await startPath('gridctl', upstreams, { workDir: dir, applyFlags: ['--code-mode'] });
  try {
    const session = await running.connect();
    try {
      const client: Client = session.client;
      const list = listRow('code mode on (search + execute)', await listTools(client));
      const code = `(async () => mcp.callTool('everything', 'echo', { message: 'x' }))()`;
      const execute = await timings(30, () => client.callTool({ name: 'execute', arguments: { code } }));
      const direct = await timings(30, () =>
        client.callTool({ name: 'everything__echo', arguments: { message: 'x' } }),
      );
      const note = `Code mode: an \`execute\` making one inner everything__echo call took median ${execute.median} ms (p90 ${execute.p90}), the direct call median ${direct.median} ms (p90 ${direct.p90}), 30 calls each on one session.`;
      return { list, note };
    } finally {
      await session.close();
    }
  } finally {
    const stopped = await running.stop();
    for (const l of stopped.leaked) ctx.stopIssues.push(`gridctl --code-mode (tokens): ${l}`);
  }
}

/** tools/list of 122 tools (two bench fixtures of echo + 60) without and with code mode. */
async function bigCatalogueLists(ctx: Ctx, dir: string): Promise<ListRow[]> {
  const upstreams = [fixtureUpstream('alpha', 60), fixtureUpstream('beta', 60)];
  const rows: ListRow[] = [];
  for (const [view, flags] of [
    ['122 tools (two fixtures of 61), code mode off', []],
    ['122 tools, code mode on (search + execute)', ['--code-mode']],
  ] as const) {
    const running = await startPath('gridctl', upstreams, { workDir: dir, applyFlags: [...flags] });
    try {
      const session = await running.connect();
      try {
        const row = listRow(view, await listTools(session.client));
        row.base = rows[0]?.view ?? view; // both against the big list without code mode
        rows.push(row);
      } finally {
        await session.close();
      }
    } finally {
      const stopped = await running.stop();
      for (const l of stopped.leaked) ctx.stopIssues.push(`gridctl (big catalogue): ${l}`);
    }
  }
  return rows;
}

async function timings(n: number, f: () => Promise<unknown>): Promise<{ median: string; p90: string }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => (ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] as number).toFixed(1);
  return { median: at(0.5), p90: at(0.9) };
}
