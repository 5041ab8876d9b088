// `npx tsx bench/compare.ts --base PATH [--rounds R] [--calls N] [--sessions S] [--warmup W]`
// A/B of two gridctl builds on the hot path: this checkout's bin/gridctl.js and the build at PATH
// (a checkout with dist/ built, or its bin/gridctl.js), each fronting its own server-everything.
// Echo calls from S closed-loop SDK sessions per build (1: sequential), the two measured in alternating rounds
// (the order flips each round) so a noisy neighbour hits both alike. The figure is the bench's
// "proxy CPU/call": CPU time of the gateway process's threads (schedstat) ÷ calls. Prints every
// round, then per build the median and the spread (min–max) of the rounds, and the ratio.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { everythingUpstream, GRIDCTL_BIN, type Running, startPath } from './lib/paths.js';
import { cpuNs, killAllNow } from './lib/proc.js';

function opt(argv: string[], name: string, fallback?: string): string {
  const i = argv.indexOf(name);
  const v = i >= 0 ? argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
}

function binOf(path: string): string {
  const p = resolve(path);
  const bin = p.endsWith('.js') ? p : join(p, 'bin/gridctl.js');
  if (!existsSync(bin)) throw new Error(`no gridctl build at ${bin}`);
  return bin;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'usage: npx tsx bench/compare.ts --base PATH [--rounds 10] [--calls 1000] [--sessions 1] [--warmup 3000] [--message TEXT]\n',
    );
    return;
  }
  const builds = [
    { label: 'base', bin: binOf(opt(argv, '--base')) },
    { label: 'this', bin: GRIDCTL_BIN },
  ];
  const rounds = Number(opt(argv, '--rounds', '10'));
  const calls = Number(opt(argv, '--calls', '1000'));
  const message = opt(argv, '--message', 'compare probe');
  const work = mkdtempSync(join(tmpdir(), 'gridctl-compare-'));
  const load0 = loadavg()[0] ?? 0;
  const sessions = Number(opt(argv, '--sessions', '1'));
  const running: { label: string; bin: string; r: Running; clients: Client[]; close: () => Promise<void> }[] =
    [];
  try {
    for (const b of builds) {
      const r = await startPath('gridctl', [everythingUpstream()], { workDir: work, gridctlBin: b.bin });
      const ss = await Promise.all(Array.from({ length: sessions }, () => r.connect()));
      running.push({
        ...b,
        r,
        clients: ss.map((s) => s.client),
        close: async () => {
          for (const s of ss) await s.close();
          await r.stop();
        },
      });
    }
    const call = (c: Client, i: number) =>
      c.callTool({ name: 'everything__echo', arguments: { message: `${message} ${i}` } });
    /** `n` calls shared by the build's sessions, each a closed loop. */
    const drive = async (clients: Client[], n: number, ms?: number[]) => {
      let next = 0;
      await Promise.all(
        clients.map(async (c) => {
          for (let i = next++; i < n; i = next++) {
            const t = performance.now();
            await call(c, i);
            ms?.push(performance.now() - t);
          }
        }),
      );
    };
    const warmup = Number(opt(argv, '--warmup', '3000'));
    for (const v of running) await drive(v.clients, warmup); // warm-up: JIT, metric series, trace ring
    const perCall = running.map(() => [] as number[]);
    const latency = running.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      const line: string[] = [];
      for (let k = 0; k < running.length; k++) {
        const i = (round + k) % running.length;
        const v = running[i]!;
        const pid = v.r.proc!.pid;
        const c0 = cpuNs(pid);
        await drive(v.clients, calls, latency[i]);
        const us = (cpuNs(pid) - c0) / 1000 / calls;
        perCall[i]!.push(us);
        line.push(`${v.label} ${us.toFixed(0)} µs`);
      }
      process.stdout.write(`round ${round + 1}: ${line.join(', ')}\n`);
    }
    process.stdout.write(
      `\ngateway CPU per call, ${rounds} rounds × ${calls} echo calls from ${sessions} session(s) (load average ${load0.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}):\n`,
    );
    running.forEach((v, i) => {
      const xs = perCall[i]!;
      process.stdout.write(
        `  ${v.label.padEnd(5)} median ${median(xs).toFixed(0)} µs, spread ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} µs; call p50 ${median(latency[i]!).toFixed(3)} ms  (${v.bin})\n`,
      );
    });
    const ratios = perCall[1]!.map((x, i) => x / perCall[0]![i]!);
    process.stdout.write(
      `  this ÷ base: median ${median(ratios).toFixed(2)}, per-round spread ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}\n`,
    );
  } finally {
    for (const v of running) await v.close().catch(() => {});
    killAllNow();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  killAllNow();
  process.stderr.write(`compare failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
