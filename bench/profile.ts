// `npx tsx bench/profile.ts [--seconds S] [--concurrency C] [--out DIR] [--observability off]`
// Starts gridctl with `node --cpu-prof` fronting server-everything, drives echo calls at the given
// concurrency, stops it with SIGTERM (Node writes the profile on exit) and prints where the gateway
// process spent its time while the load ran (start-up and warm-up left out): by package/area and
// by function (self time), and the inclusive time of gridctl's own functions, each per call.
// The profiler samples wall time of the main thread: a frame in a write syscall also collects the
// time the gateway waited to run again after waking its peer (on a loaded machine, most of
// `writev` / `writeUtf8String`), so the bench's schedstat CPU/call is the figure to compare.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { echoOp, runLoad } from './lib/load.js';
import { everythingUpstream, startPath } from './lib/paths.js';
import { killAllNow } from './lib/proc.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  startTime: number;
  nodes: (ProfileNode & { children?: number[] })[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native / V8)';
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `gridctl ${url.slice(dist + 6)}`;
  return url;
}

/**
 * The profile's busy time, per call when `calls` is given. `from`/`to` (µs on the profiler's clock,
 * CLOCK_MONOTONIC like process.hrtime) keep only the samples of the measured window.
 */
export function summarize(
  profile: CpuProfile,
  top = 25,
  window: { from?: number; to?: number; calls?: number } = {},
): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if ((window.from !== undefined && t < window.from) || (window.to !== undefined && t > window.to)) return;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const keyOf = (n: ProfileNode) => {
    const { functionName, url, lineNumber } = n.callFrame;
    return `${functionName || '(anonymous)'}  ${url ? `${area(url, '')}:${lineNumber + 1}` : ''}`;
  };
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url } = n.callFrame;
    const a = area(url, functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
    const key = keyOf(n);
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    if (a === '(idle)') continue;
    // Inclusive: each gridctl frame on the sample's stack once (recursion counted once).
    const seen = new Set<string>();
    for (let q: number | undefined = id; q !== undefined; q = parent.get(q)) {
      const f = byId.get(q);
      if (!f || !area(f.callFrame.url, f.callFrame.functionName).startsWith('gridctl ')) continue;
      const k = keyOf(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  // Shares of busy time: idle samples (waiting in epoll) are left out of the denominator.
  const idle = byArea.get('(idle)') ?? 0;
  byArea.delete('(idle)');
  for (const k of [...byFn.keys()]) if (k.startsWith('(idle)')) byFn.delete(k);
  const busy = Math.max(1, total - idle);
  const calls = window.calls;
  const pct = (us: number) =>
    `${((100 * us) / busy).toFixed(1).padStart(5)} %${calls ? `  ${(us / calls).toFixed(1).padStart(6)} µs/call` : ''}`;
  const lines = [
    `sampled ${(total / 1e6).toFixed(2)} s; busy ${(busy / 1e6).toFixed(2)} s (${((100 * busy) / total).toFixed(1)} %)${calls ? `, ${calls} calls: ${(busy / calls).toFixed(0)} µs busy per call` : ''}; shares below are of busy time`,
    '',
    'by area (self time):',
  ];
  for (const [k, us] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`  ${pct(us)}  ${k}`);
  lines.push('', 'by function (self time):');
  for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push('', "gridctl's functions (inclusive time):");
  for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`  ${pct(us)}  ${k}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
  };
  const seconds = Number(opt('--seconds', '10'));
  const concurrency = Number(opt('--concurrency', '8'));
  const observability = opt('--observability', 'on');
  const out = resolve(opt('--out', mkdtempSync(join(tmpdir(), 'gridctl-prof-'))));
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'gridctl-bench-'));
  process.env.BENCH_GATEWAY_CPU_PROF = out;
  try {
    const up = everythingUpstream();
    const running = await startPath('gridctl', [up], {
      workDir: work,
      ...(observability === 'off'
        ? { gatewayYaml: ['  metrics:', '    enabled: false', '  tracing:', '    enabled: false'] }
        : {}),
    });
    const now = () => Number(process.hrtime.bigint() / 1000n);
    let window: { from: number; to: number; calls: number } | undefined;
    try {
      // Warm-up first (JIT, metric series, the trace ring), outside the window.
      await runLoad(running, echoOp(running.toolName(up.name, 'echo')), {
        concurrency,
        warmupPerWorker: 50,
        durationMs: 3000,
        maxCalls: 10_000_000,
      });
      const from = now();
      const res = await runLoad(running, echoOp(running.toolName(up.name, 'echo')), {
        concurrency,
        warmupPerWorker: 5,
        durationMs: seconds * 1000,
        maxCalls: 10_000_000,
      });
      window = { from, to: now(), calls: res.calls };
      process.stdout.write(
        `echo c=${concurrency} through gridctl (observability ${observability}): ${res.calls} calls, p50 ${res.p50.toFixed(3)} ms, p99 ${res.p99.toFixed(3)} ms, ${Math.round(res.callsPerSec)} calls/s\n\n`,
      );
    } finally {
      const stopped = await running.stop();
      for (const l of stopped.leaked) process.stderr.write(`stop: ${l}\n`);
    }
    const files = readdirSync(out).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length === 0)
      throw new Error(`no .cpuprofile written to ${out} (did the gateway exit cleanly?)`);
    for (const f of files) {
      process.stdout.write(
        `${join(out, f)}\n${summarize(JSON.parse(readFileSync(join(out, f), 'utf8')), 25, window)}\n\n`,
      );
    }
  } finally {
    killAllNow();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    killAllNow();
    process.stderr.write(`profile failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
