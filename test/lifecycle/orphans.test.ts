// Nothing a server starts outlives gridctl: a helper that stays in the server's process group and
// ignores SIGHUP and stdin EOF, and one that setsid()s and double-forks away (test/fixtures/escaping),
// are stopped by the daemon's normal stop and, after the daemon was killed with SIGKILL, by
// `gridctl destroy`. Checked by pid in /proc.
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { isAlive, processesMatching } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { gridctl, type Sandbox, sandbox, stackYaml } from './cli.js';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/escaping/server.ts');
const TSX = import.meta.resolve('tsx');
const sandboxes: Sandbox[] = [];

afterAll(async () => {
  for (const sb of sandboxes) {
    await gridctl(sb, ['destroy', 'orph']).catch(() => undefined);
    // Whatever survived a failed test still fails it above; stop it here so it does not linger.
    for (const p of processesMatching(sb.dir)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {}
    }
    rmSync(sb.dir, { recursive: true, force: true });
  }
});

/** Applies a stack whose server starts both helpers; resolves once both run. */
async function applyWithHelpers() {
  const sb = sandbox();
  sandboxes.push(sb);
  const pidsFile = join(sb.dir, 'helpers.jsonl');
  const argv = JSON.stringify([process.execPath, '--import', TSX, FIXTURE, pidsFile, sb.dir]);
  const file = sb.write('stack.yaml', stackYaml('orph', `  - name: fx\n    command: ${argv}\n`));
  const port = await freePort();
  const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
  expect(applied.stdout + applied.stderr).toMatch(/fx\s+local\s+stdio\s+healthy/);
  const helpers = await waitFor(
    () => {
      const rows = readFileSync(pidsFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { role: string; pid: number });
      return rows.length === 2 ? Object.fromEntries(rows.map((r) => [r.role, r.pid])) : undefined;
    },
    { what: 'both helpers to start' },
  );
  const state = await waitFor(
    () => {
      const s = JSON.parse(readFileSync(join(sb.home, 'state', 'orph.json'), 'utf8')) as {
        pid: number;
        children: { pid: number }[];
      };
      return s.children.length === 1 ? s : undefined;
    },
    { what: 'the server to be recorded in the state file' },
  );
  const server = state.children[0]!.pid;
  const group = helpers.group!;
  const escaped = helpers.escaped!;
  // The setup is what the test claims: one helper in the server's group, one outside it.
  expect(pgidOf(group)).toBe(server);
  expect(pgidOf(escaped)).toBe(escaped);
  expect(isAlive(group) && isAlive(escaped)).toBe(true);
  return { sb, file, daemon: state.pid, server, group, escaped };
}

function pgidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('helpers of a server never outlive gridctl', () => {
  it('the daemon’s normal stop (destroy) stops the grouped and the escaped helper', async () => {
    const { sb, daemon, server, group, escaped } = await applyWithHelpers();

    const destroyed = await gridctl(sb, ['destroy', 'orph']);
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toContain("Stopped stack 'orph'");
    // The daemon stopped them itself: nothing was left for destroy's reaper.
    expect(destroyed.stdout).not.toContain('leftover');
    for (const pid of [daemon, server, group, escaped]) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(processesMatching(sb.dir)).toEqual([]);
  }, 120_000);

  it('after kill -9 of the daemon, destroy stops the grouped helper (leader gone) and the escaped one', async () => {
    const { sb, daemon, server, group, escaped } = await applyWithHelpers();

    process.kill(daemon, 'SIGKILL');
    await waitFor(() => !isAlive(daemon), { what: 'the daemon to die' });
    // The server sees stdin EOF and exits; its helpers stay.
    await waitFor(() => !isAlive(server), { what: 'the server to exit' });
    expect(isAlive(group) && isAlive(escaped)).toBe(true);

    const destroyed = await gridctl(sb, ['destroy', 'orph']);
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toContain('Stopped 2 leftover server process(es)');
    for (const pid of [group, escaped]) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(processesMatching(sb.dir)).toEqual([]);
  }, 120_000);
});
