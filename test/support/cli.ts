// Runs the real CLI in-process and captures what a user would see.
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** Two streams standing in for stdout and stderr, and what was written to them. */
export function captureOutput() {
  const out = new PassThrough();
  const err = new PassThrough();
  const seen = { stdout: '', stderr: '' };
  out.on('data', (c) => {
    seen.stdout += c;
  });
  err.on('data', (c) => {
    seen.stderr += c;
  });
  return { out, err, seen };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  const { out, err, seen } = captureOutput();
  const code = await main(['node', 'gridctl', ...args], {
    stdout: out,
    stderr: err,
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
  });
  return { code, ...seen };
}
