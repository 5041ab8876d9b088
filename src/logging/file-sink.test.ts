import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.js';
import { fileSink, pruneBackups } from './file-sink.js';
import { formatText } from './logger.js';

const dir = mkdtempSync(join(tmpdir(), 'gridctl-file-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (msg: string) => ({ time: '2026-12-02T10:00:00.000Z', level: 'info' as const, msg });

describe('fileSink (the daemon log)', () => {
  it('rotates by size, keeping maxBackups copies with the newest lines in the file', async () => {
    const file = join(dir, 'daemon.log');
    const sink = fileSink(file, formatText, { maxBytes: 200, backups: 2 });
    for (let i = 0; i < 20; i++) sink(entry(`line ${String(i).padStart(2, '0')} ${'x'.repeat(40)}`));
    // Streams write asynchronously: wait for the last line to land.
    await waitFor(() => readFileSync(file, 'utf8').includes('line 19'), { what: 'the last line' });
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    for (const f of [file, `${file}.1`, `${file}.2`]) {
      expect(readFileSync(f, 'utf8').length).toBeLessThanOrEqual(200);
    }
    expect(readFileSync(`${file}.1`, 'utf8')).not.toContain('line 19');
  });

  it('prunes rotated copies older than maxAgeDays, never the live file', () => {
    const file = join(dir, 'aged.log');
    for (const f of [file, `${file}.1`, `${file}.2`]) writeFileSync(f, 'x\n');
    const old = new Date(Date.now() - 10 * 86_400_000);
    utimesSync(`${file}.2`, old, old);
    utimesSync(file, old, old);
    pruneBackups(file, 3, 7);
    expect([existsSync(file), existsSync(`${file}.1`), existsSync(`${file}.2`)]).toEqual([true, true, false]);
  });

  it('gives up a file it cannot write with one coded warning, without throwing', async () => {
    const warnings: string[] = [];
    const sink = fileSink(join(dir, 'no-such-dir', 'x.log'), formatText, {
      maxBytes: 0,
      backups: 1,
      onError: (l) => warnings.push(l),
    });
    sink(entry('a'));
    sink(entry('b'));
    await waitFor(() => warnings.length > 0, { what: 'the warning' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot write the daemon log file .* \(ENOENT\).*LOG_FILE_UNWRITABLE/);
  });
});
