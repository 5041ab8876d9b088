// `npm run bench [-- --quick] [--out DIR] [--paths a,b,...] [--scenarios a,b,...] [--sessions 1,8]`
// Starts every path on 127.0.0.1, drives them with the SDK client, stops everything, and writes
// DIR/latest.json, DIR/latest.md and DIR/latest.svg (DIR defaults to bench/results for a full run
// and bench/results/quick for --quick, so a quick run never writes over the full results).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { type ObservabilityCost, observabilityScenario } from './lib/observability.js';
import { GRIDCTL_BIN, PATH_IDS, PATH_INFO, type PathId, ROOT } from './lib/paths.js';
import { alive, killAllNow, seenProcesses } from './lib/proc.js';
import { computeRatios, type Report, type Scenario, toMarkdown } from './lib/report.js';
import {
  type Ctx,
  echoScenarios,
  ensureDir,
  fullConfig,
  idleSessionsScenario,
  largeListScenario,
  quickConfig,
  scaleScenario,
  startupScenario,
} from './lib/scenarios.js';
import { toSvg } from './lib/svg.js';
import { type TokenReport, tokenScenario } from './lib/tokens.js';

interface Args {
  quick: boolean;
  /** only re-render DIR/latest.md and latest.svg from DIR/latest.json */
  render: boolean;
  out: string;
  paths: PathId[];
  /** Scenario groups to run (default all); `--scenarios echo --sessions 1` is the quickest CPU/call. */
  scenarios: ScenarioGroup[];
  /** Overrides the echo and scale scenarios' session counts. */
  sessions?: number[];
  /** Overrides the echo scenarios' warm-up calls (JIT and metric series settle in a few thousand). */
  warmup?: number;
}

const SCENARIO_GROUPS = [
  'echo',
  'fixture',
  'startup',
  'list',
  'idle',
  'tokens',
  'observability',
  'scale',
] as const;
type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

const FULL_OUT = join(ROOT, 'bench/results');
const QUICK_OUT = join(ROOT, 'bench/results/quick');
const PARTIAL_OUT = join(ROOT, 'bench/results/partial');

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    render: false,
    out: '',
    paths: PATH_IDS,
    scenarios: [...SCENARIO_GROUPS],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--render') args.render = true;
    else if (a === '--out') args.out = resolve(argv[++i] ?? '');
    else if (a === '--paths') {
      const wanted = (argv[++i] ?? '').split(',').filter(Boolean);
      for (const w of wanted) {
        if (!PATH_IDS.includes(w as PathId))
          throw new Error(`unknown path "${w}" (known: ${PATH_IDS.join(', ')})`);
      }
      args.paths = PATH_IDS.filter((p) => wanted.includes(p));
    } else if (a === '--scenarios') {
      const wanted = (argv[++i] ?? '').split(',').filter(Boolean);
      for (const w of wanted) {
        if (!SCENARIO_GROUPS.includes(w as ScenarioGroup))
          throw new Error(`unknown scenario group "${w}" (known: ${SCENARIO_GROUPS.join(', ')})`);
      }
      args.scenarios = SCENARIO_GROUPS.filter((g) => wanted.includes(g));
    } else if (a === '--sessions') {
      const n = (argv[++i] ?? '').split(',').map(Number);
      if (n.length === 0 || n.some((x) => !Number.isInteger(x) || x < 1))
        throw new Error('--sessions takes session counts, e.g. 1,8,32');
      args.sessions = n;
    } else if (a === '--warmup') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error('--warmup takes a number of calls');
      args.warmup = n;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(
        `usage: npm run bench -- [--quick] [--out DIR] [--render] [--paths stdio-direct,http-floor,gridctl,supergateway,mcp-proxy,mcp-hub] [--scenarios ${SCENARIO_GROUPS.join(',')}] [--sessions 1,8,32] [--warmup CALLS]\n` +
          '  BENCH_GRIDCTL_BIN=<other checkout>/bin/gridctl.js measures another build (e.g. a baseline);\n' +
          '  npx tsx bench/compare.ts --base <checkout> compares two builds in one run (CPU per call).\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  // A run of some scenarios only never writes over the full (or quick) results either.
  const partial =
    args.scenarios.length < SCENARIO_GROUPS.length ||
    args.sessions !== undefined ||
    args.warmup !== undefined;
  if (!args.out) args.out = partial ? PARTIAL_OUT : args.quick ? QUICK_OUT : FULL_OUT;
  return args;
}

