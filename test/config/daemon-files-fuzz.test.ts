// Random names and homes through every file the daemon opens: state and lock files, the daemon and
// per-server logs, the pins store, the vault. Each either works (inside the home) or fails with a
// coded error the caller can print; none throws something uncoded, escapes the home, or crashes the
// process later through an unhandled 'error' event.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOG_FILE_UNWRITABLE, perServerFileSink } from '../../src/logging/file-sink.js';
import { formatText } from '../../src/logging/logger.js';
import { pinsFile, readPins, writePins } from '../../src/security/pins/store.js';
import { openVault } from '../../src/security/vault/store.js';
import { acquireLock } from '../../src/state/lock.js';
import { resolveHome } from '../../src/state/paths.js';
import { readState, removeState, writeState } from '../../src/state/state-file.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

const base = tempDir('files-fuzz');
// Something in the way: a file where a folder should be.
writeFileSync(path.join(base, 'a-file'), 'x');

const anyName = fc.oneof(
  fc.string({ maxLength: 300, unit: 'binary' }),
  fc.string({ minLength: 1, maxLength: 300, unit: fc.constantFrom('a', '0', '-', '_', '.') }),
  fc.constantFrom('..', '.', '../../escaped', 'a/b', 'a\u0000b', 'ok', 'x'.repeat(251), 'x'.repeat(256)),
);
// Homes: fine ones, overlong components, overlong paths, a file in the way, relative ones.
const anyHome = fc.oneof(
  fc.constantFrom('fine', 'a-file/below', 'x'.repeat(256), `${'deep/'.repeat(900)}end`, 'with space'),
  fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom('a', '/', '.', ' ', 'é') }),
);

/** Runs `op`: it may succeed, or fail with an Error that carries a string code; nothing else. */
async function handled(op: () => unknown): Promise<'ok' | string> {
  try {
    await op();
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    const code = (err as { code?: unknown }).code;
    expect(typeof code, String(err)).toBe('string');
    expect((err as Error).message).not.toMatch(/\n\s+at /);
    return code as string;
  }
}

function inside(root: string, file: string) {
  const rel = path.relative(root, file);
  expect(rel.startsWith('..') || path.isAbsolute(rel), `${file} is outside ${root}`).toBe(false);
}

let n = 0;
describe('random names and homes through the files the daemon opens', () => {
  it('state file, lock, daemon log path, pins store and vault', async () => {
    await fc.assert(
      fc.asyncProperty(anyHome, anyName, async (home, name) => {
        const root = path.join(base, `case-${n++}`, home);
        const paths = resolveHome({ home: root });
        for (const f of [
          () => paths.stateFile(name),
          () => paths.logFile(name),
          () => paths.lockFile(name),
        ]) {
          let file = '';
          await handled(() => {
            file = f();
          });
          if (file) inside(paths.root, file);
        }
        const state = {
          schema_version: 1,
          stack_name: name,
          pid: process.pid,
          port: 1,
          started_at: new Date().toISOString(),
        } as Parameters<typeof writeState>[1];
        if ((await handled(() => writeState(paths, state))) === 'ok') {
          expect(readState(paths, name).kind).toBe('ok');
          removeState(paths, name);
        }
        await handled(async () => (await acquireLock(paths.lockFile(name), 200)).release());
        await handled(async () => {
          const file = pinsFile(paths.root, name);
          inside(paths.root, file);
          await writePins(file, { stack: name, servers: new Map() });
          await readPins(file, name);
        });
        await handled(async () => {
          const vault = await openVault({ root: paths.root, env: {}, kdf: { N: 1024, r: 8, p: 1 } });
          vault.set('KEY', 'value');
          await vault.save();
        });
      }),
      { numRuns: 150 },
    );
  });

  it('per-server log files: every line lands in its file or is reported once as LOG_FILE_UNWRITABLE', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyHome,
        fc.uniqueArray(
          anyName.filter((s) => s !== ''),
          { minLength: 1, maxLength: 4 },
        ),
        async (home, servers) => {
          const dir = path.join(base, `sink-${n++}`, home, 'logs', 'st');
          const reports: string[] = [];
          const sink = perServerFileSink(dir, formatText, { onError: (l) => reports.push(l) });
          for (const server of servers) {
            expect(() =>
              sink({ time: new Date().toISOString(), level: 'info', msg: `hello ${n}`, server }),
            ).not.toThrow();
          }
          // Opening happens in the background: wait until each server either has its file or a report.
          await waitFor(
            () =>
              servers.every((s) => {
                const reported = reports.filter(
                  (r) => r.includes(`code=${LOG_FILE_UNWRITABLE}`) && r.includes(`[${s}]`),
                );
                if (reported.length > 0) return true;
                try {
                  return readFileSync(path.join(dir, `${s}.log`), 'utf8').includes(`hello ${n}`);
                } catch {
                  return false;
                }
              }),
            { timeoutMs: 5000, what: 'each line in its file or a report' },
          );
          for (const s of servers)
            expect(reports.filter((r) => r.includes(`[${s}]`)).length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 120 },
    );
  });
});
