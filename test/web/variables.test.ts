// The Variables view in a real browser (Debian's Chromium through playwright-core) against real
// `gridctl apply` daemons: with gateway.auth (list per scope, reveal, set, delete with
// confirmation, all by keyboard where it matters) and without (reveal explains the 403).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox, stackYaml } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { ensureWebBuilt, foreign, openBrowser, type Session, shot, waitText } from './browser.js';

declare const document: { querySelector(selector: string): unknown };

const TOKEN = 'vars-ui-token-77a1';
const sandboxes: [Sandbox, string][] = [];
const sessions: Session[] = [];

beforeAll(async () => {
  await ensureWebBuilt();
});

afterAll(async () => {
  for (const s of sessions) await s.close();
  for (const [sb, name] of sandboxes) await gridctl(sb, ['destroy', name]).catch(() => undefined);
});

async function start(name: string, auth: boolean): Promise<{ sb: Sandbox; base: string }> {
  const sb = sandbox();
  sandboxes.push([sb, name]);
  const set = async (args: string[]) => {
    const r = await gridctl(sb, ['var', 'set', ...args]);
    expect(r.code, r.stderr).toBe(0);
  };
  if (auth) await set(['GATEWAY_TOKEN', TOKEN]);
  await set(['API_URL', 'https://api.internal.example']);
  await set(['--set', 'github', 'GH_TOKEN', 'ghp-value-from-store-1']);
  const port = await freePort();
  const stack = stackYaml(name, localServer('everything', EVERYTHING, 'stdio'));
  const file = sb.write(
    'stack.yaml',
    auth ? `${stack}gateway:\n  auth:\n    type: bearer\n    token: \${var:GATEWAY_TOKEN}\n` : stack,
  );
  const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
  expect(applied.code, applied.stderr).toBe(0);
  return { sb, base: `http://127.0.0.1:${port}` };
}

const row = (set: string, key: string) => `[data-testid="var-${set}-${key}"]`;

describe('Variables view with gateway.auth', () => {
  it('lists keys per scope, reveals, sets and deletes', async () => {
    const { sb, base } = await start('vars-ui', true);
    const ui = await openBrowser();
    sessions.push(ui);
    const { page } = ui;

    await page.goto(`${base}/variables`);
    await page.waitForSelector('[data-testid=token-input]');
    await page.fill('[data-testid=token-input]', TOKEN);
    await page.click('[data-testid=token-submit]');

    // Keys per scope, values hidden, the honest note about an unlocked store.
    await waitText(page, '[data-testid=scope-default]', 'GATEWAY_TOKEN');
    await waitText(page, '[data-testid=scope-default]', 'API_URL');
    await waitText(page, '[data-testid=scope-github]', 'GH_TOKEN');
    await waitText(page, '[data-testid=vault-state]', 'not locked');
    await waitText(page, '[data-testid=unlocked-note]', 'gridctl var lock');
    expect(await page.textContent('main')).not.toContain('ghp-value-from-store-1');
    expect(await page.$('[data-testid=reveal-off]')).toBeNull();

    // Reveal by keyboard, then hide again.
    await page.focus(`${row('github', 'GH_TOKEN')} [data-testid=reveal]`);
    await page.keyboard.press('Enter');
    await waitText(page, `${row('github', 'GH_TOKEN')} [data-testid=value]`, 'ghp-value-from-store-1');
    await page.keyboard.press('Enter');
    await waitText(page, `${row('github', 'GH_TOKEN')} [data-testid=value]`, 'hidden');
    expect(await page.textContent('main')).not.toContain('ghp-value-from-store-1');

    // The screenshot for docs/ui.md: one harmless value shown.
    await page.click(`${row('', 'API_URL')} [data-testid=reveal]`);
    await waitText(page, `${row('', 'API_URL')} [data-testid=value]`, 'https://api.internal.example');
    await shot(page, 'variables');

    // Set a new key in a set: the value field is a password field; the CLI sees the value.
    expect(await page.getAttribute('[data-testid=var-value]', 'type')).toBe('password');
    await page.fill('[data-testid=var-key]', 'GH_APP_ID');
    await page.fill('[data-testid=var-value]', 'app-id-4242');
    await page.fill('[data-testid=var-set]', 'github');
    await page.click('[data-testid=var-save]');
    await waitText(page, '[data-testid=scope-github]', 'GH_APP_ID');
    expect(await page.inputValue('[data-testid=var-value]')).toBe('');
    const got = await gridctl(sb, ['var', 'get', 'GH_APP_ID', '--set', 'github']);
    expect(got.stdout.trim()).toBe('app-id-4242');
    // A bad name is refused in the page, before any request.
    await page.fill('[data-testid=var-key]', '1NOPE');
    await page.fill('[data-testid=var-value]', 'x');
    await page.click('[data-testid=var-save]');
    await waitText(page, '[data-testid=var-form-error]', 'letters, digits and underscores');
    expect(ui.requests.filter((u) => u.includes('1NOPE'))).toEqual([]);
    await page.fill('[data-testid=var-key]', '');
    await page.waitForSelector('[data-testid=var-form-error]', { state: 'detached' });
    await page.fill('[data-testid=var-value]', '');

    // Delete asks first; Escape cancels, confirm deletes.
    await page.click(`${row('', 'API_URL')} [data-testid=delete]`);
    await page.waitForSelector('[role=alertdialog]');
    // Focus moves to Cancel in an effect after the dialog renders: wait for it, with a deadline.
    await page.waitForFunction(
      () => (document.querySelector(':focus') as { textContent?: string } | null)?.textContent === 'Cancel',
      null,
      {
        timeout: 10_000,
      },
    );
    await page.keyboard.press('Escape');
    await page.waitForSelector('[role=alertdialog]', { state: 'detached' });
    expect(await page.$(row('', 'API_URL'))).not.toBeNull();
    await page.click(`${row('', 'API_URL')} [data-testid=delete]`);
    await page.click('[data-testid=confirm-delete]');
    await page.waitForSelector(row('', 'API_URL'), { state: 'detached' });
    const listed = await gridctl(sb, ['var', 'list']);
    expect(listed.stdout).not.toContain('API_URL');
    expect(listed.stdout).toContain('GH_APP_ID');

    expect(ui.requests.filter((u) => u.includes(TOKEN) || u.includes('app-id-4242'))).toEqual([]);
    expect(foreign(ui.requests, base)).toEqual([]);
  });
});

describe('Variables view without gateway.auth', () => {
  it('keeps values hidden and explains why Reveal is refused', async () => {
    const { base } = await start('vars-ui-open', false);
    const ui = await openBrowser({ colorScheme: 'dark' });
    sessions.push(ui);
    const { page } = ui;
    await page.goto(`${base}/variables`);
    await waitText(page, '[data-testid=scope-github]', 'GH_TOKEN');
    await waitText(page, '[data-testid=reveal-off]', 'gateway.auth');
    await page.click(`${row('github', 'GH_TOKEN')} [data-testid=reveal]`);
    await waitText(page, '[data-testid=reveal-error]', 'add gateway.auth to the stack');
    expect(await page.textContent('main')).not.toContain('ghp-value-from-store-1');
    await shot(page, 'variables-no-auth-dark');
  });
});
