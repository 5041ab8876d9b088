// The scenarios: what each measures, on which paths, with which counts.
import { mkdirSync } from 'node:fs';
import {
  closeSessions,
  echoOp,
  LoadCell,
  type LoadResult,
  listAllTools,
  listOp,
  type Op,
  openSessions,
} from './load.js';
import { type LoadgenResult, runLoadgen } from './loadgen.js';
import {
  everythingUpstream,
  fixtureUpstream,
  PATH_INFO,
  type PathId,
  type Running,
  type Session,
  type StartOptions,
  startPath,
  Unavailable,
  type UpstreamSpec,
  until,
} from './paths.js';
import { cpuNs, descendantsOf, memory } from './proc.js';
import type { Metric, Row, Scenario } from './report.js';

export interface Config {
  quick: boolean;
  paths: PathId[];
  concurrencies: number[];
  warmupCalls: number;
  /** measured time per path per cell, split into `rounds` interleaved slices */
  durationMs: number;
  rounds: number;
  maxCalls: number;
  fixtureEcho: boolean;
  startupStacks: number[];
  startupRepeats: number;
  startupToolsPerServer: number;
  largeList: {
    servers: number;
    tools: number;
    concurrencies: number[];
    durationMs: number;
    maxCalls: number;
  };
  idleSessions: number;
  /** cap for peers that spawn one upstream process per session */
  idleSessionsPerProcessPeer: number;
  /** the scaling curve (multi-process undici load generator): session counts, time per step, workers */
  scale: { sessions: number[]; durationMs: number; workers: number; warmupCalls: number };
  workDir: string;
}

export function fullConfig(workDir: string, paths: PathId[]): Config {
  return {
    quick: false,
    paths,
    concurrencies: [1, 8, 32],
    warmupCalls: 200,
    durationMs: 2500,
    rounds: 5,
    maxCalls: 50_000,
    fixtureEcho: true,
    startupStacks: [1, 10, 30],
    startupRepeats: 3,
    startupToolsPerServer: 5,
    largeList: { servers: 20, tools: 100, concurrencies: [1, 8], durationMs: 2500, maxCalls: 2000 },
    idleSessions: 1000,
    idleSessionsPerProcessPeer: 50,
    scale: { sessions: [32, 128, 1024], durationMs: 5000, workers: 2, warmupCalls: 3000 },
    workDir,
  };
}

export function quickConfig(workDir: string, paths: PathId[]): Config {
  return {
    quick: true,
    paths,
    concurrencies: [4],
    warmupCalls: 10,
    durationMs: 300,
    rounds: 1,
    maxCalls: 300,
    fixtureEcho: false,
    startupStacks: [2],
    startupRepeats: 1,
    startupToolsPerServer: 3,
    largeList: { servers: 3, tools: 20, concurrencies: [1], durationMs: 200, maxCalls: 30 },
    idleSessions: 20,
    idleSessionsPerProcessPeer: 4,
    scale: { sessions: [4], durationMs: 500, workers: 2, warmupCalls: 40 },
    workDir,
  };
}

/** Per-path failures end up in the rows; `log` narrates progress on stderr. */
export interface Ctx {
  cfg: Config;
  log: (msg: string) => void;
  stopIssues: string[];
  errors: string[];
  unavailable: Map<PathId, string>;
}

const MB = 1024 * 1024;

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]!.slice(0, 300) : String(err);
}

function row(path: PathId, values: Record<string, number | null>, note?: string): Row {
  const r: Row = { path, label: PATH_INFO[path].label, status: 'ok', values };
  if (note) r.note = note;
  return r;
}

function notRun(path: PathId, status: 'unavailable' | 'n/a', why: string): Row {
  return {
    path,
    label: PATH_INFO[path].label,
    status,
    note: status === 'unavailable' ? `unavailable: ${why}` : why,
    values: {},
  };
}

/** Start a path, run `body`, stop it, record leaks; a failure becomes an "unavailable" row. */
async function withPath<T>(
  ctx: Ctx,
  path: PathId,
  upstreams: UpstreamSpec[],
  body: (r: Running) => Promise<T>,
  startOpts: Omit<StartOptions, 'workDir'> = {},
): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
  const known = ctx.unavailable.get(path);
  if (known) return { ok: false, reason: known };
  let running: Running;
  try {
    running = await startPath(path, upstreams, { ...startOpts, workDir: ctx.cfg.workDir });
  } catch (err) {
    const reason = reasonOf(err);
    // A path that cannot start at all (e.g. gridctl not built yet) is skipped from then on.
    if (err instanceof Unavailable && path === 'gridctl') ctx.unavailable.set(path, reason);
    ctx.log(`  ${path}: unavailable: ${reason}`);
    return { ok: false, reason };
  }
  try {
    return { ok: true, value: await body(running) };
  } catch (err) {
    const reason = reasonOf(err);
    ctx.errors.push(`${path}: ${reason}`);
    ctx.log(`  ${path}: failed: ${reason}`);
    return { ok: false, reason };
  } finally {
    const stopped = await running.stop();
    for (const l of stopped.leaked) ctx.stopIssues.push(`${path}: ${l}`);
  }
}

