// Hot reload and plan against a running daemon: servers added, removed and modified in place while
// untouched servers keep their processes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { isAlive, processesIn, processesMatching } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { EVERYTHING, gridctl, localServer, MEMORY, type Sandbox, sandbox, stackYaml } from './cli.js';

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'hot']).catch(() => undefined);
});

function children(sb: Sandbox): Record<string, number> {
  const state = JSON.parse(readFileSync(join(sb.home, 'state', 'hot.json'), 'utf8')) as {
    children: { server: string; pid: number }[];
  };
  return Object.fromEntries(state.children.map((c) => [c.server, c.pid]));
}

describe('reload', () => {
  it('--watch applies adds, removes and env changes within seconds; untouched servers keep their PIDs', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const memory = (env: string) => `${localServer('memory', MEMORY)}    env: { MARKER: "${env}" }\n`;
    const v1 = stackYaml(
      'hot',
      localServer('keep', EVERYTHING, 'stdio') + memory('one') + localServer('gone', MEMORY),
    );
    const file = sb.write('stack.yaml', v1);
    expect((await gridctl(sb, ['apply', file, '--port', String(port), '--watch'])).code).toBe(0);
    const before = children(sb);

    const client = new Client({ name: 'reload-test', version: '1.0.0' });
    let listChanged = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      listChanged++;
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    // Open the server-to-client stream so notifications have somewhere to go.
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('gone__read_graph');

    // Edit in place: drop `gone`, change memory's env, add `added`.
    sb.write(
      'stack.yaml',
      stackYaml(
        'hot',
        localServer('keep', EVERYTHING, 'stdio') + memory('two') + localServer('added', MEMORY),
      ),
    );

    const names = await waitFor(
      async () => {
        const tools = (await client.listTools()).tools.map((t) => t.name);
        return tools.includes('added__read_graph') && !tools.includes('gone__read_graph') ? tools : undefined;
      },
      { timeoutMs: 10_000, what: 'tools/list to reflect the edit' },
    );
    expect(names).toContain('keep__echo');
    expect(names).toContain('memory__read_graph');
    await waitFor(() => listChanged > 0, { what: 'a tools/list_changed notification' });

    const after = await waitFor(() => {
      const c = children(sb);
      return c.added && c.memory !== before.memory ? c : undefined;
    });
    expect(after.keep).toBe(before.keep); // untouched: same process
    expect(after.memory).not.toBe(before.memory); // env changed: restarted
    expect(isAlive(before.gone!)).toBe(false);
    expect(isAlive(before.memory!)).toBe(false);
    await client.close();

    expect((await gridctl(sb, ['destroy', 'hot'])).code).toBe(0);
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);
  });

  it('plan diffs against the applied snapshot; reload of a broken file keeps what runs', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      stackYaml('hot', localServer('keep', EVERYTHING, 'stdio') + localServer('extra', MEMORY)),
    );
    expect((await gridctl(sb, ['apply', file, '--port', String(port)])).code).toBe(0);
    const before = children(sb);

    expect((await gridctl(sb, ['plan', file])).stdout).toContain("No changes. Stack 'hot' is up to date.");
    sb.write('stack.yaml', stackYaml('hot', `${localServer('keep', EVERYTHING, 'stdio')}    timeout: 5s\n`));
    const plan = await gridctl(sb, ['plan', file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 1 to remove');
    expect(plan.stdout).toContain('~ mcp-server "keep"');
    expect(plan.stdout).toContain('timeout: 60s → 5s');
    expect(plan.stdout).toContain('- mcp-server "extra"');

    const planJson = JSON.parse((await gridctl(sb, ['plan', file, '--json'])).stdout) as {
      hasChanges: boolean;
    };
    expect(planJson.hasChanges).toBe(true);

    sb.write('stack.yaml', 'name: hot\nmcp-servers:\n  - name: x\n    image: a\n    url: http://b\n');
    const bad = await gridctl(sb, ['reload', 'hot']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/running configuration is unchanged/);
    expect(bad.stdout).toMatch(/mcp-servers\[0\]/);
    expect(children(sb)).toEqual(before);

    sb.write('stack.yaml', stackYaml('hot', localServer('keep', EVERYTHING, 'stdio')));
    const good = await gridctl(sb, ['reload', file]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('Removed: mcp-server:extra');
    await waitFor(() => Object.keys(children(sb)).length === 1, { what: 'state to drop the removed server' });
    expect(children(sb)).toEqual({ keep: before.keep });

    expect((await gridctl(sb, ['destroy', 'hot'])).code).toBe(0);
    expect([...processesMatching(sb.dir), ...processesIn(sb.dir)]).toEqual([]);
  });
});
