// Files the daemon opens must never take it down: a server log it cannot write, and names that
// could not be file names (they are refused before anything starts, at apply and at reload).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { processesIn, processesMatching } from '../support/processes.js';
import { gridctl, localServer, MEMORY, type Sandbox, sandbox, stackYaml } from './cli.js';

const sandboxes: Sandbox[] = [];
function fresh(): Sandbox {
  const sb = sandbox();
  sandboxes.push(sb);
  return sb;
}
afterAll(async () => {
  for (const sb of sandboxes) {
    await gridctl(sb, ['destroy', 'blk']).catch(() => undefined);
  }
});

interface StatusJson {
  gateways: { name: string; status: string; servers?: { name: string; state: string }[] }[];
}
async function status(sb: Sandbox) {
  const r = await gridctl(sb, ['status', '--json']);
  return JSON.parse(r.stdout) as StatusJson;
}

describe('files the daemon opens', () => {
  it('a server log file that cannot be opened is a coded warning, and the daemon keeps serving', async () => {
    const sb = fresh();
    // A directory where the server's log file goes: opening it fails with EISDIR.
    mkdirSync(join(sb.home, 'logs', 'blk', 'mem.log'), { recursive: true });
    const file = sb.write('stack.yaml', stackYaml('blk', localServer('mem', MEMORY)));
    const port = await freePort();
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const s = await status(sb);
    expect(s.gateways.find((x) => x.name === 'blk')).toMatchObject({
      status: 'running',
      servers: [expect.objectContaining({ name: 'mem', state: 'healthy' })],
    });
    const log = readFileSync(join(sb.home, 'logs', 'blk.log'), 'utf8');
    expect(log).toMatch(/cannot write the log file of server "mem" .*EISDIR.* code=LOG_FILE_UNWRITABLE/);
    expect(log).not.toMatch(/Unhandled 'error' event/);
    expect((await gridctl(sb, ['destroy', 'blk'])).code).toBe(0);
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);
  });

  it('a 260-character server name is refused at apply, and at reload of a running stack', async () => {
    const sb = fresh();
    const long = 'a'.repeat(260);
    const file = sb.write('stack.yaml', stackYaml('blk', localServer(long, MEMORY)));
    const port = await freePort();
    const refused = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain(
      'mcp-servers[0].name: must be at most 30 characters, not 260',
    );
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);

    sb.write('stack.yaml', stackYaml('blk', localServer('mem', MEMORY)));
    expect((await gridctl(sb, ['apply', file, '--port', String(port)])).code).toBe(0);
    sb.write('stack.yaml', stackYaml('blk', localServer('mem', MEMORY) + localServer(long, MEMORY)));
    const reload = await gridctl(sb, ['reload', 'blk']);
    expect(reload.code).toBe(1);
    expect(reload.stdout).toMatch(/running configuration is unchanged/);
    expect(reload.stdout).toContain('must be at most 30 characters, not 260');
    // The daemon is still there, serving the server it had.
    const s = await status(sb);
    expect(s.gateways.find((x) => x.name === 'blk')).toMatchObject({
      status: 'running',
      servers: [expect.objectContaining({ name: 'mem', state: 'healthy' })],
    });
    expect((await gridctl(sb, ['destroy', 'blk'])).code).toBe(0);
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);
  });

  it('a reload whose extends is a FIFO is refused at once, and the next reload still works', async () => {
    const sb = fresh();
    const fifo = join(sb.dir, 'parent.fifo');
    execFileSync('mkfifo', [fifo]);
    const file = sb.write('stack.yaml', stackYaml('blk', localServer('mem', MEMORY)));
    const port = await freePort();
    expect((await gridctl(sb, ['apply', file, '--port', String(port)])).code).toBe(0);
    sb.write('stack.yaml', `extends: parent.fifo\n${stackYaml('blk', localServer('mem', MEMORY))}`);
    const wedged = await gridctl(sb, ['reload', 'blk'], 30_000);
    expect(wedged.code).toBe(1);
    expect(wedged.stdout).toContain('it is a named pipe (FIFO), not a regular file');
    sb.write('stack.yaml', stackYaml('blk', localServer('mem', MEMORY) + localServer('more', MEMORY)));
    const next = await gridctl(sb, ['reload', 'blk'], 30_000);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toContain('mcp-server:more');
    expect((await gridctl(sb, ['destroy', 'blk'])).code).toBe(0);
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);
  });

  it('stack names from the command line never reach outside the home or crash on their length', async () => {
    const sb = fresh();
    const outside = await gridctl(sb, ['destroy', '../../escaped']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('stack name "../../escaped" cannot name a file');
    const long = await gridctl(sb, ['destroy', 'b'.repeat(300)]);
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/cannot name a file: it is 300 characters/);
    expect(long.stderr).not.toMatch(/ENAMETOOLONG|\n\s+at /);
    expect(() => readFileSync(join(sb.dir, '..', 'escaped.lock'))).toThrow();
  });
});
