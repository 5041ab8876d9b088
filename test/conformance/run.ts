// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, needs Node 22, run
// through npx) against a Gateway fronting our fixture servers unprefixed, once per SUITES entry.
//   npx tsx test/conformance/run.ts            exit 0 when every run matches its baseline file
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
        done({ code: code ?? 1, output });
      });
    });
  } finally {
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let code = 0;
  for (const suite of SUITES) {
    const r = await runConformance({ suite });
    process.stdout.write(`\n##### ${suite.name}\n${r.output}`);
    code ||= r.code;
  }
  process.exit(code);
}
