// Skills in a real daemon: `gridctl apply` serves the home's registry filtered by the stack's
// `skills:` block, with no NOT_IMPLEMENTED warning; `gridctl skill activate` reaches a connected
// client as list_changed; `gridctl reload` of a changed policy does too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PromptListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { gridctl, localServer, MEMORY, type Sandbox, sandbox, stackYaml } from './cli.js';

const sandboxes: Sandbox[] = [];
const stackless: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'skilled']).catch(() => undefined);
  for (const sb of stackless) await gridctl(sb, ['stop']).catch(() => undefined);
});

function putSkill(home: string, name: string, state: string, body: string): void {
  const dir = join(home, 'registry', 'skills', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), `---\ndescription: ${name} skill\nstate: ${state}\n---\n${body}\n`);
}

describe('skills in a running stack', () => {
  it('serves the registry under the stack policy, live', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    putSkill(sb.home, 'code-review', 'active', 'Review it.');
    putSkill(sb.home, 'code-draft', 'draft', 'Later.');
    putSkill(sb.home, 'ops-runbook', 'active', 'Run it.');
    const port = await freePort();
    const servers = stackYaml('skilled', localServer('memory', MEMORY));
    const file = sb.write('stack.yaml', `${servers}skills:\n  default: deny\n  allow: [code-*]\n`);
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout + applied.stderr).not.toMatch(/NOT_IMPLEMENTED/);

    const c = new Client({ name: 'skills-test', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    let changes = 0;
    c.setNotificationHandler(PromptListChangedNotificationSchema, () => void changes++);
    const names = async () => (await c.listPrompts()).prompts.map((p) => p.name).sort();
    try {
      expect(await names()).toEqual(['code-review']);
      const got = await c.getPrompt({ name: 'code-review', arguments: { context: 'PR 7' } });
      expect(got.messages[0]?.content).toEqual({ type: 'text', text: 'Review it.\n\n## Context\n\nPR 7\n' });

      // Skill pins are listed with the servers' pins: every valid skill, whatever its state.
      const pinned = JSON.parse((await gridctl(sb, ['pins', 'list', '--json'])).stdout) as {
        servers: { server: string; state: string; tool_count: number }[];
      };
      expect(pinned.servers.find((p) => p.server === '@skills')).toMatchObject({
        state: 'pinned',
        tool_count: 3,
      });

      // The API shows what this gateway serves (the policy applied) and how often each was read.
      const api = `http://127.0.0.1:${port}/api/skills`;
      const listed = (await (await fetch(api)).json()) as {
        skills: { name: string; state: string; served: boolean; usage: { count: number } }[];
      };
      expect(listed.skills.map((s) => [s.name, s.state, s.served, s.usage.count])).toEqual([
        ['code-draft', 'draft', false, 0],
        ['code-review', 'active', true, 1],
        ['ops-runbook', 'active', false, 0],
      ]);
      const one = (await (await fetch(`${api}/code-review`)).json()) as { body: string; file: string };
      expect(one.body).toBe('Review it.\n');
      expect((await fetch(`${api}/nope`)).status).toBe(404);

      // The CLI edits the file; the daemon's watcher serves the change and tells the client.
      const activated = await gridctl(sb, ['skill', 'activate', 'code-draft']);
      expect(activated.code, activated.stderr).toBe(0);
      await waitFor(async () => (await names()).includes('code-draft'), { what: 'the activated skill' });
      await waitFor(() => changes >= 1, { what: 'list_changed after the activation' });

      const before = changes;
      sb.write('stack.yaml', `${servers}skills:\n  default: allow\n  deny: [code-draft]\n`);
      const reloaded = await gridctl(sb, ['reload', 'skilled']);
      expect(reloaded.code, reloaded.stdout + reloaded.stderr).toBe(0);
      await waitFor(() => changes > before, { what: 'list_changed after the reload' });
      expect(await names()).toEqual(['code-review', 'ops-runbook']);

      // Disabled through the API: served no more, at once.
      const post = (path: string, headers: Record<string, string>) =>
        fetch(`${api}/${path}`, { method: 'POST', headers, body: '{}' });
      expect((await post('ops-runbook/disable', {})).status).toBe(400); // no JSON content type
      expect(
        (
          await post('ops-runbook/disable', {
            'content-type': 'application/json',
            origin: 'https://evil.example',
          })
        ).status,
      ).toBe(403);
      const disabled = await post('ops-runbook/disable', { 'content-type': 'application/json' });
      expect(disabled.status).toBe(200);
      expect(((await disabled.json()) as { skill: { state: string; served: boolean } }).skill).toMatchObject({
        state: 'disabled',
        served: false,
      });
      expect(await names()).toEqual(['code-review']);
    } finally {
      await c.close();
    }
    const destroyed = await gridctl(sb, ['destroy', 'skilled']);
    expect(destroyed.code, destroyed.stderr).toBe(0);
  });

  it('serves the registry from the stackless gateway too (no stack, no policy)', async () => {
    const sb = sandbox();
    stackless.push(sb);
    putSkill(sb.home, 'code-review', 'active', 'Review it.');
    const port = await freePort();
    const served = await gridctl(sb, ['serve', '--port', String(port)]);
    expect(served.code, served.stderr).toBe(0);
    const c = new Client({ name: 'skills-stackless', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    try {
      expect((await c.listPrompts()).prompts.map((p) => p.name)).toEqual(['code-review']);
    } finally {
      await c.close();
    }
    expect((await gridctl(sb, ['stop'])).code).toBe(0);
  });
});
