// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, needs Node 22, run
// through npx) against a Gateway fronting our fixture server unprefixed.
//   npx tsx test/conformance/run.ts            exit 0 when the results match expected-failures.txt
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startConformanceGateway } from './serve.js';

export const CONFORMANCE_VERSION = '0.1.16';
export const EXPECTED_FAILURES = resolve(import.meta.dirname, 'expected-failures.txt');

/** `scenario  # reason` lines → scenario names; an entry without a reason is an error. */
export function readExpectedFailures(path = EXPECTED_FAILURES): string[] {
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

export async function runConformance(opts: { timeoutMs?: number } = {}): Promise<ConformanceRun> {
  const expected = readExpectedFailures();
  const dir = mkdtempSync(join(tmpdir(), 'gridctl-conformance-'));
  const baseline = join(dir, 'baseline.yml');
  writeFileSync(baseline, `server: ${JSON.stringify(expected)}\n`);
  const { gateway, url } = await startConformanceGateway();
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
          '--suite',
          'all',
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
  const r = await runConformance();
  process.stdout.write(r.output);
  process.exit(r.code);
}
