// apply / status / destroy end to end: the real CLI, a real daemon, real npm MCP servers, an
// isolated GRIDCTL_HOME and a free port.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { isAlive, processesIn, processesMatching } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import {
  EVERYTHING,
  gridctl,
  gridctlProcess,
  localServer,
  MEMORY,
  type Sandbox,
  sandbox,
  stackYaml,
} from './cli.js';

const sandboxes: Sandbox[] = [];
function fresh(): Sandbox {
  const sb = sandbox();
  sandboxes.push(sb);
  return sb;
}

afterAll(async () => {
  // Whatever a failed test left running is stopped here, and the assertion below still fails it.
  for (const sb of sandboxes) {
    await gridctl(sb, ['destroy', 'life']).catch(() => undefined);
    await gridctl(sb, ['destroy', 'fg']).catch(() => undefined);
  }
});

function stateOf(sb: Sandbox, name: string) {
  return JSON.parse(readFileSync(join(sb.home, 'state', `${name}.json`), 'utf8')) as {
    pid: number;
    port: number;
    children: { server: string; pid: number }[];
  };
}

async function listTools(port: number): Promise<string[]> {
  const client = new Client({ name: 'life-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

describe('gridctl apply (daemon) → status → destroy', () => {
  it('brings a stack up as a daemon, reports it, refuses a second apply and tears everything down', async () => {
    const sb = fresh();
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      stackYaml('life', localServer('everything', EVERYTHING, 'stdio') + localServer('memory', MEMORY)),
    );

    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.stderr + applied.stdout).not.toMatch(/Error/);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/everything\s+local\s+stdio\s+healthy/);
    expect(applied.stdout).toMatch(/memory\s+local\s+stdio\s+healthy/);
    expect(applied.stdout).toContain(`http://localhost:${port}/mcp`);

    const tools = await listTools(port);
    expect(tools).toContain('everything__echo');
    expect(tools).toContain('memory__create_entities');

    const status = await gridctl(sb, ['status', '--json']);
    expect(status.code).toBe(0);
    const body = JSON.parse(status.stdout) as {
      gateways: { name: string; status: string; port: number; servers: { name: string; state: string }[] }[];
    };
    expect(body.gateways).toHaveLength(1);
    expect(body.gateways[0]).toMatchObject({ name: 'life', status: 'running', port });
    expect(body.gateways[0]!.servers.map((s) => [s.name, s.state])).toEqual([
      ['everything', 'healthy'],
      ['memory', 'healthy'],
    ]);

    const again = await gridctl(sb, ['apply', file, '--port', String(port + 1)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`already running on port ${port} \\(PID \\d+\\)`));

    const logs = await gridctl(sb, ['logs', 'life', '--server', 'memory']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/\[memory\] server ready/);
    expect(logs.stdout).not.toContain('[everything]');

    const { pid, children } = stateOf(sb, 'life');
    expect(children.map((c) => c.server).sort()).toEqual(['everything', 'memory']);

    const destroyed = await gridctl(sb, ['destroy', 'life']);
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toContain("Stopped stack 'life'");
    expect(isAlive(pid)).toBe(false);
    for (const c of children) expect(isAlive(c.pid)).toBe(false);
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);

    const twice = await gridctl(sb, ['destroy', 'life']);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('not running');
  });

  it('recovers from a daemon killed with SIGKILL: stale status, orphans reaped, apply works again', async () => {
    const sb = fresh();
    const port = await freePort();
    const file = sb.write('stack.yaml', stackYaml('life', localServer('everything', EVERYTHING, 'stdio')));
    expect((await gridctl(sb, ['apply', file, '--port', String(port)])).code).toBe(0);
    const first = stateOf(sb, 'life');
    process.kill(first.pid, 'SIGKILL');
    await waitFor(() => !isAlive(first.pid), { what: 'daemon to die' });

    const status = await gridctl(sb, ['status']);
    expect(status.stdout).toMatch(/life\s+\d+\s+\d+\s+stale/);

    const reapplied = await gridctl(sb, ['apply', file, '--port', String(port), '--json']);
    expect(reapplied.code).toBe(0);
    expect(JSON.parse(reapplied.stdout)).toMatchObject({
      stack: 'life',
      endpoint: `http://localhost:${port}/mcp`,
      servers: [{ name: 'everything', state: 'healthy' }],
    });
    expect(reapplied.stderr).toContain("cleaned up stale state of 'life'");
    for (const c of first.children) expect(isAlive(c.pid)).toBe(false);
    expect(await listTools(port)).toContain('everything__echo');

    expect((await gridctl(sb, ['destroy', file])).code).toBe(0);
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);
  });

  it('comes up with a failing server marked failed, and --strict turns that into exit 1', async () => {
    const sb = fresh();
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      stackYaml(
        'life',
        `${localServer('everything', EVERYTHING, 'stdio')}  - name: broken\n    command: ["./no-such-server"]\n`,
      ),
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/everything\s+local\s+stdio\s+healthy/);
    expect(applied.stdout).toMatch(/broken\s+local\s+stdio\s+failed \(.*no-such-server/);
    expect(applied.stderr).toMatch(/failed to start: broken/);
    expect((await gridctl(sb, ['destroy', 'life'])).code).toBe(0);

    const strict = await gridctl(sb, ['apply', file, '--port', String(port), '--strict']);
    expect(strict.code).toBe(1);
    expect((await gridctl(sb, ['destroy', 'life'])).code).toBe(0);
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);
  });

  it('names every stack-file error with its place and starts nothing', async () => {
    const sb = fresh();
    const file = sb.write(
      'stack.yaml',
      'name: life\nmcp-servers:\n  - name: a\n    image: x\n    url: http://x\n',
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(await freePort())]);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/stack\.yaml:3:\d+ mcp-servers\[0\]/);
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);
  });
});

describe('gridctl apply --foreground', () => {
  it('writes the same state as the daemon and cleans up on SIGTERM', async () => {
    const sb = fresh();
    const port = await freePort();
    const file = sb.write('stack.yaml', stackYaml('fg', localServer('everything', EVERYTHING, 'stdio')));
    const { child, output } = gridctlProcess(sb, ['apply', '-f', file, '--port', String(port)]);
    await waitFor(() => output.text.includes('Gateway ready'), {
      timeoutMs: 60_000,
      what: 'foreground ready',
    });

    const status = await gridctl(sb, ['status', '--json']);
    const body = JSON.parse(status.stdout) as { gateways: { name: string; status: string; pid: number }[] };
    expect(body.gateways).toEqual([
      expect.objectContaining({ name: 'fg', status: 'running', pid: child.pid }),
    ]);
    expect(await listTools(port)).toContain('everything__echo');

    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect((await gridctl(sb, ['status', '--json'])).stdout).toContain('"gateways": []');
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);
  });
});
