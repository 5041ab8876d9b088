// Acceptance: the official MCP Inspector CLI (a client we did not write) lists and calls tools of
// three servers on three upstream transports through one gateway. Inspector 2.x needs Node 22,
// which npx fetches from the npm registry as the `node@22` package.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverything } from '../fixtures/everything.js';
import type { LaunchedServer } from '../fixtures/launch.js';
import { type RunningGateway, spec, startGateway, stdio } from './helpers.js';

const BIN = resolve(import.meta.dirname, '../../node_modules/.bin');
const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';

function inspector(url: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      'npx',
      [
        '-y',
        '-p',
        'node@22',
        '-p',
        INSPECTOR,
        '--',
        'mcp-inspector',
        '--cli',
        url,
        '--transport',
        'http',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let out = '';
    let err = ''; // npx's engine warnings land here, never in the JSON on stdout
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      fail(new Error(`inspector ${args.join(' ')} timed out:\n${out}\n${err}`));
    }, 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out, err });
    });
  });
}

describe('MCP Inspector CLI through the gateway', () => {
  let gw: RunningGateway;
  let everyHttp: LaunchedServer;
  let everySse: LaunchedServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridctl-inspector-'));
    [everyHttp, everySse] = await Promise.all([startEverything('streamableHttp'), startEverything('sse')]);
    gw = await startGateway([
      spec(
        'memory',
        stdio([join(BIN, 'mcp-server-memory')], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
      ),
      spec('http', { transport: 'http', url: everyHttp.url }),
      spec('sse', { transport: 'sse', url: everySse.url }),
    ]);
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([everyHttp?.stop(), everySse?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the tools of all three servers', async () => {
    const r = await inspector(gw.url, ['--method', 'tools/list', '--format', 'json']);
    expect(r.code, r.out + r.err).toBe(0);
    const names = (JSON.parse(r.out) as { result: { tools: { name: string }[] } }).result.tools.map(
      (t) => t.name,
    );
    expect(names).toEqual(expect.arrayContaining(['memory__read_graph', 'http__echo', 'sse__echo']));
  });

  it('calls a tool on each transport', async () => {
    for (const [tool, arg, expected] of [
      ['http__echo', 'message=over-http', 'over-http'],
      ['sse__echo', 'message=over-sse', 'over-sse'],
    ] as const) {
      const r = await inspector(gw.url, [
        '--method',
        'tools/call',
        '--tool-name',
        tool,
        '--tool-arg',
        arg,
        '--format',
        'json',
      ]);
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toContain(expected);
    }
    const graph = await inspector(gw.url, [
      '--method',
      'tools/call',
      '--tool-name',
      'memory__read_graph',
      '--format',
      'json',
    ]);
    expect(graph.code, graph.out + graph.err).toBe(0);
    expect(graph.out).toContain('entities');
  });
});
