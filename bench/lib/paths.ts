// The paths under test. Each starts what it needs on 127.0.0.1, hands out SDK client sessions, and
// stops everything it started.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort } from '../../test/support/net.js';
import { ManagedProcess, type StopResult, seenProcesses } from './proc.js';
import { echoTool, fillerTools, startResponder, type ToolDef } from './responder.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const NM = join(ROOT, 'node_modules');
export const EVERYTHING_JS = join(NM, '@modelcontextprotocol/server-everything/dist/index.js');
export const FIXTURE_JS = join(ROOT, 'bench/fixtures/fixture-server.mjs');
const LOOPBACK_ONLY = join(ROOT, 'bench/fixtures/loopback-only.mjs');
const SUPERGATEWAY_JS = join(NM, 'supergateway/dist/index.js');
const MCP_PROXY_JS = join(NM, 'mcp-proxy/dist/bin/mcp-proxy.mjs');
const MCP_HUB_JS = join(NM, 'mcp-hub/dist/cli.js');
/** BENCH_GRIDCTL_BIN points the harness at another build's bin/gridctl.js (e.g. a baseline to compare). */
export const GRIDCTL_BIN = resolve(process.env.BENCH_GRIDCTL_BIN ?? join(ROOT, 'bin/gridctl.js'));

export type PathId = 'stdio-direct' | 'http-floor' | 'gridctl' | 'supergateway' | 'mcp-proxy' | 'mcp-hub';

export const PATH_IDS: PathId[] = [
  'stdio-direct',
  'http-floor',
  'gridctl',
  'supergateway',
  'mcp-proxy',
  'mcp-hub',
];

export const PATH_INFO: Record<PathId, { label: string; kind: 'floor' | 'gridctl' | 'peer'; how: string }> = {
  'stdio-direct': {
    label: 'floor: stdio direct',
    kind: 'floor',
    how: 'SDK client spawns the upstream and talks stdio; no gateway. Concurrent callers share the one stdio session (as callers of any gateway share its upstream).',
  },
  'http-floor': {
    label: 'floor: HTTP responder',
    kind: 'floor',
    how: 'SDK client over streamable HTTP to a minimal node:http responder in the harness that answers in-process (JSON responses); no upstream.',
  },
  gridctl: {
    label: 'gridctl',
    kind: 'gridctl',
    how: '`node bin/gridctl.js apply --foreground --port P stack.yaml`; streamable HTTP → gateway → stdio upstream(s).',
  },
  supergateway: {
    label: 'supergateway 4.0.0',
    kind: 'peer',
    how: '`supergateway --stdio CMD --outputTransport streamableHttp --stateful`; spawns one upstream process per session.',
  },
  'mcp-proxy': {
    label: 'mcp-proxy 6.7.19',
    kind: 'peer',
    how: '`mcp-proxy --host 127.0.0.1 --port P --server stream -- CMD`; one upstream process shared by all sessions.',
  },
  'mcp-hub': {
    label: 'mcp-hub 4.2.1',
    kind: 'peer',
    how: '`mcp-hub --port P --config hub.json`; its /mcp endpoint speaks the legacy HTTP+SSE transport only, so the SDK client uses SSEClientTransport.',
  },
};

export interface UpstreamSpec {
  /** server name in the stack (tool prefix for aggregating gateways) */
  name: string;
  command: string;
  args: string[];
  /** extra environment for the upstream (gridctl and the stdio floor pass it) */
  env?: Record<string, string>;
  /** the tools it serves, for the in-process floor's tools/list */
  tools: ToolDef[];
}

export function everythingUpstream(name = 'everything'): UpstreamSpec {
  return { name, command: process.execPath, args: [EVERYTHING_JS, 'stdio'], tools: [echoTool()] };
}

export function fixtureUpstream(name: string, tools: number): UpstreamSpec {
  return {
    name,
    command: process.execPath,
    args: [FIXTURE_JS, '--tools', String(tools), '--name', name],
    tools: [echoTool(), ...fillerTools(name, tools)],
  };
}

