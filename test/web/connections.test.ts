// The Connections view in a real browser against a real daemon whose HOME is a temp folder with
// Cursor installed: the client is listed as not linked, Link… previews the change to its file,
// confirming writes it, and Unlink… takes it out again.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox, stackYaml } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { ensureWebBuilt, foreign, openBrowser, type Session, shot, waitText } from './browser.js';

const sandboxes: Sandbox[] = [];
const sessions: Session[] = [];

beforeAll(async () => {
  await ensureWebBuilt();
});

afterAll(async () => {
  for (const s of sessions) await s.close();
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'conn-ui']).catch(() => undefined);
});

describe('Connections view', () => {
  it('lists installed clients and links and unlinks one after a preview', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const user = join(sb.dir, 'user');
    Object.assign(sb.env, { HOME: user, XDG_CONFIG_HOME: join(user, '.config') });
    mkdirSync(join(user, '.cursor'), { recursive: true });
    const port = await freePort();
    const file = sb.write('stack.yaml', stackYaml('conn-ui', localServer('everything', EVERYTHING, 'stdio')));
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    const base = `http://127.0.0.1:${port}`;
    const ui = await openBrowser();
    sessions.push(ui);
    const { page } = ui;

    await page.goto(`${base}/stack`);
    await page.click('nav a[href="/connections"]');
    const row = '[data-testid=client-cursor]';
    await waitText(page, `${row} [data-testid=client-state]`, 'not linked');
    expect(await page.locator('[data-testid=client-zed]').count()).toBe(0);

    await page.click(`${row} [data-testid=link]`);
    await waitText(page, '[data-testid=preview-diff]', `"url": "http://localhost:${port}/mcp"`);
    await shot(page, 'connections');
    const cursorFile = join(user, '.cursor', 'mcp.json');
    expect(() => readFileSync(cursorFile)).toThrow(); // a preview writes nothing
    await page.click('[data-testid=confirm]');
    await waitText(page, `${row} [data-testid=client-state]`, /^linked/);
    expect(JSON.parse(readFileSync(cursorFile, 'utf8'))).toEqual({
      mcpServers: { gridctl: { url: `http://localhost:${port}/mcp` } },
    });

    await page.click(`${row} [data-testid=unlink]`);
    await waitText(page, '[data-testid=preview-diff]', '- ');
    await page.click('[data-testid=confirm]');
    await waitText(page, `${row} [data-testid=client-state]`, 'not linked');
    await waitFor(() => JSON.parse(readFileSync(cursorFile, 'utf8')).mcpServers.gridctl === undefined);
    expect(foreign(ui.requests, base)).toEqual([]);
    expect(ui.consoleErrors).toEqual([]);
  });
});
