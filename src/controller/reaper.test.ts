// The orphan reaper against real processes: a group whose leader is gone is still reaped, and a
// recorded pid that now belongs to another process (other start time) is never signalled.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../test/support/processes.js';
import { waitFor } from '../../test/support/wait.js';
import { procEntry } from '../upstream/ownership.js';
import { reapOrphans } from './reaper.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
});

/** A group leader (own group) that starts a member in its group, prints the member's pid, and waits. */
function leaderWithMember(): Promise<{ leader: ChildProcess; member: number }> {
  const code = `
    const m = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e5)'], { stdio: 'ignore' });
    console.log(m.pid);
    process.stdin.once('data', () => process.exit(0));`;
  const leader = spawn(process.execPath, ['-e', code], {
    detached: true,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  started.push(leader.pid!);
  return new Promise((resolve) =>
    leader.stdout!.once('data', (d) => resolve({ leader, member: Number(String(d)) })),
  );
}

describe('reapOrphans', () => {
  it('reaps a recorded group whose leader has exited, by its surviving member', async () => {
    const { leader, member } = await leaderWithMember();
    const pid = leader.pid!;
    const start = procEntry(pid)!.start;
    leader.stdin!.write('exit\n');
    await waitFor(() => !isAlive(pid), { what: 'the leader to exit' });
    expect(isAlive(member)).toBe(true);

    const reaped = await reapOrphans({ children: [{ server: 's', pid, start }] });
    expect(reaped).toEqual([member]);
    await waitFor(() => !isAlive(member), { what: 'the member to be reaped' });
  });

  it('leaves a live group alone when its leader’s start time is not the recorded one (a reused pid)', async () => {
    const { leader, member } = await leaderWithMember();
    const pid = leader.pid!;
    const start = procEntry(pid)!.start;

    expect(await reapOrphans({ children: [{ server: 's', pid, start: start - 1 }] }, 100)).toEqual([]);
    expect(isAlive(pid) && isAlive(member)).toBe(true);

    expect((await reapOrphans({ children: [{ server: 's', pid, start }] }, 2000)).sort()).toEqual(
      [pid, member].sort(),
    );
    await waitFor(() => !isAlive(pid) && !isAlive(member), { what: 'the group to be reaped' });
  });
});
