// The stack's `clients:` and `limits:` blocks in a real daemon: scope and rate limits act on the
// first request, `gridctl limits` and `gridctl status` show them live, and `gridctl reload` of a
// changed profile reaches a connected client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { EVERYTHING, gridctl, localServer, MEMORY, type Sandbox, sandbox, stackYaml } from './cli.js';

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'scoped']).catch(() => undefined);
});

const policies = (opsServers: string) =>
  `clients:\n  default: deny\n  profiles:\n    ops:\n      aliases: [Ops Bot]\n      servers: [${opsServers}]\n` +
  'limits:\n  rate_limits:\n    - tool: everything__echo\n      calls_per_minute: 1\n      burst: 2\n';

describe('clients and limits in a running stack', () => {
  it('scope, limit, show and reload', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const servers = stackYaml(
      'scoped',
      localServer('everything', EVERYTHING, 'stdio') + localServer('memory', MEMORY),
    );
    const file = sb.write('stack.yaml', servers + policies('everything'));
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout + applied.stderr).not.toMatch(/NOT_IMPLEMENTED/);

    const open = async (query?: string) => {
      const url = new URL(`http://127.0.0.1:${port}/mcp`);
      if (query) url.searchParams.set('client', query);
      const c = new Client({ name: 'policy-test', version: '1.0.0' });
      await c.connect(new StreamableHTTPClientTransport(url));
      return c;
    };
    const stranger = await open();
    const ops = await open('ops-bot');
    try {
      expect((await stranger.listTools()).tools).toEqual([]);
      const names = (await ops.listTools()).tools.map((t) => t.name);
      expect(names).toContain('everything__echo');
      expect(names.some((n) => n.startsWith('memory__'))).toBe(false);

      const echo = () => ops.callTool({ name: 'everything__echo', arguments: { message: 'hi' } });
      expect((await echo()).isError).toBeFalsy();
      expect((await echo()).isError).toBeFalsy();
      const denied = (await echo()) as { isError?: boolean; content: { text: string }[] };
      expect(denied.isError).toBe(true);
      expect(denied.content[0]?.text).toMatch(/Rate limit exceeded for tool "everything__echo"/);

      const limits = await gridctl(sb, ['limits', 'scoped', '--json']);
      expect(limits.code, limits.stderr).toBe(0);
      // One token a minute: the bucket stays empty for the rest of this test, however slow the machine.
      expect(JSON.parse(limits.stdout)).toEqual([
        expect.objectContaining({
          scope: 'tool',
          key: 'everything__echo',
          state: 'exceeded',
          allowed: 2,
          denied: 1,
        }),
      ]);
      const human = await gridctl(sb, ['limits']);
      expect(human.stdout).toMatch(/everything__echo\s+1\s+2\s+0\s+exceeded/);

      const status = await gridctl(sb, ['status']);
      expect(status.stdout).toMatch(/scoped sessions/);
      expect(status.stdout).toMatch(/ops-bot\s+ops\s+servers everything/);
      expect(status.stdout).toMatch(/\(anonymous\)|policy-test/);
      expect(status.stdout).toMatch(/scoped: 2 session\(s\), \d live; since start 0 evicted/);

      // Widen the profile: the live session sees memory's tools on its next request.
      sb.write('stack.yaml', servers + policies('everything, memory'));
      const reloaded = await gridctl(sb, ['reload', 'scoped']);
      expect(reloaded.code, reloaded.stdout + reloaded.stderr).toBe(0);
      await waitFor(async () => (await ops.listTools()).tools.some((t) => t.name.startsWith('memory__')), {
        what: 'the widened scope',
      });
      // The unchanged limit kept its state through the reload.
      const after = JSON.parse((await gridctl(sb, ['limits', '--json'])).stdout) as { denied: number }[];
      expect(after[0]?.denied).toBe(1);
    } finally {
      await stranger.close();
      await ops.close();
    }
  });
});

describe('client tokens', () => {
  it('a token bound to a client decides the session identity; the shared token leaves it to ?client=', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    sb.env.GW_TOKEN = 'shared-token-1234567890';
    sb.env.OPS_TOKEN = 'ops-token-0987654321';
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      stackYaml('scoped', localServer('everything', EVERYTHING, 'stdio') + localServer('memory', MEMORY)) +
        // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax
        'gateway:\n  auth:\n    type: bearer\n    token: ${GW_TOKEN}\n    client_tokens:\n      ops: ${OPS_TOKEN}\n' +
        'clients:\n  default: deny\n  profiles:\n    ops:\n      servers: [memory]\n    admin: {}\n',
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    const open = async (token: string, claim: string) => {
      const url = new URL(`http://127.0.0.1:${port}/mcp?client=${claim}`);
      const c = new Client({ name: 'token-test', version: '1.0.0' });
      await c.connect(
        new StreamableHTTPClientTransport(url, {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      return c;
    };
    // The ops token cannot claim to be admin.
    const ops = await open('ops-token-0987654321', 'admin');
    const admin = await open('shared-token-1234567890', 'admin');
    try {
      const opsTools = (await ops.listTools()).tools.map((t) => t.name);
      expect(opsTools.length).toBeGreaterThan(0);
      expect(opsTools.every((n) => n.startsWith('memory__'))).toBe(true);
      const adminTools = (await admin.listTools()).tools.map((t) => t.name);
      expect(adminTools.some((n) => n.startsWith('everything__'))).toBe(true);
      // The client token is a credential: it never shows in the applied spec the API hands out.
      const state = await gridctl(sb, ['status', '--json']);
      expect(state.stdout).not.toContain('ops-token-0987654321');
    } finally {
      await ops.close();
      await admin.close();
    }
  });
});
