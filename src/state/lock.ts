// A per-stack lock file created with O_EXCL (Node has no flock). A lock whose owner died is stale
// and taken over, so a crashed apply never blocks the next one.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { coded } from '../errors/coded.js';
import { pidAlive } from './state-file.js';

export interface Lock {
  release(): void;
}

export async function acquireLock(file: string, timeoutMs = 5000): Promise<Lock> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(safeRead(file), 10);
    // An empty file is a lock being taken right now (created, PID not yet written): only treat it
    // as stale once it has stayed empty for a while.
    const stale = Number.isFinite(owner) ? !pidAlive(owner) : ageMs(file) > 2000;
    if (stale) {
      rmSync(file, { force: true }); // its owner is gone
      continue;
    }
    if (Date.now() > deadline) {
      const who = Number.isFinite(owner) ? ` (PID ${owner})` : '';
      throw coded('STATE_LOCKED', `another gridctl command${who} holds ${file}; try again when it finishes`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
