// The baseline rule of run.ts without running the suite: results laid out as the suite saves them
// (`-o DIR`), and every kind of entry that no longer describes a failure reported as stale.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readResults, staleEntries } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'gridctl-baseline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const save = (scenario: string, checks: Array<{ id: string; status: string }>) => {
  const d = join(dir, `server-${scenario}-2026-12-03T06-49-01-232Z`);
  mkdirSync(d);
  writeFileSync(join(d, 'checks.json'), JSON.stringify(checks.map((c) => ({ ...c, name: c.id }))));
};

save('tools-call-simple-text', [{ id: 'tools-call-simple-text', status: 'SUCCESS' }]);
save('server-sse-polling', [
  { id: 'sse-retry', status: 'FAILURE' },
  { id: 'sse-resume', status: 'SUCCESS' },
  { id: 'sse-note', status: 'INFO' },
]);
save('tasks-get', [{ id: 'tasks-get-status', status: 'WARNING' }]);
// A scenario skipped at this spec version leaves a directory without checks.json.
mkdirSync(join(dir, 'server-dns-rebinding-protection-2026-12-03T06-49-02-001Z'));

it('reads the scenarios that ran from the suite output directory', () => {
  expect(
    readResults(dir)
      .map((r) => r.scenario)
      .sort(),
  ).toEqual(['server-sse-polling', 'tasks-get', 'tools-call-simple-text']);
  expect(readResults(join(dir, 'absent'))).toEqual([]);
});

it('entries that still fail are not stale (a warning counts as failing, as in the suite)', () => {
  expect(
    staleEntries(['server-sse-polling', 'server-sse-polling:sse-retry', 'tasks-get'], readResults(dir)),
  ).toEqual([]);
});

it('an entry for a scenario that passed, did not run or was skipped, or a check that passed or is gone, is stale', () => {
  expect(
    staleEntries(
      [
        'tools-call-simple-text',
        'no-such-scenario',
        'dns-rebinding-protection',
        'server-sse-polling:sse-resume',
        'server-sse-polling:sse-gone',
        'server-sse-polling:sse-note',
      ],
      readResults(dir),
    ),
  ).toEqual([
    'tools-call-simple-text: scenario passed',
    'no-such-scenario: scenario did not run',
    'dns-rebinding-protection: scenario did not run',
    'server-sse-polling:sse-resume: check passed',
    'server-sse-polling:sse-gone: the scenario reports no such check',
    'server-sse-polling:sse-note: the scenario reports no such check',
  ]);
});
