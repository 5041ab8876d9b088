// The Library view in a real browser against a real daemon: the home's skills with state, served
// (the stack's policy applied), source and reads; Activate serves a draft, Disable stops a skill,
// and a broken file shows its problem with file and line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gridctl, localServer, MEMORY, type Sandbox, sandbox, stackYaml } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { ensureWebBuilt, foreign, openBrowser, type Session, shot, waitText } from './browser.js';

let sb: Sandbox | undefined;
let ui: Session | undefined;
let base: string;
let client: Client | undefined;

function putSkill(home: string, name: string, text: string): void {
  const dir = join(home, 'registry', 'skills', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), text);
}

beforeAll(async () => {
  await ensureWebBuilt();
  sb = sandbox();
  putSkill(sb.home, 'code-review', '---\ndescription: Review a diff\nstate: active\n---\nReview it.\n');
  putSkill(sb.home, 'write-tests', '---\ndescription: Write the missing tests\n---\nTests.\n');
  putSkill(sb.home, 'internal-ops', '---\ndescription: Internal runbook\nstate: active\n---\nRun.\n');
  putSkill(sb.home, 'broken', '---\nstate: active\n---\nno description\n');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const file = sb.write(
    'stack.yaml',
    `${stackYaml('weblib', localServer('memory', MEMORY))}skills:\n  deny: [internal-*]\n`,
  );
  const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
  expect(applied.code, applied.stderr).toBe(0);
  client = new Client({ name: 'library-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
  await client.getPrompt({ name: 'code-review' });
  ui = await openBrowser();
}, 120_000);

afterAll(async () => {
  await client?.close();
  await ui?.close();
  if (sb) await gridctl(sb, ['destroy', 'weblib']).catch(() => undefined);
});

describe('web UI: Library', () => {
  it('lists the skills with state, served and reads, and the problems of a broken one', async () => {
    const { page } = ui!;
    await page.goto(`${base}/stack`);
    await page.click('nav a[href="/library"]');
    await waitText(page, '[data-testid=skill-code-review] [data-testid=skill-state]', 'active');
    const cell = (name: string, what: string) =>
      page.locator(`[data-testid=skill-${name}] [data-testid=skill-${what}]`).textContent();
    expect(await cell('code-review', 'served')).toBe('yes');
    expect(await cell('code-review', 'reads')).toBe('1');
    expect(await cell('write-tests', 'state')).toBe('draft');
    expect(await cell('internal-ops', 'served')).toBe('no (policy or pins)');
    expect(await cell('broken', 'state')).toBe('active · 1 error');
    const issues = await page.locator('[data-testid=skill-issues]').textContent();
    expect(issues).toContain('SKILL_DESCRIPTION_MISSING');
    expect(issues).toContain(`${join(sb!.home, 'registry', 'skills', 'broken', 'SKILL.md')}:1`);
    await shot(page, 'library');
  });

  it('activates a draft and disables an active skill; MCP clients follow', async () => {
    const { page } = ui!;
    const names = async () => (await client!.listPrompts()).prompts.map((p) => p.name).sort();
    expect(await names()).toEqual(['code-review']);
    await page.click('[data-testid=skill-write-tests] button:has-text("Activate")');
    await waitText(page, '[data-testid=skill-write-tests] [data-testid=skill-served]', /^yes$/);
    await waitFor(async () => (await names()).includes('write-tests'), {
      what: 'the activated skill served',
    });
    await page.click('[data-testid=skill-code-review] button:has-text("Disable")');
    await waitText(page, '[data-testid=skill-code-review] [data-testid=skill-state]', 'disabled');
    await waitFor(async () => !(await names()).includes('code-review'), { what: 'the disabled skill gone' });
    expect(foreign(ui!.requests, base)).toEqual([]);
  });
});
