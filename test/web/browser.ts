// Real-browser harness for the web UI tests: Debian's Chromium driven by playwright-core, every
// request URL recorded (to prove nothing leaves localhost), and small wait helpers.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildWeb, OUT } from '../../web/build.js';
import { ROOT } from '../lifecycle/cli.js';
import { waitFor } from '../support/wait.js';

// The root tsconfig has no DOM lib; this is all the page-side code below touches.
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Screenshots go to node_modules/.cache (kept for a look after the run, ignored by git, never the
 * temp dir, which the run must leave empty); GRIDCTL_UI_SHOTS=docs/ui refreshes the ones in the docs.
 */
export const SHOTS = resolve(ROOT, process.env.GRIDCTL_UI_SHOTS ?? 'node_modules/.cache/gridctl-ui-shots');

let built: Promise<unknown> | undefined;

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/** dist/web is missing or older than any file under web/. */
function stale(): boolean {
  const index = join(OUT, 'index.html');
  return !existsSync(index) || newest(join(ROOT, 'web')) > statSync(index).mtimeMs;
}

/**
 * Builds dist/web when it is missing or stale (CI's `npm ci` has built it already). Test files run
 * in parallel workers, so one builds under a lock while the others wait; a fresh build is never
 * replaced under a running gateway.
 */
export function ensureWebBuilt(): Promise<unknown> {
  built ??= (async () => {
    const lock = join(ROOT, 'dist', '.web-build.lock');
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    await waitFor(
      () => {
        try {
          mkdirSync(lock);
          return true;
        } catch {
          // a lock left by a killed run is at most a minute old
          if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 60_000)
            rmSync(lock, { recursive: true, force: true });
          return false;
        }
      },
      { timeoutMs: 90_000, intervalMs: 50, what: 'the web build lock' },
    );
    try {
      if (stale()) await buildWeb();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  })();
  return built;
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  requests: string[];
  consoleErrors: string[];
  close(): Promise<void>;
}

export async function openBrowser(
  opts: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {},
): Promise<Session> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  return {
    browser,
    context,
    page,
    requests,
    consoleErrors,
    async close() {
      // Playwright gives every launch a fresh temporary profile and removes it on close.
      await browser.close();
    },
  };
}

/** Waits until the element's text matches. */
export async function waitText(
  page: Page,
  selector: string,
  match: RegExp | string,
  timeout = 15_000,
): Promise<string> {
  const handle = await page.waitForFunction(
    ([sel, src, flags]) => {
      const t = document.querySelector(sel)?.textContent ?? '';
      const ok = flags === null ? t.includes(src) : new RegExp(src, flags).test(t);
      return ok ? t : false;
    },
    [
      selector,
      typeof match === 'string' ? match : match.source,
      typeof match === 'string' ? null : match.flags,
    ] as const,
    { timeout, polling: 50 },
  );
  return (await handle.jsonValue()) as string;
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Every URL that is not this gateway, nor an in-page data:/blob: URL. */
export function foreign(requests: string[], origin: string): string[] {
  return requests.filter(
    (u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'),
  );
}
