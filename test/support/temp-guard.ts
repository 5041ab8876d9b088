// Vitest globalSetup: the whole run gets its own temp folder (TMPDIR, inherited by every worker and
// every process the tests start), and a run that leaves anything in it fails, naming what was left.
// A private folder also keeps parallel runs on one machine from seeing each other's files.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Caches tools keep in the temp dir on purpose, not test leftovers. */
const CACHES = [/^tsx-\d+$/];

const PREFIX = 'gridctl-test-run-';

/** Folders of earlier runs that were killed before their teardown (their vitest PID is gone). */
function removeAbandoned(root: string): void {
  for (const name of readdirSync(root)) {
    const pid = Number(/^gridctl-test-run-(\d+)-/.exec(name)?.[1]);
    if (!pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH')
        rmSync(join(root, name), { recursive: true, force: true });
    }
  }
}

export default function setup(): () => void {
  // Each vitest project runs the global setup; the run keeps the first one's folder.
  if (process.env.GRIDCTL_TEST_RUN_DIR) return () => {};
  removeAbandoned(tmpdir());
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  process.env.TMPDIR = dir;
  process.env.GRIDCTL_TEST_RUN_DIR = dir;
  return () => {
    const left = readdirSync(dir).filter((name) => !CACHES.some((c) => c.test(name)));
    rmSync(dir, { recursive: true, force: true });
    if (left.length === 0) return;
    process.stderr.write(
      `\nThe tests left ${left.length} item(s) in the temp dir (removed now): ${left.sort().join(', ')}\n` +
        'Remove each in the test teardown that created it (afterAll / afterEach / finally).\n',
    );
    // A thrown error here is only logged by vitest; the exit code is what fails CI.
    process.exitCode = 1;
  };
}