const latencyMetrics: Metric[] = [
  { key: 'p50', label: 'p50', unit: 'ms', better: 'lower', additive: true },
  { key: 'p95', label: 'p95', unit: 'ms', better: 'lower', additive: true },
  { key: 'p99', label: 'p99', unit: 'ms', better: 'lower', additive: true },
  { key: 'cps', label: 'calls/s', unit: 'calls/s', better: 'higher' },
];

/** CPU per call is far less sensitive to a noisy neighbour than wall-clock latency. */
const cpuMetrics: Metric[] = [
  { key: 'proxyCpu', label: 'proxy CPU/call', unit: 'µs', better: 'lower' },
  { key: 'upstreamCpu', label: 'upstream CPU/call', unit: 'µs', better: 'lower' },
  { key: 'clientCpu', label: 'client CPU/call', unit: 'µs', better: 'lower' },
  { key: 'ceiling', label: 'proxy ceiling/core', unit: 'calls/s', better: 'higher' },
];

interface CpuMark {
  proxy: number;
  upstream: number;
  client: number;
}

function cpuMark(r: Running): CpuMark {
  const self = process.cpuUsage();
  // a proxy's upstreams are its descendants; the stdio floor's are only the pids it spawned itself
  // (not every child of the harness, which may include other paths' proxies still exiting)
  const kids = r.proc ? childCpu(r.proc.pid) : spawnedCpu(r.spawnedPids?.() ?? []);
  return { proxy: r.proc ? cpuNs(r.proc.pid) : 0, upstream: kids, client: (self.user + self.system) * 1000 };
}

function childCpu(pid: number): number {
  let total = 0;
  for (const k of descendantsOf(pid)) total += cpuNs(k.pid);
  return total;
}

function spawnedCpu(pids: number[]): number {
  let total = 0;
  for (const pid of pids) total += cpuNs(pid) + childCpu(pid);
  return total;
}

/** tools/list: a caching gateway does not pay the upstream's list cost, so floors do not add up here */
const listMetrics: Metric[] = latencyMetrics.map((m) => ({ ...m, additive: false }));

function loadValues(
  r: LoadResult,
  cpu?: { start: CpuMark; end: CpuMark; path: PathId },
): Record<string, number | null> {
  const v: Record<string, number | null> = {
    p50: r.p50,
    p95: r.p95,
    p99: r.p99,
    cps: r.callsPerSec,
    calls: r.calls,
  };
  if (cpu) {
    const per = (a: number, b: number) => (b - a) / 1000 / r.calls;
    const floor = PATH_INFO[cpu.path].kind === 'floor';
    v.proxyCpu = floor ? null : per(cpu.start.proxy, cpu.end.proxy);
    // supergateway's per-session upstreams are counted while alive (until the sessions close, after this)
    v.upstreamCpu = cpu.path === 'http-floor' ? null : per(cpu.start.upstream, cpu.end.upstream);
    v.clientCpu = per(cpu.start.client, cpu.end.client);
    // what one core could push through the proxy if it had the core to itself: 1 s ÷ proxy CPU per call
    v.ceiling = v.proxyCpu != null && v.proxyCpu > 0 ? 1e6 / v.proxyCpu : null;
  }
  return v;
}

function loadNote(r: LoadResult): string | undefined {
  return r.errors > 0 ? `${r.errors} failed calls (first: ${r.firstError ?? '?'})` : undefined;
}

/** Start several paths side by side; the ones that fail to start get a reason instead. */
async function startAll(
  ctx: Ctx,
  paths: PathId[],
  upstreamsFor: (path: PathId) => UpstreamSpec[],
): Promise<{ running: Map<PathId, Running>; failed: Map<PathId, string> }> {
  const running = new Map<PathId, Running>();
  const failed = new Map<PathId, string>();
  for (const path of paths) {
    const known = ctx.unavailable.get(path);
    if (known) {
      failed.set(path, known);
      continue;
    }
    try {
      running.set(path, await startPath(path, upstreamsFor(path), { workDir: ctx.cfg.workDir }));
    } catch (err) {
      const reason = reasonOf(err);
      if (err instanceof Unavailable && path === 'gridctl') ctx.unavailable.set(path, reason);
      ctx.log(`  ${path}: unavailable: ${reason}`);
      failed.set(path, reason);
    }
  }
  return { running, failed };
}

