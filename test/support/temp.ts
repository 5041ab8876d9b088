// Temp folders for tests that remove themselves: each test file gets its own instance of this
// module, so the one afterAll below runs once that file's tests (and their own afterAll hooks, which
// stop whatever still uses the folders) are done. test/support/temp-guard.ts fails a run that
// leaves anything behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder `<tmp>/gridctl-<prefix>-XXXXXX`, removed after the current test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gridctl-${prefix}-`));
  made.push(dir);
  return dir;
}
