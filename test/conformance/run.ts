// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, needs Node 22, run
// through npx) against a Gateway fronting our fixture servers unprefixed, once per SUITES entry.
//   npx tsx test/conformance/run.ts [--only NAME]...   exit 0 when every run matches its baseline
//   npx tsx test/conformance/run.ts --help
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type FixtureSet, startConformanceGateway } from './serve.js';

export const CONFORMANCE_VERSION = '0.2.0-alpha.12';
export const EXPECTED_FAILURES = resolve(import.meta.dirname, 'expected-failures.txt');

/** One run of the suite: its selection flags, the fixtures behind the gateway, its baseline file. */
export interface ConformanceSuite {
  name: string;
  args: string[];
  fixtures: FixtureSet;
  expected: string;
}

const here = (f: string) => resolve(import.meta.dirname, f);

/**
 * Every server scenario at 2025-11-25 (our 2025 fixture) and at 2026-07-28 (that fixture and the
 * 2026 one side by side), plus exactly what the 2026-07-28 revision requires (extensions included).
 */
export const SUITES: ConformanceSuite[] = [
  {
    name: '2025-11-25',
    args: ['--suite', 'all', '--spec-version', '2025-11-25'],
    fixtures: 'handshake',
    expected: here('expected-failures.txt'),
  },
  {
    name: '2026-07-28',
    args: ['--suite', 'all', '--spec-version', '2026-07-28'],
    fixtures: 'both',
    expected: here('expected-failures-2026-07-28.txt'),
  },
  {
    name: 'requirements 2026-07-28',
    args: ['--requirements', '2026-07-28'],
    fixtures: 'both',
    expected: here('expected-failures-requirements-2026-07-28.txt'),
  },
];

/** `scenario  # reason` lines → scenario names; an entry without a reason is an error. */
export function readExpectedFailures(path: string = EXPECTED_FAILURES): string[] {
  const out: string[] = [];
  for (const [i, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [name, reason] = line.split(/\s+#\s*/, 2);
    if (!name || !reason) throw new Error(`${path}:${i + 1}: every entry needs "# reason"`);
    out.push(name.trim());
  }
  return out;
}

/** One scenario's checks as the suite saved them (`-o DIR`: DIR/server-<scenario>-<time>/checks.json). */
export interface ScenarioResult {
  scenario: string;
  checks: Array<{ id: string; status: string }>;
}

/** Every scenario that ran, from the suite's output directory. */
export function readResults(dir: string): ScenarioResult[] {
  if (!existsSync(dir)) return [];
  const out: ScenarioResult[] = [];
  for (const d of readdirSync(dir)) {
    const file = join(dir, d, 'checks.json');
    if (!d.startsWith('server-') || !existsSync(file)) continue; // a skipped scenario saves no checks
    const scenario = d.slice('server-'.length).replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    out.push({ scenario, checks: JSON.parse(readFileSync(file, 'utf8')) });
  }
  return out;
}

const failing = (status: string) => status === 'FAILURE' || status === 'WARNING';

/**
 * Baseline entries that no longer describe a failure, each with why. The suite itself flags only
 * an entry whose scenario ran and passed (or whose check passed); an entry naming a scenario that
 * did not run (renamed, misspelt, outside this version's selection) or a check the scenario no
 * longer reports slipped through. Here each of those is stale too: a baseline lists only what fails.
 */
export function staleEntries(expected: string[], results: ScenarioResult[]): string[] {
  const byName = new Map(results.map((r) => [r.scenario, r]));
  const stale: string[] = [];
  for (const entry of expected) {
    const at = entry.indexOf(':');
    const scenario = at < 0 ? entry : entry.slice(0, at);
    const r = byName.get(scenario);
    if (!r) {
      stale.push(`${entry}: scenario did not run`);
      continue;
    }
    if (at < 0) {
      if (!r.checks.some((c) => failing(c.status))) stale.push(`${entry}: scenario passed`);
      continue;
    }
    const check = entry.slice(at + 1);
    const statuses = r.checks.filter((c) => c.id === check && c.status !== 'INFO').map((c) => c.status);
    if (statuses.length === 0) stale.push(`${entry}: the scenario reports no such check`);
    else if (!statuses.some(failing)) stale.push(`${entry}: check passed`);
  }
  return stale;
}

export interface ConformanceRun {
  code: number;
  output: string;
}

export async function runConformance(
  opts: { timeoutMs?: number; suite?: ConformanceSuite } = {},
): Promise<ConformanceRun> {
  const suite = opts.suite ?? SUITES[0]!;
  const expected = readExpectedFailures(suite.expected);
  const dir = mkdtempSync(join(tmpdir(), 'gridctl-conformance-'));
  const baseline = join(dir, 'baseline.yml');
  writeFileSync(baseline, `server: ${JSON.stringify(expected)}\n`);
  const { gateway, url } = await startConformanceGateway(0, suite.fixtures);
  try {
    return await new Promise<ConformanceRun>((done) => {
      const child = spawn(
        'npx',
        [
          '-y',
          '-p',
          'node@22',
          '-p',
          `@modelcontextprotocol/conformance@${CONFORMANCE_VERSION}`,
          'conformance',
          'server',
          '--url',
          url,
          ...suite.args,
          '--expected-failures',
          baseline,
          '-o',
          join(dir, 'results'),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: dir },
      );
      let output = '';
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        output += c.toString();
      });
      const timer = setTimeout(() => {
        output += `\n[run.ts] timed out after ${opts.timeoutMs} ms; killing the suite\n`;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {}
      }, opts.timeoutMs ?? 170_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        const stale = staleEntries(expected, readResults(join(dir, 'results')));
        if (stale.length === 0) return done({ code: code ?? 1, output });
        output += `\n[run.ts] stale entries in ${suite.expected} (remove them):\n${stale.map((s) => `  ${s}\n`).join('')}`;
        done({ code: 1, output });
      });
    });
  } finally {
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `Runs @modelcontextprotocol/conformance@${CONFORMANCE_VERSION} (Node 22 through npx) against a gateway\n` +
        'fronting the conformance fixtures, once per run below, each checked against its baseline file.\n\n' +
        'Usage: npx tsx test/conformance/run.ts [--only NAME]...\n\nRuns:\n' +
        SUITES.map(
          (s) =>
            `  ${JSON.stringify(s.name)}: ${s.args.join(' ')} (fixtures: ${s.fixtures}; ${s.expected})\n`,
        ).join(''),
    );
    process.exit(0);
  }
  const only = args.flatMap((a, i) => (args[i - 1] === '--only' ? [a] : []));
  const unknown = only.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown run ${JSON.stringify(unknown)}; see --help\n`);
    process.exit(2);
  }
  let code = 0;
  for (const suite of SUITES.filter((s) => only.length === 0 || only.includes(s.name))) {
    const r = await runConformance({ suite, timeoutMs: 600_000 });
    process.stdout.write(`\n##### ${suite.name}\n${r.output}`);
    code ||= r.code;
  }
  process.exit(code);
}
