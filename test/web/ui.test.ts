// The web UI in a real browser (Debian's Chromium through playwright-core) against a real gridctl
// daemon running a stack of npm MCP servers in a sandbox.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVERYTHING,
  gridctl,
  localServer,
  MEMORY,
  ROOT,
  type Sandbox,
  sandbox,
  stackYaml,
} from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { ensureWebBuilt, foreign, openBrowser, type Session, shot, waitText } from './browser.js';

// Page-side code below runs in the browser; the root tsconfig has no DOM lib, so declare what it uses.
interface El {
  textContent: string | null;
  querySelector(selector: string): El | null;
  getAttribute(name: string): string | null;
}
declare const window: Record<string, unknown>;
declare const document: {
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): { length: number };
  documentElement: { dataset: Record<string, string | undefined>; scrollWidth: number; clientWidth: number };
};
declare class MutationObserver {
  constructor(fn: () => void);
  observe(el: El, opts: Record<string, boolean>): void;
}
type HTMLImageElement = El & { complete: boolean; naturalWidth: number };

const FILESYSTEM = join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');

let sb: Sandbox;
let port: number;
let base: string;
let file: string;
let ui: Session | undefined;

interface Row {
  name: string;
  state: string;
  tools: number;
  pid?: number;
  restarts: number;
}
const servers = async () => (await (await fetch(`${base}/api/mcp-servers`)).json()) as Row[];

type Box = { x: number; y: number; width: number; height: number };

/** Where the stack view put its parts, as the user sees them. */
async function stackLayout(page: Session['page']) {
  const box = async (selector: string): Promise<Box> => {
    const b = await page.locator(selector).boundingBox();
    if (!b) throw new Error(`${selector} is not displayed`);
    return b;
  };
  const boxes: (Box & { name: string })[] = [];
  for (const { name } of await servers())
    boxes.push({ name, ...(await box(`[data-testid=server-${name}]`)) });
  boxes.sort((a, b) => a.y - b.y || a.x - b.x);
  const navLinks = await page.locator('nav a').count();
  let labelsShown = 0;
  for (let i = 0; i < navLinks; i++) if (await page.locator('nav a .label').nth(i).isVisible()) labelsShown++;
  return {
    gateway: await box('.node-gateway'),
    servers: boxes,
    navLinks,
    labelsShown,
    edges: await page.locator('[data-testid=graph] svg.edges').isVisible(),
    overflowX: await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    ),
  };
}

beforeAll(async () => {
  await ensureWebBuilt();
  sb = sandbox();
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  file = sb.write(
    'stack.yaml',
    stackYaml(
      'webui',
      localServer('everything', EVERYTHING, 'stdio') +
        localServer('memory', MEMORY) +
        localServer('filesystem', FILESYSTEM, sb.dir),
    ),
  );
  const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
  expect(applied.code, applied.stderr).toBe(0);
  ui = await openBrowser();
});

afterAll(async () => {
  await ui?.close();
  if (sb) await gridctl(sb, ['destroy', 'webui']).catch(() => undefined);
});