function version(pkg: string): string {
  try {
    const file =
      pkg === 'gridctl' ? join(ROOT, 'package.json') : join(ROOT, 'node_modules', pkg, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    const report = JSON.parse(readFileSync(join(args.out, 'latest.json'), 'utf8')) as Report;
    for (const s of report.scenarios) computeRatios(s);
    writeFileSync(join(args.out, 'latest.md'), toMarkdown(report));
    writeFileSync(join(args.out, 'latest.svg'), toSvg(report));
    process.stderr.write(`[bench] re-rendered ${join(args.out, 'latest.{md,svg}')}\n`);
    return 0;
  }
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  const workDir = mkdtempSync(join(tmpdir(), 'gridctl-bench-'));
  currentWorkDir = workDir;
  const cfg = args.quick ? quickConfig(workDir, args.paths) : fullConfig(workDir, args.paths);
  if (args.sessions) {
    cfg.concurrencies = args.sessions;
    cfg.scale.sessions = args.sessions;
  }
  if (args.warmup !== undefined) cfg.warmupCalls = args.warmup;
  const on = (g: ScenarioGroup) => args.scenarios.includes(g);
  const ctx: Ctx = {
    cfg,
    log: (msg) =>
      process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`),
    stopIssues: [],
    errors: [],
    unavailable: new Map(),
  };
  ctx.log(`${args.quick ? 'quick' : 'full'} run; paths: ${args.paths.join(', ')}; work dir ${workDir}`);

  const scenarios: Scenario[] = [];
  let tokens: TokenReport | undefined;
  let observability: ObservabilityCost | undefined;
  try {
    if (on('echo')) scenarios.push(...(await echoScenarios(ctx, 'everything')));
    if (cfg.fixtureEcho && on('fixture')) scenarios.push(...(await echoScenarios(ctx, 'fixture')));
    if (on('startup')) scenarios.push(...(await startupScenario(ctx)));
    if (on('list')) scenarios.push(...(await largeListScenario(ctx)));
    if (on('idle')) scenarios.push(...(await idleSessionsScenario(ctx)));
    if (on('scale')) scenarios.push(...(await scaleScenario(ctx)));
    if (args.paths.includes('gridctl')) {
      if (on('tokens')) {
        try {
          tokens = await tokenScenario(ctx);
        } catch (err) {
          ctx.errors.push(`tokens: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        }
      }
      if (on('observability')) {
        try {
          observability = await observabilityScenario(ctx, ensureDir(join(workDir, 'observability')));
        } catch (err) {
          ctx.errors.push(
            `observability: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
          );
        }
      }
    }
  } finally {
    killAllNow();
    rmSync(workDir, { recursive: true, force: true });
  }
  for (const s of scenarios) computeRatios(s);

  // Prove nothing the harness started is still running.
  const survivors = [...seenProcesses.keys()].filter((pid) => pid !== process.pid && alive(pid));
  for (const pid of survivors) {
    ctx.errors.push(
      `process ${pid} (${seenProcesses.get(pid)?.slice(0, 100)}) still alive at the end; killed`,
    );
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }

  const paths = args.paths.map((p) => {
    const reason = ctx.unavailable.get(p);
    return {
      path: p,
      label: PATH_INFO[p].label,
      how: PATH_INFO[p].how,
      available: !reason,
      ...(reason ? { reason } : {}),
    };
  });
  const cpuList = cpus();
  const report: Report = {
    meta: {
      date: new Date().toISOString(),
      mode: args.quick ? 'quick' : 'full',
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      node: process.version,
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      totalMemGiB: Math.round(totalmem() / 2 ** 30),
      durationSec: (performance.now() - started) / 1000,
      loadAvg1m: { before: round2(loadBefore), after: round2(loadavg()[0] ?? 0) },
      workDir,
      gridctl: { bin: GRIDCTL_BIN, commit: process.env.BENCH_GRIDCTL_COMMIT ?? gitCommit() },
      versions: Object.fromEntries(
        [
          'gridctl',
          '@modelcontextprotocol/sdk',
          '@modelcontextprotocol/server-everything',
          'supergateway',
          'mcp-proxy',
          'mcp-hub',
          'hdr-histogram-js',
        ].map((p) => [p, version(p)]),
      ),
    },
    paths,
    scenarios,
    ...(tokens ? { tokens } : {}),
    ...(observability ? { observability } : {}),
    processes: [...seenProcesses].map(([pid, cmdline]) => ({ pid, cmdline })),
    stopIssues: ctx.stopIssues,
    errors: ctx.errors,
  };

  ensureDir(args.out);
  const md = toMarkdown(report);
  writeFileSync(join(args.out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(args.out, 'latest.md'), md);
  writeFileSync(join(args.out, 'latest.svg'), toSvg(report));
  process.stdout.write(md);
  ctx.log(`wrote ${join(args.out, 'latest.{json,md,svg}')} in ${Math.round(report.meta.durationSec)} s`);
  return 0;
}

/** The running harness's temp dir, removed also when the harness is interrupted. */
let currentWorkDir: string | undefined;

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAllNow();
    if (currentWorkDir) rmSync(currentWorkDir, { recursive: true, force: true });
    process.exit(130);
  });
}
process.on('exit', () => killAllNow());

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    killAllNow();
    process.stderr.write(
      `[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
