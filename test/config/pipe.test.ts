// Output to a reader that went away (`gridctl logs x | head -1`): the real CLI in a real process must
// end quietly, with no EPIPE stack trace, whatever the command.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gridctlProcess, localServer, MEMORY, type Sandbox, sandbox, stackYaml } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { processesIn, processesMatching } from '../support/processes.js';

/**
 * Runs gridctl and closes one of its output pipes after the first chunk (as `head -1` does), then
 * returns how it ended and what it wrote to the other one.
 */
async function closedAfterFirstChunk(sb: Sandbox, args: string[], closed: 'stdout' | 'stderr' = 'stdout') {
  const { child } = gridctlProcess(sb, args);
  const other = closed === 'stdout' ? child.stderr : child.stdout;
  let seen = '';
  other.on('data', (c) => {
    seen += c;
  });
  child[closed].once('data', () => child[closed].destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stderr: seen };
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

  it('a foreground gateway whose output pipe closes (2>&1 | head) stops its servers and exits 0', async () => {
    const sb = sandbox();
    const file = sb.write('stack.yaml', stackYaml('piped', localServer('mem', MEMORY)));
    const port = String(await freePort());
    // The foreground gateway writes its progress and log to stderr.
    const r = await closedAfterFirstChunk(sb, ['apply', file, '--foreground', '--port', port], 'stderr');
    expect(r.code).toBe(0);
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);
    // And it left no stale state behind for `status` to report.
    expect(existsSync(join(sb.home, 'state', 'piped.json'))).toBe(false);
  });
});
