// The stackless daemon: up without a stack, a saved stack loaded through the API, stopped cleanly.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { processesIn, processesMatching } from '../support/processes.js';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox, stackYaml } from './cli.js';

let sb: Sandbox | undefined;
afterAll(async () => {
  if (sb) await gridctl(sb, ['stop']);
});

describe('gridctl serve / stop', () => {
  it('serves with no stack, loads a saved stack on request, and stops', async () => {
    sb = sandbox();
    const port = await freePort();
    const served = await gridctl(sb, ['serve', '--port', String(port)]);
    expect(served.stderr).not.toMatch(/Error/);
    expect(served.code).toBe(0);
    expect(served.stdout).toContain(`http://localhost:${port}`);

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, stack: 'gridctl', message: 'no stack loaded' });
    const reload = await fetch(`${base}/api/reload`, { method: 'POST' });
    expect(reload.status).toBe(503);

    const init = (name: string) =>
      fetch(`${base}/api/stack/initialize`, { method: 'POST', body: JSON.stringify({ name }) });
    const unknown = await init('nope');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain(
      "no saved stack 'nope'",
    );

    mkdirSync(join(sb.home, 'stacks'), { recursive: true });
    writeFileSync(
      join(sb.home, 'stacks', 'saved.yaml'),
      stackYaml('saved', localServer('everything', EVERYTHING, 'stdio')),
    );
    const loaded = await init('saved');
    expect(loaded.status).toBe(200);
    expect(await loaded.json()).toMatchObject({ success: true, added: ['mcp-server:everything'] });
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const tools = (await (await fetch(`${base}/api/tools`)).json()) as { name: string }[];
    expect(tools.map((t) => t.name)).toContain('everything__echo');
    expect((await init('saved')).status).toBe(409);

    const stopped = await gridctl(sb, ['stop']);
    expect(stopped.stdout).toContain('Stopped the stackless gateway');
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir), ...processesIn(sb.home)]).toEqual([]);
    expect((await gridctl(sb, ['stop'])).stdout).toContain('not running');
  });
});
