// `npx tsx bench/profile.ts [--seconds S] [--concurrency C] [--out DIR]`
// Starts gridctl with `node --cpu-prof` fronting server-everything, drives echo calls at the given
// concurrency, stops it with SIGTERM (Node writes the profile on exit) and prints where the gateway
// process spent its CPU: by package/area and by function (self time).
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
  nodes: ProfileNode[];
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

export function summarize(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const a = area(url, functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
    const key = `${functionName || '(anonymous)'}  ${url ? `${area(url, '')}:${lineNumber + 1}` : ''}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  // Shares of busy time: idle samples (waiting in epoll) are left out of the denominator.
  const idle = byArea.get('(idle)') ?? 0;
  byArea.delete('(idle)');
  for (const k of [...byFn.keys()]) if (k.startsWith('(idle)')) byFn.delete(k);
  const busy = Math.max(1, total - idle);
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  const lines = [
    `sampled ${(total / 1e6).toFixed(2)} s; busy ${(busy / 1e6).toFixed(2)} s (${((100 * busy) / total).toFixed(1)} %); shares below are of busy time`,
    '',
    'by area (self time):',
  ];
  for (const [k, us] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`  ${pct(us)}  ${k}`);
  lines.push('', 'by function (self time):');
  for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
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
  const out = resolve(opt('--out', mkdtempSync(join(tmpdir(), 'gridctl-prof-'))));
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'gridctl-bench-'));
  process.env.BENCH_GATEWAY_CPU_PROF = out;
  try {
    const up = everythingUpstream();
    const running = await startPath('gridctl', [up], { workDir: work });
    try {
      const res = await runLoad(running, echoOp(running.toolName(up.name, 'echo')), {
        concurrency,
        warmupPerWorker: 50,
        durationMs: seconds * 1000,
        maxCalls: 10_000_000,
      });
      process.stdout.write(
        `echo c=${concurrency} through gridctl: ${res.calls} calls, p50 ${res.p50.toFixed(3)} ms, p99 ${res.p99.toFixed(3)} ms, ${Math.round(res.callsPerSec)} calls/s\n\n`,
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
        `${join(out, f)}\n${summarize(JSON.parse(readFileSync(join(out, f), 'utf8')))}\n\n`,
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
