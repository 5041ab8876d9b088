// `gridctl stop --force`: a stackless daemon whose state file is gone is found by its port (it
// answers /health and is a gridctl daemon) and stopped only with --force; another program holding
// the port is never signalled.
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pidAlive } from '../../src/state/state-file.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { gridctl, sandbox } from './cli.js';

let orphan: number | undefined;
let foreign: Server | undefined;
afterAll(async () => {
  if (orphan !== undefined && pidAlive(orphan)) process.kill(orphan, 'SIGKILL');
  await new Promise((r) => (foreign ? foreign.close(r) : r(undefined)));
});

describe('gridctl stop --force', () => {
  it('stops a gridctl daemon without a state file only when forced', async () => {
    const sb = sandbox();
    const port = await freePort();
    expect((await gridctl(sb, ['serve', '--port', String(port)])).code).toBe(0);
    const stateFile = join(sb.home, 'state', 'gridctl.json');
    orphan = (JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number }).pid;
    rmSync(stateFile); // what a crash or a cleaned-up home leaves behind

    const asked = await gridctl(sb, ['stop', '-p', String(port)]);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toContain(`a gridctl daemon (PID ${orphan}) answers on port ${port}`);
    expect(asked.stderr).toContain(`gridctl stop --force -p ${port}`);
    expect(pidAlive(orphan)).toBe(true);

    const forced = await gridctl(sb, ['stop', '-p', String(port), '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(
      `Stopped the gridctl daemon on port ${port} that had no state file (PID ${orphan})`,
    );
    const pid = orphan;
    await waitFor(() => !pidAlive(pid), { what: 'the orphan to exit' });
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();

    const again = await gridctl(sb, ['stop', '-p', String(port), '--force']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('The stackless gateway is not running.');
  });

  it('refuses to signal a program that is not a gridctl daemon', async () => {
    const sb = sandbox();
    const port = await freePort();
    foreign = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => foreign!.listen(port, '127.0.0.1', r));
    const forced = await gridctl(sb, ['stop', '-p', String(port), '--force']);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain(
      `port ${port} is held by PID ${process.pid}, which is not one gridctl daemon`,
    );
    expect(forced.stderr).toContain('not stopping it');
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });
});
