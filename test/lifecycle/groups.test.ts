// Group endpoints in a real daemon: /groups/<name>/mcp sits behind gateway.auth like /mcp, serves the
// curated list, and a `gridctl reload` that removes the group reaches the live session.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { processesIn } from '../support/processes.js';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox, stackYaml } from './cli.js';

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'grouped']).catch(() => undefined);
});

const AUTH = `gateway:\n  auth:\n    type: bearer\n    token: \${GW_TOKEN}\n`;
const GROUP =
  'groups:\n  tiny:\n    tools: [everything__echo]\n    overrides:\n      everything__echo:\n        name: shout\n';

describe('group endpoints', () => {
  it('need the inbound token, serve the group, and follow a reload', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    sb.env.GW_TOKEN = 'grp-tok-1234567890';
    const port = await freePort();
    const servers = stackYaml('grouped', localServer('everything', EVERYTHING, 'stdio'));
    const file = sb.write('stack.yaml', `${servers}${AUTH}${GROUP}`);
    expect((await gridctl(sb, ['apply', file, '--port', String(port)])).code).toBe(0);

    const url = `http://127.0.0.1:${port}/groups/tiny/mcp`;
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const noToken = await fetch(url, { method: 'POST', headers, body: init });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('mcp-session-id')).toBeNull();
    const wrong = await fetch(url, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer no' },
      body: init,
    });
    expect(wrong.status).toBe(401);
    const sse = await fetch(`http://127.0.0.1:${port}/groups/tiny/sse`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(sse.status).toBe(401);
    await sse.body?.cancel();

    const client = new Client({ name: 'group-auth-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: 'Bearer grp-tok-1234567890' } },
      }),
    );
    expect(client.getServerVersion()?.name).toBe('gridctl-gateway/tiny');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['shout']);
    const r = (await client.callTool({ name: 'shout', arguments: { message: 'grouped' } })) as {
      content: Array<{ text?: string }>;
    };
    expect(r.content[0]?.text).toContain('grouped');

    // A reload without the group: the open session is told, new ones get 404.
    sb.write('stack.yaml', `${servers}${AUTH}`);
    const reloaded = await gridctl(sb, ['reload', file]);
    expect(reloaded.code).toBe(0);
    const gone = (await client.callTool({ name: 'shout', arguments: { message: 'x' } })) as {
      isError?: boolean;
      content: Array<{ text?: string }>;
    };
    expect(gone.isError).toBe(true);
    expect(gone.content[0]?.text).toContain('group "tiny" no longer exists');
    const fresh = await fetch(url, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer grp-tok-1234567890' },
      body: init,
    });
    expect(fresh.status).toBe(404);
    await client.close();

    expect((await gridctl(sb, ['destroy', 'grouped'])).code).toBe(0);
    expect(processesIn(sb.dir)).toEqual([]);
  });
});
