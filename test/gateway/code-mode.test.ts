// Code mode through a real gateway and real upstreams: the two-tool listing, search over the
// caller's scoped universe, execute with parallel inner calls through the whole pipeline (scope and
// rate limits enforced inside the script), the sandbox's limits (timeout, memory, code size, syntax)
// with the gateway still serving, and fetch refusing plain HTTP and private addresses.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallPolicies } from '../../src/gateway/pipeline/pipeline.js';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { everythingStdioCommand } from '../fixtures/everything.js';
import { waitFor } from '../support/wait.js';
import { type RunningGateway, spec, startGateway, stdio } from './helpers.js';

type Result = { isError?: boolean; content: Array<{ type: string; text?: string }> };
const textOf = (r: unknown) => ((r as Result).content[0]?.text ?? '') as string;

const POLICIES: CallPolicies = {
  clients: {
    default: 'allow',
    profiles: { reviewer: { tools: ['every__echo'] } },
  },
  rateLimits: [{ scope: 'tool', key: 'every__get-sum', callsPerMinute: 1, burst: 1 }],
  codeMode: { timeoutMs: 3000, memoryBytes: 32 * 1024 * 1024 },
};

describe('code mode through the gateway', () => {
  let gw: RunningGateway;
  const clients: Client[] = [];

  const connect = async (name = 'some-script', path = '/mcp'): Promise<Client> => {
    const c = new Client({ name, version: '1.0.0' }, { capabilities: {} });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${gw.base}${path}`)));
    clients.push(c);
    return c;
  };
  const execute = async (c: Client, code: string) =>
    (await c.callTool({ name: 'execute', arguments: { code } }, undefined, { timeout: 30_000 })) as Result;

  beforeAll(async () => {
    gw = await startGateway(
      [
        spec('fx', stdio(fixtureStdioCommand())),
        spec('every', stdio(everythingStdioCommand()), { tools: ['echo', 'get-sum'] }),
      ],
      {
        policies: POLICIES,
        groups: {
          calc: {
            tools: ['every__echo', 'every__get-sum'],
            overrides: { every__echo: { name: 'say', description: 'Say it back' } },
          },
        },
      },
    );
  });

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await gw?.close();
  });

  it('lists exactly search and execute, explains them in the instructions, and keeps direct calls', async () => {
    const c = await connect();
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(['search', 'execute']);
    expect(tools[0]?.inputSchema).toMatchObject({
      properties: { query: { type: 'string' } },
      required: ['query'],
    });
    expect(tools[1]?.inputSchema).toMatchObject({
      properties: { code: { type: 'string' } },
      required: ['code'],
    });
    expect(c.getInstructions()).toContain('Code mode is on');
    const direct = await c.callTool({ name: 'every__echo', arguments: { message: 'direct' } });
    expect(textOf(direct)).toContain('direct');
  });

  it("search matches names, descriptions and parameter names over the caller's scoped tools only", async () => {
    const all = await connect();
    const byParam = textOf(await all.callTool({ name: 'search', arguments: { query: 'progressEveryMs' } }));
    expect(byParam).toMatch(/^Found 1 tool\(s\) matching 'progressEveryMs' \(out of \d+ total\):/);
    expect(JSON.parse(byParam.slice(byParam.indexOf('\n') + 1))[0].name).toBe('fx__slow');
    const byName = textOf(await all.callTool({ name: 'search', arguments: { query: 'GET-SUM' } }));
    expect(byName).toContain('"every__get-sum"');

    const reviewer = await connect('reviewer');
    const everything = textOf(await reviewer.callTool({ name: 'search', arguments: { query: '' } }));
    expect(everything.split('\n')[0]).toBe('Found 1 tool(s) (out of 1 total):');
    expect(
      JSON.parse(everything.slice(everything.indexOf('\n') + 1)).map((t: { name: string }) => t.name),
    ).toEqual(['every__echo']);
    expect(textOf(await reviewer.callTool({ name: 'search', arguments: { query: 'slow' } }))).toMatch(
      /^Found 0 tool\(s\)/,
    );
  });

  it("searches and calls a group's tools under the names the group shows", async () => {
    const c = await connect('some-script', '/groups/calc/mcp');
    expect((await c.listTools()).tools.map((t) => t.name)).toEqual(['search', 'execute']);
    const all = textOf(await c.callTool({ name: 'search', arguments: { query: '' } }));
    expect(
      JSON.parse(all.slice(all.indexOf('\n') + 1))
        .map((t: { name: string }) => t.name)
        .sort(),
    ).toEqual(['every__get-sum', 'say']);
    expect(textOf(await c.callTool({ name: 'search', arguments: { query: 'it back' } }))).toContain('"say"');
    const r = await execute(
      c,
      `(async () => [await mcp.callTool('', 'say', { message: 'aliased' }),
      await mcp.callTool('fx', 'slow', { ms: 1 }).catch((e) => e.message)])()`,
    );
    const [said, outside] = JSON.parse(textOf(r));
    expect(said).toContain('aliased');
    expect(outside).toMatch(/^tool error: .*fx__slow/);
  });

  it('runs two inner calls in parallel: their time spans overlap', async () => {
    const c = await connect();
    const r = await execute(
      c,
      `(async () => {
        const timed = async (ms) => {
          const start = Date.now();
          const text = await mcp.callTool('fx', 'slow', { ms, progressEveryMs: ms });
          return { start, end: Date.now(), text };
        };
        const [a, b] = await Promise.all([timed(600), timed(600)]);
        console.log('both done');
        return { a, b };
      })()`,
    );
    expect(r.isError).toBeFalsy();
    const [json, consoleOut] = textOf(r).split('\n\n--- Console Output ---\n');
    const { a, b } = JSON.parse(json as string);
    expect(a.text).toBe('slept 600 ms');
    expect(b.text).toBe('slept 600 ms');
    // Each started before the other ended.
    expect(a.start).toBeLessThan(b.end);
    expect(b.start).toBeLessThan(a.end);
    expect(consoleOut).toBe('both done');
  });

  it('enforces the client scope inside the script as a readable thrown error', async () => {
    const reviewer = await connect('reviewer');
    const caught = await execute(
      reviewer,
      `(async () => {
        const ok = await mcp.callTool('every', 'echo', { message: 'in scope' });
        try { await mcp.callTool('fx', 'slow', { ms: 1 }); return 'not refused'; }
        catch (e) { return { ok, refused: e.message }; }
      })()`,
    );
    const out = JSON.parse(textOf(caught));
    expect(out.ok).toContain('in scope');
    expect(out.refused).toContain('"fx__slow" is not in this client\'s access scope');

    const uncaught = await execute(reviewer, `(async () => mcp.callTool('fx', 'slow', { ms: 1 }))()`);
    expect(uncaught.isError).toBe(true);
    expect(textOf(uncaught)).toMatch(/^Error: .*access scope[\s\S]*\n\nHint: Use `search`/);
  });

  it('enforces rate limits inside the script', async () => {
    const c = await connect();
    const r = await execute(
      c,
      `(async () => {
        const first = await mcp.callTool('every', 'get-sum', { a: 1, b: 2 });
        try { await mcp.callTool('every', 'get-sum', { a: 1, b: 2 }); return 'not limited'; }
        catch (e) { return { first, limited: e.message }; }
      })()`,
    );
    const out = JSON.parse(textOf(r));
    expect(JSON.stringify(out.first)).toContain('3');
    expect(out.limited).toContain('Rate limit exceeded for tool "every__get-sum"');
  });

  it('stops an endless loop and an allocation bomb, and the gateway keeps serving', async () => {
    const c = await connect();
    const loop = await execute(c, 'console.log("spinning"); while (true) {}');
    expect(loop.isError).toBe(true);
    expect(textOf(loop)).toMatch(/^Error: execution timed out after 3 s\n\nHint: .*code_mode_timeout/);
    expect(textOf(loop)).toContain('--- Console Output ---\nspinning');

    // The call the script started is cancelled upstream when the script is stopped.
    const cancelled = async () =>
      Number(textOf(await c.callTool({ name: 'fx__cancelled_count', arguments: {} })));
    const before = await cancelled();
    const stuck = await execute(c, 'mcp.callTool("fx", "slow", { ms: 20000 }); for (;;) {}');
    expect(textOf(stuck)).toMatch(/^Error: execution timed out/);
    await waitFor(async () => (await cancelled()) > before, { what: 'the inner call cancelled upstream' });

    // The gateway (this process) grows by at most a few script heaps, not by what a bomb asks for.
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < 3; i++) {
      const bomb = await execute(
        c,
        'let s = "x"; const keep = []; while (true) { s = s + s; keep.push(s); }',
      );
      expect(bomb.isError).toBe(true);
      expect(textOf(bomb)).toMatch(/^Error: the script ran out of memory \(limit 32 MiB\)/);
    }
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(3 * 32 * 1024 * 1024 + 64 * 1024 * 1024);

    const objects = await execute(
      c,
      'const a = []; while (true) a.push({ n: a.length, s: "y" + a.length });',
    );
    expect(objects.isError).toBe(true);
    expect(textOf(objects)).toMatch(/out of memory|timed out/);

    expect(textOf(await execute(c, '6 * 7'))).toBe('42');
    expect(textOf(await c.callTool({ name: 'every__echo', arguments: { message: 'still here' } }))).toContain(
      'still here',
    );
  });

  it('reports syntax errors with line and column, and refuses empty and oversized code', async () => {
    const c = await connect();
    const syntax = await execute(c, 'const a = 1;\nconst b = ;');
    expect(syntax.isError).toBe(true);
    expect(textOf(syntax)).toMatch(/^Error: syntax error at line 2, column 11: /);
    const empty = await c.callTool({ name: 'execute', arguments: {} });
    expect(empty.isError).toBe(true);
    const big = await execute(c, `// ${'x'.repeat(70 * 1024)}\n1`);
    expect(big.isError).toBe(true);
    expect(textOf(big)).toContain('code mode accepts at most 65536');
    expect(textOf(await execute(c, 'let unused = 1;'))).toBe('(no output)');
    // execute's own answer is capped like any tool result (gateway.maxToolResultBytes, 65536 here).
    const huge = textOf(await execute(c, '"y".repeat(200000)'));
    expect(huge).toMatch(/ \[truncated: 200000 bytes, showing first 65536 bytes\]$/);
  });

  it('runs at most 8 scripts at once and refuses the 9th with a hint', async () => {
    const c = await connect();
    const all = await Promise.all(
      Array.from({ length: 9 }, () => execute(c, 'sleep(2500).then(() => "slept")')),
    );
    const refused = all.filter((r) => r.isError);
    expect(refused.map(textOf)).toEqual([
      expect.stringMatching(/^Error: 8 code-mode scripts are already running on this gateway\n\nHint: Retry/),
    ]);
    expect(all.filter((r) => !r.isError).map(textOf)).toEqual(Array(8).fill('slept'));
  });

  it('has no require, process or filesystem', async () => {
    const c = await connect();
    const r = await execute(
      c,
      '[typeof require, typeof process, typeof globalThis.fs, typeof importScripts]',
    );
    expect(JSON.parse(textOf(r))).toEqual(['undefined', 'undefined', 'undefined', 'undefined']);
    const imp = await execute(c, 'import("fs")');
    expect(imp.isError).toBe(true);
  });

  it('fetch refuses plain HTTP, loopback, private and link-local addresses', async () => {
    const c = await connect();
    const r = await execute(
      c,
      `(async () => {
        const out = {};
        for (const url of ['http://example.com/', 'https://127.0.0.1:${new URL(gw.url).port}/mcp', 'https://10.1.2.3/',
                           'https://169.254.169.254/latest/meta-data/', 'https://[::1]/', 'https://localhost/']) {
          try { await fetch(url); out[url] = 'fetched'; } catch (e) { out[url] = e.message; }
        }
        return out;
      })()`,
    );
    const out = JSON.parse(textOf(r)) as Record<string, string>;
    expect(out['http://example.com/']).toBe('fetch refused: only https:// URLs are allowed, not http://');
    for (const [url, why] of Object.entries(out).slice(1)) {
      expect(why, url).toMatch(/^fetch refused: .*private, loopback, link-local or reserved address$/);
    }
  });
});