export interface Session {
  client: Client;
  close(): Promise<void>;
}

export interface Running {
  id: PathId;
  /** the process whose memory is "the proxy's" (absent for floors) */
  proc?: ManagedProcess;
  /** ms from spawn to the proxy answering its readiness probe (listen), for information */
  startedMs: number;
  /** true when concurrent callers share one session (stdio floor) */
  sharedSession: boolean;
  /** floors without a proxy: the upstream pids this path spawned itself (for their CPU, not every child of the harness) */
  spawnedPids?: () => number[];
  connect(): Promise<Session>;
  /** the streamable-HTTP MCP endpoint, for the undici load generator (absent: stdio or SSE only) */
  mcpUrl?: string;
  /** the name a client calls for `tool` of upstream `server` on this path */
  toolName(server: string, tool: string): string;
  /** the floor's in-process sessions count etc. */
  stop(): Promise<StopResult>;
}

export class Unavailable extends Error {}

const CLIENT_INFO = { name: 'gridctl-bench', version: '1.0.0' };

async function connectWith(
  transport: StdioClientTransport | StreamableHTTPClientTransport | SSEClientTransport,
) {
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  await client.connect(transport);
  return client;
}

/**
 * fetch for the SDK's HTTP transports. The SDK passes its transport-lifetime AbortSignal to every
 * POST; on Node 20 undici keeps one abort listener per request on that signal until GC, so after
 * ~1,500 calls per session Node prints a MaxListenersExceededWarning (with a stack trace) on every
 * call, which taxes every HTTP path in the client, not the server. POST bodies are read to the end,
 * so they need no abort signal; GET (the standalone SSE stream) keeps it so close() still ends it.
 */
const benchFetch: typeof fetch = (input, init) =>
  fetch(input, init && init.method === 'POST' ? { ...init, signal: null } : init);

function httpSession(url: string): () => Promise<Session> {
  return async () => {
    const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: benchFetch });
    const client = await connectWith(transport);
    return {
      client,
      close: async () => {
        try {
          await transport.terminateSession();
        } catch {
          // a server may not support DELETE; closing the client is enough
        }
        await client.close();
      },
    };
  };
}

function sseSession(url: string): () => Promise<Session> {
  return async () => {
    const transport = new SSEClientTransport(new URL(url), { fetch: benchFetch });
    const client = await connectWith(transport);
    return { client, close: () => client.close() };
  };
}

