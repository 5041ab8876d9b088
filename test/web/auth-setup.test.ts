// The web UI against a gateway with inbound auth (token prompt, session-only token) and against the
// stackless daemon (the wizard saves a stack and starts it). Real Chromium, real gridctl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVERYTHING,
  gridctl,
  localServer,
  MEMORY,
  type Sandbox,
  sandbox,
  stackYaml,
} from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { ensureWebBuilt, foreign, openBrowser, type Session, shot, waitText } from './browser.js';

declare const sessionStorage: { getItem(key: string): string | null };
declare const localStorage: { getItem(key: string): string | null };

const TOKEN = 'ui-token-8c1f2e';
const sandboxes: [Sandbox, string[]][] = [];
const sessions: Session[] = [];
let stacklessBase = '';

beforeAll(async () => {
  await ensureWebBuilt();
});

afterAll(async () => {
  for (const s of sessions) await s.close();
  for (const [sb, args] of sandboxes) await gridctl(sb, args).catch(() => undefined);
});

describe('web UI with gateway auth', () => {
  it('asks for the token once, keeps it for the session only, and works with it', async () => {
    const sb = sandbox();
    sandboxes.push([sb, ['destroy', 'guarded-ui']]);
    sb.env.UI_TOKEN = TOKEN;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const file = sb.write(
      'stack.yaml',
      `${stackYaml('guarded-ui', localServer('everything', EVERYTHING, 'stdio'))}gateway:\n  auth:\n    type: bearer\n    token: \${UI_TOKEN}\n`,
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(200);

    const ui = await openBrowser();
    sessions.push(ui);
    const { page } = ui;
    await page.goto(`${base}/stack`);
    await page.waitForSelector('[data-testid=token-input]');
    await shot(page, 'token');
    await page.fill('[data-testid=token-input]', 'wrong-token');
    await page.click('[data-testid=token-submit]');
    await waitText(page, '[data-testid=conn]', 'token needed');
    await page.waitForSelector('[data-testid=token-input]');
    await page.fill('[data-testid=token-input]', TOKEN);
    await page.click('[data-testid=token-submit]');
    await waitText(page, '[data-testid=conn]', 'live');
    await waitText(page, '[data-testid=server-everything] [data-testid=state]', /^healthy$/);
    expect(await page.evaluate(() => sessionStorage.getItem('gridctl-token'))).toBe(TOKEN);
    expect(await page.evaluate(() => localStorage.getItem('gridctl-token'))).toBeNull();

    // A tool call through /mcp carries the token too; a reload does not ask again.
    await page.goto(`${base}/tools?tool=everything__echo`);
    await page.fill('#arg-message', 'authorised');
    await page.click('[data-testid=call]');
    await waitText(page, '[data-testid=result-text]', 'authorised');
    expect(await page.$('[data-testid=token-input]')).toBeNull();
    // No URL ever carried the token.
    expect(ui.requests.filter((u) => u.includes(TOKEN))).toEqual([]);
    expect(foreign(ui.requests, base)).toEqual([]);

    // A new browser session (fresh storage) must ask again.
    const other = await ui.browser.newContext();
    const page2 = await other.newPage();
    await page2.goto(`${base}/stack`);
    await page2.waitForSelector('[data-testid=token-input]');
    await other.close();
  });
});

describe('web UI in stackless mode', () => {
  it('the wizard validates, saves and starts a stack', async () => {
    const sb = sandbox();
    sandboxes.push([sb, ['stop']]);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    stacklessBase = base;
    const served = await gridctl(sb, ['serve', '--port', String(port)]);
    expect(served.code, served.stderr).toBe(0);

    const ui = await openBrowser();
    sessions.push(ui);
    const { page } = ui;
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/setup`);
    await page.fill('[data-testid=setup-name]', 'wizard');
    // Write the YAML by hand (npx presets would need the registry; these are the same servers).
    const bad = `name: wizard\nmcp-servers:\n  - name: everything\n    comand: ["node"]\n`;
    await page.fill('[data-testid=setup-yaml]', bad);
    await page.click('text=Validate');
    await page.waitForSelector('[data-testid=issues]');
    const yaml = stackYaml(
      'wizard',
      localServer('everything', EVERYTHING, 'stdio') + localServer('memory', MEMORY),
    );
    await page.fill('[data-testid=setup-yaml]', yaml);
    await shot(page, 'setup');
    await page.click('[data-testid=setup-start]');
    await page.waitForURL(`${base}/stack`);
    await waitText(page, '[data-testid=server-everything] [data-testid=state]', /^healthy$/, 30_000);
    await waitText(page, '[data-testid=server-memory] [data-testid=state]', /^healthy$/, 30_000);
    const saved = (await (await fetch(`${base}/api/stacks`)).json()) as { stacks: string[] };
    expect(saved.stacks).toContain('wizard');
    expect(foreign(ui.requests, base)).toEqual([]);
  });

  it('refuses cross-site writes to the stack library', async () => {
    const base = stacklessBase;
    const body = JSON.stringify({ name: 'evil', yaml: 'name: evil\nmcp-servers: []\n' });
    const textPlain = await fetch(`${base}/api/stacks`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
    });
    expect(textPlain.status).toBe(400);
    const foreignOrigin = await fetch(`${base}/api/stacks`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
    });
    expect(foreignOrigin.status).toBe(403);
    const saved = (await (await fetch(`${base}/api/stacks`)).json()) as { stacks: string[] };
    expect(saved.stacks).not.toContain('evil');
  });
});
