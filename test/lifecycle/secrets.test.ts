// The variable store behind apply: ${var:KEY} and secrets.sets reach the server's environment,
// and no stored value shows up in logs, API responses or CLI output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { processesIn } from '../support/processes.js';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox, stackYaml } from './cli.js';

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'secret']).catch(() => undefined);
});

describe('variable store in apply', () => {
  it('resolves var: references and injects sets, and redacts every stored value', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    expect((await gridctl(sb, ['var', 'set', 'API_TOKEN', 'tok-from-store-123'])).code).toBe(0);
    expect(
      (await gridctl(sb, ['var', 'set', '--set', 'shared', 'SHARED_KEY', 'shared-value-456'])).code,
    ).toBe(0);

    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      `${stackYaml('secret', localServer('everything', EVERYTHING, 'stdio'))}    env:\n      API_TOKEN: "\${var:API_TOKEN}"\n      ECHOED: "prefix-\${var:API_TOKEN}-suffix"\nsecrets:\n  sets: [shared]\n`,
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port), '-v']);
    expect(applied.code).toBe(0);
    const cliText = applied.stdout + applied.stderr;
    expect(cliText).not.toContain('tok-from-store-123');
    expect(cliText).not.toContain('shared-value-456');

    // The server has the real values (its own environment); what it echoes back to a client is
    // masked like every other way out of the gateway.
    const client = new Client({ name: 'secrets-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    const env = await client.callTool({ name: 'everything__get-env', arguments: {} });
    const text = JSON.stringify(env.content);
    expect(text).toContain('\\"API_TOKEN\\": \\"[REDACTED]\\"');
    expect(text).not.toContain('tok-from-store-123');
    expect(text).not.toContain('shared-value-456');
    await client.close();
    const status = JSON.parse((await gridctl(sb, ['status', '--json'])).stdout) as {
      gateways: { servers: { name: string; pid?: number }[] }[];
    };
    const pid = status.gateways[0]?.servers.find((x) => x.name === 'everything')?.pid;
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain('API_TOKEN=tok-from-store-123');
    expect(environ).toContain('SHARED_KEY=shared-value-456');

    // Nothing that leaves the gateway carries them.
    const spec = await (await fetch(`http://127.0.0.1:${port}/api/stack`)).text();
    expect(spec).toContain('[REDACTED]');
    expect(spec).not.toContain('tok-from-store-123');
    const logs = await (await fetch(`http://127.0.0.1:${port}/api/logs`)).text();
    expect(logs).not.toContain('tok-from-store-123');
    expect(readFileSync(join(sb.home, 'logs', 'secret.log'), 'utf8')).not.toContain('tok-from-store-123');

    expect((await gridctl(sb, ['destroy', 'secret'])).code).toBe(0);
    expect(processesIn(sb.dir)).toEqual([]);
  });

  it('lists every missing key and how to set it', async () => {
    const sb = sandbox();
    const file = sb.write(
      'stack.yaml',
      `${stackYaml('secret', localServer('everything', EVERYTHING, 'stdio'))}    env:\n      A: "\${var:FIRST_MISSING}"\n      B: "\${var:SECOND_MISSING}"\n`,
    );
    const r = await gridctl(sb, ['apply', file, '--port', String(await freePort())]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FIRST_MISSING');
    expect(r.stderr).toContain('SECOND_MISSING');
    expect(r.stderr).toContain('gridctl var set');
    expect(processesIn(sb.dir)).toEqual([]);
  });
});