/** Poll `probe` until it returns true or the deadline passes (condition wait, never a fixed sleep). */
export async function until(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  proc?: ManagedProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      lastErr = err instanceof Error ? err.message : String(err);
    }
    if (proc?.hasExited) {
      throw new Unavailable(`${what}: process exited with code ${proc.exitCode}: ${proc.why()}`);
    }
    if (Date.now() > deadline) {
      const tail = proc ? `; output: ${proc.why()}` : '';
      throw new Unavailable(
        `${what}: not ready after ${timeoutMs} ms${lastErr ? ` (${lastErr})` : ''}${tail}`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/** Any HTTP answer at all means the port is listening. */
async function httpAnswers(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.status > 0;
}

function quoteForShell(parts: string[]): string {
  return parts.map((p) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function only(upstreams: UpstreamSpec[], id: PathId): UpstreamSpec {
  if (upstreams.length !== 1 || !upstreams[0]) {
    throw new Unavailable(`${id} fronts exactly one server (asked for ${upstreams.length})`);
  }
  return upstreams[0];
}

/** Waits for a proxy process's readiness probe (stopping it if it never answers), then describes it. */
async function whenReady(
  proc: ManagedProcess,
  ready: { what: string; probe: () => Promise<boolean> | boolean; timeoutMs: number; t0: number },
  path: Pick<Running, 'id' | 'toolName' | 'connect' | 'mcpUrl'>,
): Promise<Running> {
  try {
    await until(ready.what, ready.probe, ready.timeoutMs, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    ...path,
    proc,
    startedMs: performance.now() - ready.t0,
    sharedSession: false,
    stop: () => proc.stop(),
  };
}

export interface StartOptions {
  workDir: string;
  readyTimeoutMs?: number;
  /** gridctl only: more `apply` flags (e.g. --code-mode). */
  applyFlags?: string[];
  /** gridctl only: lines of a `gateway:` block for the stack (indented two spaces). */
  gatewayYaml?: string[];
  /** gridctl only: another build's bin/gridctl.js than GRIDCTL_BIN (bench/compare.ts's baseline). */
  gridctlBin?: string;
}

export async function startPath(id: PathId, upstreams: UpstreamSpec[], opts: StartOptions): Promise<Running> {
  const t0 = performance.now();
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const dir = join(opts.workDir, `${id}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });

  switch (id) {
    case 'stdio-direct': {
      const up = only(upstreams, id);
      const spawned: number[] = [];
      return {
        id,
        startedMs: 0,
        sharedSession: true,
        spawnedPids: () => [...spawned],
        toolName: (_s, tool) => tool,
        connect: async () => {
          const transport = new StdioClientTransport({
            command: up.command,
            args: up.args,
            ...(up.env ? { env: { ...(process.env as Record<string, string>), ...up.env } } : {}),
            stderr: 'ignore',
          });
          const client = await connectWith(transport);
          if (transport.pid) {
            seenProcesses.set(transport.pid, `${up.command} ${up.args.join(' ')}`);
            spawned.push(transport.pid);
          }
          return { client, close: () => client.close() };
        },
        stop: async () => ({ leaked: [], exitCode: 0 }),
      };
    }

    case 'http-floor': {
      const tools = upstreams.flatMap((u) =>
        upstreams.length === 1 ? u.tools : u.tools.map((t) => ({ ...t, name: `${u.name}__${t.name}` })),
      );
      const responder = await startResponder(tools);
      return {
        id,
        startedMs: performance.now() - t0,
        sharedSession: false,
        toolName: (server, tool) => (upstreams.length === 1 ? tool : `${server}__${tool}`),
        connect: httpSession(responder.url),
        mcpUrl: responder.url,
        stop: async () => {
          await responder.close();
          return { leaked: [], exitCode: 0 };
        },
      };
    }

    case 'gridctl': {
      const bin = opts.gridctlBin ?? GRIDCTL_BIN;
      if (!existsSync(join(bin, '../../dist/cli/main.js'))) {
        throw new Unavailable('dist/cli/main.js is missing (run `npm run build`)');
      }
      const port = await freePort();
      const stack = join(dir, 'stack.yaml');
      const lines = [
        'name: bench',
        ...(opts.gatewayYaml ? ['gateway:', ...opts.gatewayYaml] : []),
        'mcp-servers:',
      ];
      for (const u of upstreams) {
        lines.push(`  - name: ${u.name}`);
        lines.push(`    command: ${JSON.stringify([u.command, ...u.args])}`);
        if (u.env) lines.push(`    env: ${JSON.stringify(u.env)}`);
      }
      writeFileSync(stack, `${lines.join('\n')}\n`);
      const home = join(dir, 'home');
      mkdirSync(home, { recursive: true });
      const proc = new ManagedProcess(
        'gridctl',
        process.execPath,
        [
          ...gatewayNodeFlags(dir),
          bin,
          'apply',
          '--foreground',
          '--port',
          String(port),
          ...(opts.applyFlags ?? []),
          stack,
        ],
        { env: { ...process.env, GRIDCTL_HOME: home, HOME: home, NO_COLOR: '1' }, cwd: dir },
      );
      return whenReady(
        proc,
        {
          what: 'gridctl /ready',
          probe: () => httpOk(`http://127.0.0.1:${port}/ready`),
          timeoutMs: readyTimeoutMs,
          t0,
        },
        {
          id,
          toolName: (server, tool) => `${server}__${tool}`,
          connect: httpSession(`http://127.0.0.1:${port}/mcp`),
          mcpUrl: `http://127.0.0.1:${port}/mcp`,
        },
      );
    }

    case 'supergateway': {
      const up = only(upstreams, id);
      const port = await freePort();
      const proc = new ManagedProcess(
        'supergateway',
        process.execPath,
        [
          '--import',
          LOOPBACK_ONLY,
          SUPERGATEWAY_JS,
          '--stdio',
          quoteForShell([up.command, ...up.args]),
          '--outputTransport',
          'streamableHttp',
          '--stateful',
          '--port',
          String(port),
          '--logLevel',
          'none',
          '--healthEndpoint',
          '/healthz',
        ],
        { cwd: dir },
      );
      return whenReady(
        proc,
        {
          what: 'supergateway /healthz',
          probe: () => httpOk(`http://127.0.0.1:${port}/healthz`),
          timeoutMs: readyTimeoutMs,
          t0,
        },
        {
          id,
          toolName: (_s, tool) => tool,
          connect: httpSession(`http://127.0.0.1:${port}/mcp`),
          mcpUrl: `http://127.0.0.1:${port}/mcp`,
        },
      );
    }

    case 'mcp-proxy': {
      const up = only(upstreams, id);
      const port = await freePort();
      const proc = new ManagedProcess(
        'mcp-proxy',
        process.execPath,
        [
          MCP_PROXY_JS,
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--server',
          'stream',
          '--',
          up.command,
          ...up.args,
        ],
        { cwd: dir },
      );
      return whenReady(
        proc,
        {
          what: 'mcp-proxy listening',
          probe: () => httpAnswers(`http://127.0.0.1:${port}/ping`),
          timeoutMs: readyTimeoutMs,
          t0,
        },
        {
          id,
          toolName: (_s, tool) => tool,
          connect: httpSession(`http://127.0.0.1:${port}/mcp`),
          mcpUrl: `http://127.0.0.1:${port}/mcp`,
        },
      );
    }

    case 'mcp-hub': {
      const port = await freePort();
      const config = join(dir, 'hub.json');
      const servers: Record<string, { command: string; args: string[] }> = {};
      for (const u of upstreams) servers[u.name] = { command: u.command, args: u.args };
      writeFileSync(config, JSON.stringify({ mcpServers: servers }, null, 2));
      const home = join(dir, 'home');
      const xdg = {
        HOME: home,
        XDG_STATE_HOME: join(home, 'state'),
        XDG_DATA_HOME: join(home, 'data'),
        XDG_CONFIG_HOME: join(home, 'config'),
        XDG_CACHE_HOME: join(home, 'cache'),
      };
      // mcp-hub fetches a marketplace catalog from the internet at start-up unless its cache is fresh.
      const cacheDir = join(xdg.XDG_DATA_HOME, 'mcp-hub', 'cache');
      mkdirSync(cacheDir, { recursive: true });
      writeFileSync(
        join(cacheDir, 'registry.json'),
        JSON.stringify({ registry: { servers: [] }, lastFetchedAt: Date.now(), serverDocumentation: {} }),
      );
      const proc = new ManagedProcess(
        'mcp-hub',
        process.execPath,
        ['--import', LOOPBACK_ONLY, MCP_HUB_JS, '--port', String(port), '--config', config],
        { env: { ...process.env, ...xdg }, cwd: dir },
      );
      const hubReady = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(1000) });
        const body = (await res.json()) as { state?: string };
        return res.status === 200 && body.state === 'ready';
      };
      return whenReady(
        proc,
        { what: 'mcp-hub /api/health', probe: hubReady, timeoutMs: readyTimeoutMs, t0 },
        {
          id,
          toolName: (server, tool) => `${server}__${tool}`,
          connect: sseSession(`http://127.0.0.1:${port}/mcp`),
        },
      );
    }
  }
}

/** Extra node flags for the gateway process (e.g. BENCH_GATEWAY_CPU_PROF=1 writes a .cpuprofile). */
function gatewayNodeFlags(dir: string): string[] {
  if (!process.env.BENCH_GATEWAY_CPU_PROF) return [];
  const profDir = resolve(
    process.env.BENCH_GATEWAY_CPU_PROF === '1' ? dir : process.env.BENCH_GATEWAY_CPU_PROF,
  );
  return ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
}