async function stopAll(ctx: Ctx, running: Map<PathId, Running>): Promise<void> {
  for (const [path, r] of running) {
    const stopped = await r.stop();
    for (const l of stopped.leaked) ctx.stopIssues.push(`${path}: ${l}`);
  }
}

interface Measured {
  res: LoadResult;
  cpu: { start: CpuMark; end: CpuMark };
}

/**
 * Open one load cell per running path, then measure them in alternation: `rounds` rounds, each
 * giving every path an equal slice, starting from a different path each round. Background noise
 * then falls on all paths alike. `onOpen` runs while all cells' sessions are open (memory samples).
 */
async function interleaved(
  ctx: Ctx,
  running: Map<PathId, Running>,
  failed: Map<PathId, string>,
  opFor: (r: Running) => Op,
  o: { concurrency: number; warmupPerWorker: number; durationMs: number; maxCalls: number; rounds: number },
  onOpen?: (r: Running) => void,
): Promise<Map<PathId, Measured>> {
  const cells = new Map<PathId, LoadCell>();
  const cpu = new Map<PathId, { start: CpuMark; end: CpuMark }>();
  const out = new Map<PathId, Measured>();
  try {
    for (const [path, r] of running) {
      try {
        cells.set(path, await LoadCell.open(r, opFor(r), o.concurrency, o.warmupPerWorker));
      } catch (err) {
        failed.set(path, reasonOf(err));
        ctx.errors.push(`${path} (c=${o.concurrency}): ${reasonOf(err)}`);
      }
    }
    const order = [...cells.keys()];
    const slice = o.durationMs / o.rounds;
    const budget = Math.ceil(o.maxCalls / o.rounds);
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < order.length; k++) {
        const path = order[(round + k) % order.length]!;
        const cell = cells.get(path);
        if (!cell) continue;
        const start = cpuMark(cell.running);
        try {
          await cell.measure(slice, budget);
        } catch (err) {
          failed.set(path, reasonOf(err));
          ctx.errors.push(`${path} (c=${o.concurrency}): ${reasonOf(err)}`);
          cells.delete(path);
          await cell.close();
          continue;
        }
        const end = cpuMark(cell.running);
        const acc = cpu.get(path);
        if (!acc) cpu.set(path, { start, end });
        else {
          // add this slice's deltas to the running total
          acc.end = {
            proxy: acc.end.proxy + (end.proxy - start.proxy),
            upstream: acc.end.upstream + (end.upstream - start.upstream),
            client: acc.end.client + (end.client - start.client),
          };
        }
      }
    }
    for (const [path, cell] of cells) {
      onOpen?.(cell.running);
      out.set(path, { res: cell.result(), cpu: cpu.get(path)! });
      const res = cell.result();
      ctx.log(
        `  ${path} c=${o.concurrency}: p50 ${res.p50.toFixed(3)} ms, p99 ${res.p99.toFixed(3)} ms, ${Math.round(res.callsPerSec)} calls/s (${res.calls} calls)`,
      );
    }
  } finally {
    for (const cell of cells.values()) await cell.close();
  }
  return out;
}

/**
 * Echo latency and throughput at each concurrency, plus the proxy's peak RSS under that load.
 * All paths run side by side and are measured in alternation. One scenario per concurrency, one for memory.
 */
