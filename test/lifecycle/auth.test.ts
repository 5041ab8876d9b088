// Inbound auth end to end: every route but /health and /ready needs the token; the CLI finds it in
// the state file; a non-loopback bind without auth is refused unless explicitly allowed.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { processesIn } from '../support/processes.js';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox, stackYaml } from './cli.js';

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'guarded']).catch(() => undefined);
});

describe('inbound auth', () => {
  it('protects /mcp and /api with a bearer token the CLI reads from state', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    sb.env.GW_TOKEN = 'tok-1234567890';
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      `${stackYaml('guarded', localServer('everything', EVERYTHING, 'stdio'))}gateway:\n  auth:\n    type: bearer\n    token: \${GW_TOKEN}\n`,
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code).toBe(0);
    expect(applied.stdout + applied.stderr).not.toContain('tok-1234567890');

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/api/status`)).status).toBe(401);
    expect((await fetch(`${base}/api/status`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
    expect(
      (await fetch(`${base}/api/status`, { headers: { authorization: 'Bearer tok-1234567890' } })).status,
    ).toBe(200);
    const noToken = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(noToken.status).toBe(401);

    const client = new Client({ name: 'auth-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
        requestInit: { headers: { authorization: 'Bearer tok-1234567890' } },
      }),
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('everything__echo');
    await client.close();

    // DNS rebinding and cross-site pages are refused on the API as on /mcp, even with the token.
    const good = { authorization: 'Bearer tok-1234567890' };
    expect(
      (await fetch(`${base}/api/status`, { headers: { ...good, origin: 'https://evil.example' } })).status,
    ).toBe(403);
    expect(
      (await fetch(`${base}/api/status`, { headers: { ...good, origin: `http://localhost:${port}` } }))
        .status,
    ).toBe(200);

    const status = await gridctl(sb, ['status', '--json']);
    expect(JSON.parse(status.stdout).gateways[0].servers[0]).toMatchObject({
      name: 'everything',
      state: 'healthy',
    });
    const stateFile = join(sb.home, 'state', 'guarded.json');
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    expect((await gridctl(sb, ['destroy', 'guarded'])).code).toBe(0);
    expect(processesIn(sb.dir)).toEqual([]);
  });

  it('refuses a non-loopback bind without auth and names the ways out', async () => {
    const sb = sandbox();
    const file = sb.write('stack.yaml', stackYaml('open', localServer('everything', EVERYTHING, 'stdio')));
    const r = await gridctl(sb, ['apply', file, '--bind', '0.0.0.0', '--port', String(await freePort())]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing to listen on 0.0.0.0 without authentication');
    expect(r.stderr).toContain('gateway.auth');
    expect(r.stderr).toContain('127.0.0.1');
    expect(r.stderr).toContain('--insecure-allow-unauthenticated');
    expect(processesIn(sb.dir)).toEqual([]);
  });

  it('starts with --insecure-allow-unauthenticated and warns in the log', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const file = sb.write('stack.yaml', stackYaml('guarded', localServer('everything', EVERYTHING, 'stdio')));
    const r = await gridctl(sb, [
      'apply',
      file,
      '--bind',
      '0.0.0.0',
      '--port',
      String(port),
      '--insecure-allow-unauthenticated',
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(sb.home, 'logs', 'guarded.log'), 'utf8')).toContain('WITHOUT authentication');
    expect((await gridctl(sb, ['destroy', 'guarded'])).code).toBe(0);
  });
});
