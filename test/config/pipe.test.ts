// Output to a reader that went away (`gridctl logs x | head -1`): the real CLI in a real process must
// end quietly, with no EPIPE stack trace, whatever the command.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gridctlProcess, type Sandbox, sandbox } from '../lifecycle/cli.js';

/** Runs gridctl, closes its stdout after the first chunk (as `head -1` does), returns how it ended. */
async function closedAfterFirstChunk(sb: Sandbox, args: string[]) {
  const { child } = gridctlProcess(sb, args);
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stderr };
}

describe('CLI output to a closed pipe', () => {
  it('`logs` (plain and --follow) exits 0 without a stack trace when the reader goes away', async () => {
    const sb = sandbox(); // removed after the file by tempDir
    mkdirSync(join(sb.home, 'logs'), { recursive: true });
    // Far more than one pipe buffer (64 KiB), so writes continue after the reader has gone.
    const lines = Array.from({ length: 50_000 }, (_, i) => `2026-12-01T00:00:00.000Z INFO  line ${i}\n`);
    writeFileSync(join(sb.home, 'logs', 'big.log'), lines.join(''));
    for (const args of [
      ['logs', 'big', '-n', '50000'],
      ['logs', 'big', '-n', '50000', '--follow'],
    ]) {
      const r = await closedAfterFirstChunk(sb, args);
      expect(r.stderr, args.join(' ')).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
      expect(r.code, args.join(' ')).toBe(0);
    }
  });
});