export async function echoScenarios(ctx: Ctx, upstreamKind: 'everything' | 'fixture'): Promise<Scenario[]> {
  const { cfg } = ctx;
  const upstream = upstreamKind === 'everything' ? everythingUpstream() : fixtureUpstream('fixture', 10);
  const upName =
    upstreamKind === 'everything'
      ? '`@modelcontextprotocol/server-everything` `echo`'
      : 'the bench fixture (`bench/fixtures/fixture-server.mjs`, echo + 10 tools) `echo`';
  const perConc = new Map<number, Row[]>();
  const memRows: Row[] = [];
  const peaks = new Map<PathId, { self: number; all: number; children: number }>();
  const sample = (r: Running) => {
    if (!r.proc) return;
    const hwm = memory(r.proc.pid, 'VmHWM');
    const rss = memory(r.proc.pid, 'VmRSS');
    const p = peaks.get(r.id) ?? { self: 0, all: 0, children: 0 };
    p.self = Math.max(p.self, hwm.self);
    // children's own peaks, summed, while they are alive (supergateway's die with their sessions)
    p.all = Math.max(p.all, hwm.withChildren, rss.withChildren);
    p.children = Math.max(p.children, hwm.children);
    peaks.set(r.id, p);
  };

  ctx.log(`echo/${upstreamKind}: starting ${cfg.paths.join(', ')}`);
  const { running, failed } = await startAll(ctx, cfg.paths, () => [upstream]);
  try {
    for (const c of cfg.concurrencies) {
      ctx.log(`echo/${upstreamKind}: ${c} session(s), ${cfg.rounds} interleaved round(s)`);
      const failedHere = new Map(failed);
      const measured = await interleaved(
        ctx,
        running,
        failedHere,
        (r) => echoOp(r.toolName(upstream.name, 'echo')),
        {
          concurrency: c,
          warmupPerWorker: Math.max(5, Math.ceil(cfg.warmupCalls / c)),
          durationMs: cfg.durationMs,
          maxCalls: cfg.maxCalls,
          rounds: cfg.rounds,
        },
        sample,
      );
      const rows: Row[] = [];
      for (const path of cfg.paths) {
        const m = measured.get(path);
        if (!m) rows.push(notRun(path, 'unavailable', failedHere.get(path) ?? 'not measured'));
        else rows.push(row(path, loadValues(m.res, { ...m.cpu, path }), loadNote(m.res)));
      }
      perConc.set(c, rows);
    }
    for (const r of running.values()) sample(r);
  } finally {
    await stopAll(ctx, running);
  }

  for (const path of cfg.paths) {
    const peak = peaks.get(path);
    if (PATH_INFO[path].kind === 'floor') {
      memRows.push(
        notRun(
          path,
          'n/a',
          path === 'stdio-direct' ? 'no proxy process' : 'in-process responder (no proxy process)',
        ),
      );
    } else if (!peak || !running.has(path)) {
      memRows.push(notRun(path, 'unavailable', failed.get(path) ?? 'not measured'));
    } else {
      const perSession =
        path === 'supergateway' ? 'one upstream per session' : 'upstream shared by all sessions';
      memRows.push(
        row(
          path,
          { self: peak.self / MB, all: peak.all / MB, children: peak.children },
          `children = upstream processes it spawned (${perSession})`,
        ),
      );
    }
  }

  const scenarios: Scenario[] = [];
  for (const c of cfg.concurrencies) {
    scenarios.push({
      id: `echo-${upstreamKind}-c${c}`,
      title: `tools/call echo (${upstreamKind}), ${c} concurrent session${c === 1 ? '' : 's'}`,
      description: `${upName} called back-to-back by ${c} closed-loop worker${c === 1 ? '' : 's'} (one SDK client session each; the stdio floor shares one session), distinct arguments per call, after ${cfg.warmupCalls} warm-up calls. All paths run side by side and are measured in alternation: ${cfg.rounds} round${cfg.rounds === 1 ? '' : 's'} of ${Math.round(cfg.durationMs / cfg.rounds)} ms per path (at most ${cfg.maxCalls} calls per path), so background load hits every path alike. CPU/call: CPU time of all threads (from /proc/<pid>/task/*/schedstat) used during the path's measured slices ÷ calls, for the proxy process, the upstream processes it spawned, and the harness (the SDK client; for the HTTP floor also its in-process responder). CPU/call barely moves with a noisy neighbour; latency does. Proxy ceiling/core = 1 s ÷ proxy CPU/call: the calls/s one core could carry through the proxy alone (the measured calls/s are capped by the single-process client, which needs more CPU per call than any proxy).`,
      metrics: [...latencyMetrics, ...cpuMetrics],
      rows: perConc.get(c) ?? [],
      ratios: [],
      notes: [],
    });
  }
  scenarios.push({
    id: `peak-rss-${upstreamKind}`,
    title: `Proxy peak RSS under the echo load (${upstreamKind})`,
    description: `VmHWM of the proxy process after all echo runs (up to ${Math.max(...cfg.concurrencies)} sessions). "with upstreams" adds the peak RSS of the upstream processes it spawned, sampled while the load's sessions were still open.`,
    metrics: [
      { key: 'self', label: 'proxy peak RSS', unit: 'MB', better: 'lower' },
      { key: 'all', label: 'with upstreams', unit: 'MB', better: 'lower' },
      { key: 'children', label: 'upstream processes', unit: 'count', better: 'lower' },
    ],
    rows: memRows,
    ratios: [],
    notes: [],
  });
  return scenarios;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** The startup floor for N servers: the client itself spawns them all at once and lists each. */
async function parallelStdio(ctx: Ctx, upstreams: UpstreamSpec[]): Promise<number> {
  const t0 = performance.now();
  const sessions: Session[] = [];
  try {
    await Promise.all(
      upstreams.map(async (u) => {
        const running = await startPath('stdio-direct', [u], { workDir: ctx.cfg.workDir });
        const session = await running.connect();
        sessions.push(session);
        const { tools } = await listAllTools(session.client);
        if (tools !== u.tools.length)
          throw new Error(`${u.name}: ${tools} tools, expected ${u.tools.length}`);
      }),
    );
    return performance.now() - t0;
  } finally {
    await closeSessions(sessions);
  }
}

/** Time from spawning the proxy to the first tools/list that shows every server's tools. */
export async function startupScenario(ctx: Ctx): Promise<Scenario[]> {
  const { cfg } = ctx;
  const scenarios: Scenario[] = [];
  for (const n of cfg.startupStacks) {
    const upstreams = Array.from({ length: n }, (_, i) =>
      fixtureUpstream(`s${String(i + 1).padStart(2, '0')}`, cfg.startupToolsPerServer),
    );
    const expected = n * (cfg.startupToolsPerServer + 1);
    // Which paths take part, and how; repeats run round-robin over them so noise hits all alike.
    const rowsByPath = new Map<PathId, Row>();
    const takers: PathId[] = [];
    for (const path of cfg.paths) {
      const multi = path === 'gridctl' || path === 'mcp-hub';
      if (path === 'http-floor')
        rowsByPath.set(path, notRun(path, 'n/a', 'answers in-process; nothing to start'));
      else if (!multi && n > 1 && path !== 'stdio-direct') {
        rowsByPath.set(path, notRun(path, 'n/a', 'fronts a single server'));
      } else takers.push(path);
    }
    const times = new Map<PathId, number[]>();
    const rss = new Map<PathId, number[]>();
    const rssAll = new Map<PathId, number[]>();
    const failure = new Map<PathId, string>();
    const push = (m: Map<PathId, number[]>, path: PathId, v: number) =>
      m.set(path, [...(m.get(path) ?? []), v]);
    for (let rep = 0; rep < cfg.startupRepeats; rep++) {
      for (let k = 0; k < takers.length; k++) {
        const path = takers[(rep + k) % takers.length]!;
        if (failure.has(path)) continue;
        ctx.log(`startup/${n}: ${path} (${rep + 1}/${cfg.startupRepeats})`);
        if (path === 'stdio-direct' && n > 1) {
          try {
            push(times, path, await parallelStdio(ctx, upstreams));
          } catch (err) {
            failure.set(path, reasonOf(err));
          }
          continue;
        }
        const t0 = performance.now();
        const res = await withPath(ctx, path, upstreams, async (running) => {
          const session = await running.connect();
          try {
            await until(
              `tools/list with ${expected} tools`,
              async () => {
                // exactly: more tools than asked for is a wrong catalogue, not "ready"
                const got = (await listAllTools(session.client)).tools;
                if (got > expected) throw new Error(`tools/list returned ${got} tools, expected ${expected}`);
                return got === expected;
              },
              60_000,
            );
            const ms = performance.now() - t0;
            if (running.proc) {
              const m = memory(running.proc.pid, 'VmRSS');
              push(rss, path, m.self);
              push(rssAll, path, m.withChildren);
            }
            return ms;
          } finally {
            await session.close();
          }
        });
        if (res.ok) push(times, path, res.value);
        else failure.set(path, res.reason);
      }
    }
    const med = (xs: number[] | undefined) => (xs && xs.length > 0 ? median(xs) / MB : null);
    for (const path of takers) {
      const why = failure.get(path);
      if (why) {
        rowsByPath.set(path, notRun(path, 'unavailable', why));
        continue;
      }
      const note =
        path === 'stdio-direct' && n > 1
          ? `the client spawns all ${n} servers at once and lists each`
          : cfg.startupRepeats > 1
            ? `median of ${cfg.startupRepeats} starts`
            : undefined;
      rowsByPath.set(
        path,
        row(
          path,
          { ms: median(times.get(path) ?? [0]), rss: med(rss.get(path)), rssAll: med(rssAll.get(path)) },
          note,
        ),
      );
    }
    const rows = cfg.paths.map((p) => rowsByPath.get(p)!);
    scenarios.push({
      id: `startup-${n}`,
      title: `Start to first complete tools/list, ${n} local server${n === 1 ? '' : 's'}`,
      description: `Wall time from spawning the gateway (gridctl \`apply --foreground\`, mcp-hub start; single-server peers only for 1 server; the stdio floor is the client spawning every server itself, in parallel) with ${n} stdio fixture server${n === 1 ? '' : 's'} of ${cfg.startupToolsPerServer + 1} tools each, until one SDK session's tools/list returns all ${expected} tools. Also the RSS once ready and idle (proxy alone, and with its upstream processes).`,
      metrics: [
        { key: 'ms', label: 'start → tools/list', unit: 'ms', better: 'lower' },
        { key: 'rss', label: 'idle RSS', unit: 'MB', better: 'lower' },
        { key: 'rssAll', label: 'idle RSS with upstreams', unit: 'MB', better: 'lower' },
      ],
      rows,
      ratios: [],
      notes: [],
    });
  }
  return scenarios;
}

/** tools/list latency through an aggregating gateway with many servers of many tools. */
export async function largeListScenario(ctx: Ctx): Promise<Scenario[]> {
  const { cfg } = ctx;
  const { servers, tools } = cfg.largeList;
  const upstreams = Array.from({ length: servers }, (_, i) =>
    fixtureUpstream(`s${String(i + 1).padStart(2, '0')}`, tools),
  );
  const total = servers * (tools + 1);
  const perConc = new Map<number, Row[]>();
  const multi: PathId[] = cfg.paths.filter((p) => p !== 'supergateway' && p !== 'mcp-proxy');
  ctx.log(`tools-list ${servers}×${tools}: starting ${multi.join(', ')}`);
  // The stdio floor is one fixture serving the same number of tools; the HTTP floor serves the same list.
  const { running, failed } = await startAll(ctx, multi, (path) =>
    path === 'stdio-direct' ? [fixtureUpstream('all', total - 1)] : upstreams,
  );
  const pages = new Map<PathId, number>();
  try {
    for (const c of cfg.largeList.concurrencies) {
      const failedHere = new Map(failed);
      const measured = await interleaved(
        ctx,
        running,
        failedHere,
        (r) =>
          listOp(total, (n) => {
            pages.set(r.id, n);
          }),
        {
          concurrency: c,
          warmupPerWorker: cfg.quick ? 2 : 10,
          durationMs: cfg.largeList.durationMs,
          maxCalls: cfg.largeList.maxCalls,
          rounds: cfg.rounds,
        },
      );
      const rows: Row[] = [];
      for (const path of cfg.paths) {
        if (!multi.includes(path)) {
          rows.push(notRun(path, 'n/a', 'fronts a single server'));
          continue;
        }
        const m = measured.get(path);
        if (!m) {
          rows.push(notRun(path, 'unavailable', failedHere.get(path) ?? 'not measured'));
          continue;
        }
        const n = pages.get(path) ?? 1;
        rows.push(
          row(
            path,
            loadValues(m.res),
            [
              path === 'stdio-direct' ? `one fixture server with ${total} tools` : undefined,
              n > 1 ? `${n} pages per list (nextCursor followed)` : undefined,
              loadNote(m.res),
            ]
              .filter(Boolean)
              .join('; ') || undefined,
          ),
        );
      }
      perConc.set(c, rows);
    }
  } finally {
    await stopAll(ctx, running);
  }
  return [...perConc].map(([c, rows]) => ({
    id: `tools-list-${servers}x${tools}-c${c}`,
    title: `tools/list with ${servers} servers × ${tools} tools, ${c} concurrent session${c === 1 ? '' : 's'}`,
    description: `${servers} stdio fixture servers with ${tools} filler tools + echo each (${total} tools, ~${Math.round((total * 330) / 1024)} KB of JSON per list). Latency of a full tools/list (every page) after warm-up, paths measured in alternation. Floors: one stdio fixture with ${total} tools, and the in-process HTTP responder serving the same ${total} tools.`,
    metrics: listMetrics,
    rows,
    ratios: [],
    notes: [],
  }));
}

/** RSS growth of the proxy with many idle sessions open. */
export async function idleSessionsScenario(ctx: Ctx): Promise<Scenario[]> {
  const { cfg } = ctx;
  const rows: Row[] = [];
  const upstream = everythingUpstream();
  for (const path of cfg.paths) {
    if (path === 'stdio-direct') {
      rows.push(notRun(path, 'n/a', 'a stdio session is a process'));
      continue;
    }
    if (path === 'http-floor') {
      rows.push(notRun(path, 'n/a', 'in-process responder: no separate process to measure'));
      continue;
    }
    const n =
      path === 'supergateway' ? Math.min(cfg.idleSessions, cfg.idleSessionsPerProcessPeer) : cfg.idleSessions;
    ctx.log(`idle sessions (${n}): ${path}`);
    const res = await withPath(ctx, path, [upstream], async (running) => {
      const proc = running.proc!;
      const warm = await running.connect();
      let sessions: Session[] = [];
      try {
        // answers are checked (echoOp throws on a wrong one), as in every other scenario
        const echo = echoOp(running.toolName(upstream.name, 'echo'));
        await echo(warm.client, 0, 0);
        const before = memory(proc.pid, 'VmRSS');
        sessions = await openSessions(running, n - 1, 50);
        // Each session must still be alive: ping the last one through to the upstream.
        const last = sessions[sessions.length - 1]!;
        await echo(last.client, n - 1, 0);
        const after = memory(proc.pid, 'VmRSS');
        return {
          before: before.self,
          after: after.self,
          perSession: (after.self - before.self) / (n - 1),
          perSessionAll: (after.withChildren - before.withChildren) / (n - 1),
        };
      } finally {
        await closeSessions([...sessions, warm]);
      }
    });
    if (!res.ok) {
      rows.push(notRun(path, 'unavailable', res.reason));
      continue;
    }
    const v = res.value;
    rows.push(
      row(
        path,
        {
          sessions: n,
          before: v.before / MB,
          after: v.after / MB,
          perSession: v.perSession / 1024,
          perSessionAll: v.perSessionAll / 1024,
        },
        path === 'supergateway'
          ? `capped at ${n} sessions: it spawns one upstream process per session`
          : path === 'mcp-hub'
            ? 'SSE sessions (each holds an open event stream)'
            : undefined,
      ),
    );
  }
  return [
    {
      id: 'idle-sessions',
      title: `RSS with ${cfg.idleSessions} idle sessions`,
      description: `${cfg.idleSessions} sessions in all: one warm session (one echo call), then ${cfg.idleSessions - 1} more opened (initialize + initialized) and left idle, fronting server-everything. VmRSS of the proxy before and after, and the growth per session (also counting upstream processes it spawned).`,
      metrics: [
        { key: 'sessions', label: 'sessions', unit: 'count', better: 'higher' },
        { key: 'before', label: 'RSS before', unit: 'MB', better: 'lower' },
        { key: 'after', label: 'RSS after', unit: 'MB', better: 'lower' },
        { key: 'perSession', label: 'per session', unit: 'KB', better: 'lower' },
        { key: 'perSessionAll', label: 'per session incl. upstreams', unit: 'KB', better: 'lower' },
      ],
      rows,
      ratios: [],
      notes: [],
    },
  ];
}

const scaleMetrics: Metric[] = [
  { key: 'sessions', label: 'sessions', unit: 'count', better: 'higher' },
  { key: 'cps', label: 'calls/s', unit: 'calls/s', better: 'higher' },
  { key: 'p50', label: 'p50', unit: 'ms', better: 'lower' },
  { key: 'p99', label: 'p99', unit: 'ms', better: 'lower' },
  { key: 'proxyCpu', label: 'gateway CPU/call', unit: 'µs', better: 'lower' },
  { key: 'upstreamCpu', label: 'upstream CPU/call', unit: 'µs', better: 'lower' },
  { key: 'genCpu', label: 'generator CPU/call', unit: 'µs', better: 'lower' },
];

function scaleValues(r: LoadgenResult): Record<string, number | null> {
  return {
    sessions: r.sessions,
    cps: r.callsPerSec,
    p50: r.p50,
    p99: r.p99,
    proxyCpu: r.gatewayCpuUs,
    upstreamCpu: r.upstreamCpuUs,
    genCpu: r.generatorCpuUs,
    calls: r.calls,
    errors: r.errors,
  };
}

/**
 * The scaling curve: echo at each session count, driven by the multi-process undici load generator
 * (bench/lib/loadgen.ts) rather than the SDK client, so the figures measure the proxy. One path at a
 * time (the proxy gets the machine to itself and the generator), sessions reopened at each step.
 * One table per step (all paths, with ratios) and one curve for gridctl.
 */
export async function scaleScenario(ctx: Ctx): Promise<Scenario[]> {
  const { cfg } = ctx;
  const sc = cfg.scale;
  const upstream = everythingUpstream();
  const perStep = new Map<number, Row[]>(sc.sessions.map((n) => [n, []]));
  // the warm-up is a total (JIT and pools settle in a few thousand calls), at least 2 per session
  const warmupPer = (n: number) => Math.max(2, Math.ceil(sc.warmupCalls / n));
  for (const path of cfg.paths) {
    if (path === 'stdio-direct') {
      for (const rows of perStep.values()) rows.push(notRun(path, 'n/a', 'stdio: no HTTP endpoint'));
      continue;
    }
    if (path === 'mcp-hub') {
      for (const rows of perStep.values())
        rows.push(notRun(path, 'n/a', 'serves MCP over SSE only; the load generator speaks streamable HTTP'));
      continue;
    }
    if (cfg.quick && path !== 'gridctl') {
      // keeps the quick run (and the CI test that runs it) short: the wiring is the same for every path
      for (const rows of perStep.values()) rows.push(notRun(path, 'n/a', 'quick run: gridctl only'));
      continue;
    }
    ctx.log(`scale: ${path} at ${sc.sessions.join(', ')} sessions`);
    const res = await withPath(
      ctx,
      path,
      [upstream],
      async (running) => {
        const out = new Map<number, LoadgenResult | string>();
        for (const n of sc.sessions) {
          if (path === 'supergateway' && n > cfg.idleSessionsPerProcessPeer) {
            out.set(
              n,
              `not run above ${cfg.idleSessionsPerProcessPeer} sessions: it spawns one upstream process per session`,
            );
            continue;
          }
          try {
            const r = await runLoadgen({
              url: running.mcpUrl!,
              toolName: running.toolName(upstream.name, 'echo'),
              sessions: n,
              workers: sc.workers,
              durationMs: sc.durationMs,
              warmupPerSession: warmupPer(n),
              ...(running.proc ? { gatewayPid: running.proc.pid } : {}),
            });
            ctx.log(
              `  ${path} ${n} sessions: ${Math.round(r.callsPerSec)} calls/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, gateway CPU ${r.gatewayCpuUs?.toFixed(0) ?? '—'} µs/call, ${r.errors} errors`,
            );
            out.set(n, r);
          } catch (err) {
            ctx.errors.push(`${path} (scale ${n}): ${reasonOf(err)}`);
            ctx.log(`  ${path} ${n} sessions: failed: ${reasonOf(err)}`);
            out.set(n, reasonOf(err));
          }
        }
        return out;
        // gridctl evicts the least recently used idle session past gateway.max_sessions (default
        // 1000): the top step's sessions must all fit, or its warm-up finds some evicted.
      },
      path === 'gridctl'
        ? { gatewayYaml: [`  max_sessions: ${Math.max(1000, 2 * Math.max(...sc.sessions))}`] }
        : {},
    );
    for (const n of sc.sessions) {
      const rows = perStep.get(n)!;
      const r = res.ok ? res.value.get(n) : res.reason;
      if (r === undefined || typeof r === 'string') {
        const why = r ?? 'not measured';
        rows.push(notRun(path, why.startsWith('not run') ? 'n/a' : 'unavailable', why));
      } else {
        const notes = [
          ...(r.errors > 0 ? [`${r.errors} failed calls (first: ${r.firstError ?? '?'})`] : []),
          ...(path === 'http-floor' ? ['in-process responder: no proxy process'] : []),
        ];
        rows.push(row(path, scaleValues(r), notes.join('; ') || undefined));
      }
    }
  }
  const how = `tools/call echo on server-everything, driven by ${sc.workers} load-generator processes (bench/lib/loadgen.ts: undici over keep-alive HTTP, one connection per session, initialize + notifications/initialized, then a closed loop; every answer checked against the expected echo) for ${sc.durationMs} ms after ${sc.warmupCalls} warm-up calls (at least 2 per session). One path at a time; gridctl with gateway.max_sessions raised above the top step (its default, 1000, evicts idle sessions). Gateway CPU/call: CPU of all the proxy's threads (/proc schedstat) over the measured window ÷ calls; upstream = the processes it spawned; generator = the worker processes. On a 2-core machine the generator shares the cores with the proxy, so calls/s is a floor on what the proxy can carry; CPU/call is the steadier figure.`;
  const scenarios: Scenario[] = sc.sessions.map((n) => ({
    id: `scale-c${n}`,
    title: `Scaling: tools/call echo at ${n} sessions (multi-process load generator)`,
    description: how,
    metrics: scaleMetrics.filter((m) => m.key !== 'sessions'),
    rows: perStep.get(n)!,
    ratios: [],
    notes: [],
  }));
  if (cfg.paths.includes('gridctl')) {
    scenarios.push({
      id: 'scale-curve',
      title: 'Scaling curve: gridctl as sessions grow',
      description: how,
      metrics: scaleMetrics,
      rows: sc.sessions.map((n) => {
        const r = perStep.get(n)!.find((x) => x.path === 'gridctl')!;
        return { ...r, label: `gridctl, ${n} sessions` };
      }),
      ratios: [],
      notes: [],
    });
  }
  return scenarios;
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
