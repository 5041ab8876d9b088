// The server detail panel shows what a failed server last wrote to stderr, in a real browser
// against a real daemon whose server exits at start-up.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gridctl, type Sandbox, sandbox, stackYaml } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { ensureWebBuilt, openBrowser, type Session, shot, waitText } from './browser.js';

let sb: Sandbox | undefined;
let ui: Session | undefined;
let base: string;

beforeAll(async () => {
  await ensureWebBuilt();
  sb = sandbox();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const code = "console.error('boom: missing FOO'); console.error('see the docs'); process.exit(3)";
  const file = sb.write(
    'stack.yaml',
    stackYaml('webtail', `  - name: boom\n    command: ${JSON.stringify(['node', '-e', code])}\n`),
  );
  const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
  expect(applied.code, applied.stderr).toBe(0);
  ui = await openBrowser();
}, 120_000);

afterAll(async () => {
  await ui?.close();
  if (sb) {
    await gridctl(sb, ['destroy', 'webtail']).catch(() => undefined);
    rmSync(sb.dir, { recursive: true, force: true });
  }
});

describe('web UI: a failed server’s stderr', () => {
  it('is shown in the server panel, line by line', async () => {
    const { page } = ui!;
    await page.goto(`${base}/stack`);
    await waitText(page, '[data-testid=server-boom] [data-testid=state]', /^failed$/);
    await page.click('[data-testid=server-boom]');
    const text = await waitText(page, '[data-testid=server-panel] [data-testid=panel-stderr]', 'boom:');
    expect(text).toBe('boom: missing FOO\nsee the docs');
    await shot(page, 'stack-panel-stderr');
  });
});