describe('web UI (Chromium)', () => {
  it('serves the shell with the right headers and keeps the API behind it', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    const asset = /src="(\/assets\/main-[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${base}${asset}`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/tools?tool=x`)).headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${base}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('stack view: every server healthy with its tool count', async () => {
    const { page } = ui!;
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/stack`);
    await waitText(page, '[data-testid=conn]', 'live');
    const rows = await waitFor(
      async () => {
        const r = await servers();
        return r.every((s) => s.state === 'healthy') && r;
      },
      { what: 'servers healthy' },
    );
    for (const s of rows) {
      await waitText(page, `[data-testid=server-${s.name}] [data-testid=state]`, /^healthy$/);
      const count = await page.textContent(`[data-testid=server-${s.name}] [data-testid=tool-count]`);
      expect(Number(count)).toBe(s.tools);
      expect(s.tools).toBeGreaterThan(0);
    }
    await waitText(page, '[data-testid=summary]', '3 healthy');
    await shot(page, 'stack');
  });

  it('a server killed behind the UI turns unhealthy within two seconds, then recovers', async () => {
    const { page } = ui!;
    const memory = (await servers()).find((s) => s.name === 'memory')!;
    expect(memory.pid).toBeGreaterThan(0);
    process.kill(memory.pid!, 'SIGKILL');
    const t0 = Date.now();
    await waitText(
      page,
      '[data-testid=server-memory] [data-testid=state]',
      /unhealthy|starting|failed/,
      2000,
    );
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitText(page, '[data-testid=server-memory] [data-testid=state]', /^healthy$/, 20_000);
  });

  it('restart from the side panel: state changes and comes back, restarts counted', async () => {
    const { page } = ui!;
    await page.click('[data-testid=server-everything]');
    await page.waitForSelector('[data-testid=server-panel]');
    const before = Number(await page.textContent('[data-testid=server-panel] [data-testid=restarts]'));
    // Record every state the card shows while the restart runs.
    await page.evaluate(() => {
      const seen: string[] = [];
      window.seen = seen;
      const el = document.querySelector('[data-testid=server-everything]')!;
      new MutationObserver(() => {
        const t = el.querySelector('[data-testid=state]')?.textContent ?? '';
        if (seen[seen.length - 1] !== t) seen.push(t);
      }).observe(el, { subtree: true, childList: true, characterData: true });
    });
    await page.click('[data-testid=restart]');
    await waitText(page, '[data-testid=server-panel] [data-testid=restarts]', String(before + 1), 20_000);
    await waitText(page, '[data-testid=server-everything] [data-testid=state]', /^healthy$/, 20_000);
    const seen = await page.evaluate(() => window.seen as string[]);
    expect(seen.some((s) => s !== 'healthy')).toBe(true);
    expect(seen[seen.length - 1]).toBe('healthy');
    await shot(page, 'stack-panel');
  });

  it('tools view: finds everything__echo and calls it through /mcp', async () => {
    const { page } = ui!;
    await page.click('nav a[href="/tools"]');
    await page.fill('[data-testid=tool-search]', 'echo');
    await page.click('[data-testid="tool-everything__echo"]');
    await page.fill('#arg-message', 'hello from the browser');
    const mcpCall = page.waitForRequest(
      (r) => r.url() === `${base}/mcp` && (r.postData() ?? '').includes('tools/call'),
    );
    await page.click('[data-testid=call]');
    await mcpCall;
    await waitText(page, '[data-testid=result-text]', 'hello from the browser');
    await shot(page, 'tools');
  });

  it('tools view: an image result renders as an image', async () => {
    const { page } = ui!;
    await page.fill('[data-testid=tool-search]', 'tiny-image');
    await page.click('[data-testid="tool-everything__get-tiny-image"]');
    await page.click('[data-testid=call]');
    await page.waitForSelector('[data-testid=result-image]');
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid=result-image]') as HTMLImageElement | null;
      return img?.complete && img.naturalWidth > 0;
    });
  });

  it('logs view: a new line arrives live, without a reload', async () => {
    const { page } = ui!;
    await page.click('nav a[href="/logs"]');
    await page.selectOption('[data-testid=log-server]', 'memory');
    await page.evaluate(() => {
      window.marker = 42;
    });
    const before = await page.locator('[data-testid=log-box] .log-line').count();
    const res = await fetch(`${base}/api/mcp-servers/memory/restart`, { method: 'POST' });
    expect(res.status).toBe(200);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=log-box] .log-line').length > n,
      before,
    );
    await waitText(page, '[data-testid=log-box]', /server (ready|restarted)/);
    expect(await page.evaluate(() => window.marker)).toBe(42);
    await page.selectOption('[data-testid=log-server]', '');
    await shot(page, 'logs');
  });

  it('spec view: issues, plan of an edit, apply through reload', async () => {
    const { page } = ui!;
    await page.click('nav a[href="/spec"]');
    await page.waitForSelector('[data-testid=spec-lines]');
    await waitText(page, '[data-testid=plan-empty]', 'No changes');
    await shot(page, 'spec');
    await page.click('[data-testid=edit-btn]');
    const text = await page.inputValue('[data-testid=spec-editor]');
    const without = text.replace(/ {2}- name: filesystem\n.*\n/, '');
    expect(without).not.toEqual(text);
    await page.fill('[data-testid=spec-editor]', without);
    await page.click('[data-testid=plan-btn]');
    await waitText(page, '[data-testid=plan]', '- mcp-server filesystem');
    await page.click('[data-testid=apply-btn]');
    await waitText(page, '[data-testid=apply-result]', 'reloaded');
    await waitFor(async () => (await servers()).every((s) => s.name !== 'filesystem'), {
      what: 'filesystem removed',
    });
    await page.click('nav a[href="/stack"]');
    await page.waitForSelector('[data-testid=server-filesystem]', { state: 'detached' });
  });

  it('reconnects by itself after the gateway restarts', async () => {
    const { page } = ui!;
    const pid = await page.evaluate(
      () => document.querySelector('[data-testid=conn]')?.getAttribute('title') ?? '',
    );
    expect((await gridctl(sb, ['destroy', 'webui'])).code).toBe(0);
    await waitText(page, '[data-testid=conn]', 'reconnecting');
    await page.waitForSelector('[data-testid=reconnecting]');
    const again = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(again.code, again.stderr).toBe(0);
    await waitText(page, '[data-testid=conn]', 'live', 20_000);
    const after = await page.evaluate(
      () => document.querySelector('[data-testid=conn]')?.getAttribute('title') ?? '',
    );
    expect(after).not.toBe(pid);
    await waitText(page, '[data-testid=server-everything] [data-testid=state]', /^healthy$/, 20_000);
    // The try-it client opens a new MCP session on the new gateway by itself.
    await page.goto(`${base}/tools?tool=everything__echo`);
    await page.fill('#arg-message', 'after restart');
    await page.click('[data-testid=call]');
    await waitText(page, '[data-testid=result-text]', 'after restart');
  });

  it('pins view: every server pinned, no drift', async () => {
    const { page } = ui!;
    await page.click('nav a[href="/pins"]');
    for (const s of await servers())
      await waitText(page, `[data-testid=pins-${s.name}] [data-testid=pin-state]`, /^pinned$/);
    await shot(page, 'pins');
  });

  it('dark theme and a narrow screen', async () => {
    const { page } = ui!;
    await page.goto(`${base}/stack`);
    await waitText(page, '[data-testid=server-everything] [data-testid=state]', /^healthy$/);
    // Wide: gateway and servers side by side, nav links labelled. The contrast for the narrow case.
    const wide = await stackLayout(page);
    expect(wide.gateway.x + wide.gateway.width).toBeLessThanOrEqual(wide.servers[0]!.x);
    expect(wide.labelsShown).toBe(wide.navLinks);

    await page.setViewportSize({ width: 700, height: 900 });
    await page.click('button[aria-label="Toggle dark theme"]');
    // The theme is applied by an effect after the click's render: wait for it, with a deadline.
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark', null, {
      timeout: 10_000,
    });
    const narrow = await stackLayout(page);
    // One column: the gateway above the servers, each server below the last, all within the screen,
    // nothing to scroll sideways; the nav shows icons only and the edge drawing is gone.
    expect(narrow.overflowX).toBeLessThanOrEqual(0);
    expect(narrow.servers.length).toBeGreaterThanOrEqual(2); // the earlier tests removed one of three
    let above = narrow.gateway.y + narrow.gateway.height;
    for (const b of narrow.servers) {
      expect(b.y, `${b.name} below what precedes it`).toBeGreaterThanOrEqual(above);
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width).toBeLessThanOrEqual(700);
      above = b.y + b.height;
    }
    expect(narrow.navLinks).toBeGreaterThanOrEqual(5);
    expect(narrow.labelsShown).toBe(0);
    expect(narrow.edges).toBe(false);
    await shot(page, 'stack-dark-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('no request left localhost and the page logged no errors', () => {
    expect(ui!.requests.length).toBeGreaterThan(10);
    expect(foreign(ui!.requests, base)).toEqual([]);
    expect(
      ui!.consoleErrors.filter(
        (e) => !/Failed to load resource|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|network error/i.test(e),
      ),
    ).toEqual([]);
  });
});
