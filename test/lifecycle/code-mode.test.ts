// Code mode in a real daemon: `gateway.code_mode: "on"` applies without a NOT_IMPLEMENTED warning
// and serves search + execute; a reload to `off` brings the full tool list back live; and
// `apply --code-mode` turns it on for a stack that does not ask for it, through reloads.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox, stackYaml } from './cli.js';

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'coded']).catch(() => undefined);
});

const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name);
const textOf = (r: unknown) => (r as { content: { text?: string }[] }).content[0]?.text ?? '';

async function open(port: number): Promise<Client> {
  const c = new Client({ name: 'code-mode-test', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  return c;
}

describe('code mode in a running stack', () => {
  it('gateway.code_mode: on serves search and execute; a reload to `off` restores the tools', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const servers = stackYaml('coded', localServer('everything', EVERYTHING, 'stdio'));
    const file = sb.write(
      'stack.yaml',
      `${servers}gateway:\n  code_mode: "on"\n  code_mode_timeout: 5\n  code_mode_memory_mb: 16\n`,
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout + applied.stderr).not.toMatch(/NOT_IMPLEMENTED/);
    const c = await open(port);
    try {
      expect(await names(c)).toEqual(['search', 'execute']);
      const r = await c.callTool({
        name: 'execute',
        arguments: { code: `(async () => mcp.callTool('everything', 'echo', { message: 'from code' }))()` },
      });
      expect(r.isError).toBeFalsy();
      expect(textOf(r)).toContain('from code');
      const loop = await c.callTool({ name: 'execute', arguments: { code: 'for (;;) {}' } });
      expect(textOf(loop)).toMatch(/^Error: execution timed out after 5 s/);
      const bomb = await c.callTool({
        name: 'execute',
        arguments: { code: 'let s = "x"; const k = []; for (;;) { s += s; k.push(s); }' },
      });
      expect(textOf(bomb)).toMatch(/^Error: the script ran out of memory \(limit 16 MiB\)/);

      sb.write('stack.yaml', `${servers}gateway:\n  code_mode: "off"\n  code_mode_timeout: 5\n`);
      const reloaded = await gridctl(sb, ['reload', 'coded']);
      expect(reloaded.code, reloaded.stdout + reloaded.stderr).toBe(0);
      await waitFor(async () => (await names(c)).includes('everything__echo'), {
        what: 'the full tool list',
      });
      expect(await names(c)).not.toContain('execute');
    } finally {
      await c.close();
      await gridctl(sb, ['destroy', 'coded']);
    }
  });

  it('apply --code-mode turns it on for a stack without it, and a reload keeps it on', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const servers = stackYaml('coded', localServer('everything', EVERYTHING, 'stdio'));
    const file = sb.write('stack.yaml', `${servers}gateway:\n  maxToolResultBytes: 65536\n`);
    const applied = await gridctl(sb, ['apply', file, '--port', String(port), '--code-mode']);
    expect(applied.code, applied.stderr).toBe(0);
    const c = await open(port);
    try {
      expect(await names(c)).toEqual(['search', 'execute']);
      const found = await c.callTool({ name: 'search', arguments: { query: 'echo' } });
      expect(textOf(found)).toContain('"everything__echo"');
      sb.write('stack.yaml', `${servers}gateway:\n  maxToolResultBytes: 32768\n`);
      const reloaded = await gridctl(sb, ['reload', 'coded']);
      expect(reloaded.code, reloaded.stdout + reloaded.stderr).toBe(0);
      expect(await names(c)).toEqual(['search', 'execute']);
    } finally {
      await c.close();
    }
  });
});
