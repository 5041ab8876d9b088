// What observing costs on the hot path: the same gridctl build twice, once as shipped (metrics,
// token counting and tracing on, as by default) and once with `gateway.metrics.enabled: false` and
// `gateway.tracing.enabled: false` (nothing subscribed to the diagnostics channels), each with one
// server-everything. Sequential echo calls, the two measured in alternating rounds; CPU per call of
// the gateway process is the steady figure, latency is shown beside it.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { everythingUpstream, type Running, startPath } from './paths.js';
import { cpuNs } from './proc.js';
import type { Ctx } from './scenarios.js';

export interface ObservabilityVariant {
  label: string;
  calls: number;
  /** Gateway process CPU per call, µs (user + system). */
  cpuPerCallUs: number;
  p50Ms: number;
  p95Ms: number;
}

export interface ObservabilityCost {
  observed: ObservabilityVariant;
  unobserved: ObservabilityVariant;
  /** observed ÷ unobserved */
  cpuRatio: number;
  p50Ratio: number;
}

const OFF = ['  metrics:', '    enabled: false', '  tracing:', '    enabled: false'];

export async function observabilityScenario(ctx: Ctx, dir: string): Promise<ObservabilityCost> {
  const rounds = ctx.cfg.quick ? 2 : 8;
  const perRound = ctx.cfg.quick ? 100 : 500;
  ctx.log(
    `observability cost: gridctl with and without metrics and tracing, ${rounds} × ${perRound} echo calls each`,
  );
  const variants: { label: string; running: Running; client: Client; close: () => Promise<void> }[] = [];
  try {
    for (const [label, gatewayYaml] of [
      ['metrics + tracing on (default)', undefined],
      ['metrics + tracing off', OFF],
    ] as const) {
      const running = await startPath('gridctl', [everythingUpstream()], {
        workDir: dir,
        gatewayYaml: gatewayYaml ? [...gatewayYaml] : undefined,
      });
      const s = await running.connect();
      variants.push({
        label,
        running,
        client: s.client,
        close: async () => {
          await s.close();
          await running.stop();
        },
      });
    }
    const call = (c: Client) =>
      c.callTool({ name: 'everything__echo', arguments: { message: 'observability cost probe' } });
    for (const v of variants) for (let i = 0; i < 50; i++) await call(v.client); // warm-up
    const acc = variants.map(() => ({ cpu: 0, ms: [] as number[] }));
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < variants.length; k++) {
        const i = (r + k) % variants.length;
        const v = variants[i]!;
        const pid = v.running.proc!.pid;
        const c0 = cpuNs(pid);
        for (let n = 0; n < perRound; n++) {
          const t = performance.now();
          await call(v.client);
          acc[i]!.ms.push(performance.now() - t);
        }
        acc[i]!.cpu += cpuNs(pid) - c0;
      }
    }
    const out = variants.map((v, i): ObservabilityVariant => {
      const ms = acc[i]!.ms.sort((a, b) => a - b);
      const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!;
      return {
        label: v.label,
        calls: ms.length,
        cpuPerCallUs: acc[i]!.cpu / ms.length / 1000,
        p50Ms: q(0.5),
        p95Ms: q(0.95),
      };
    });
    const [observed, unobserved] = out as [ObservabilityVariant, ObservabilityVariant];
    for (const v of out)
      ctx.log(
        `  ${v.label}: ${v.cpuPerCallUs.toFixed(1)} µs CPU/call, p50 ${v.p50Ms.toFixed(3)} ms, p95 ${v.p95Ms.toFixed(3)} ms`,
      );
    return {
      observed,
      unobserved,
      cpuRatio: observed.cpuPerCallUs / unobserved.cpuPerCallUs,
      p50Ratio: observed.p50Ms / unobserved.p50Ms,
    };
  } finally {
    for (const v of variants) await v.close().catch(() => {});
  }
}

export function observabilityMarkdown(o: ObservabilityCost): string[] {
  const row = (v: ObservabilityVariant) =>
    `| ${v.label} | ${v.calls} | ${v.cpuPerCallUs.toFixed(1)} | ${v.p50Ms.toFixed(3)} | ${v.p95Ms.toFixed(3)} |`;
  return [
    '## Observability cost (tools/call echo, sequential)',
    '',
    'The same build with metrics, token counting and tracing on (the default) and off; gateway CPU per call is the steady figure.',
    '',
    '| gridctl | calls | gateway CPU µs/call | p50 ms | p95 ms |',
    '|---|---|---|---|---|',
    row(o.observed),
    row(o.unobserved),
    `| on ÷ off | | ${o.cpuRatio.toFixed(2)} | ${o.p50Ratio.toFixed(2)} | |`,
    '',
  ];
}
