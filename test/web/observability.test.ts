// The Metrics and Traces views in a real browser against a real daemon: calls made by a real MCP
// client appear in the KPIs, the charts and the per-tool table (pushed over the event stream, no
// reload), a tool links to its traces, and a trace opens as a waterfall of its spans.
import { rmSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox, stackYaml } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { ensureWebBuilt, foreign, openBrowser, type Session, shot, waitText } from './browser.js';

let sb: Sandbox | undefined;
let ui: Session | undefined;
let client: Client | undefined;
let base: string;

beforeAll(async () => {
  await ensureWebBuilt();
  sb = sandbox();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const file = sb.write('stack.yaml', stackYaml('webobs', localServer('everything', EVERYTHING, 'stdio')));
  const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
  expect(applied.code, applied.stderr).toBe(0);
  client = new Client({ name: 'web-observability', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp?client=ops`)));
  ui = await openBrowser();
}, 120_000);

afterAll(async () => {
  await client?.close();
  await ui?.close();
  if (sb) {
    await gridctl(sb, ['destroy', 'webobs']).catch(() => undefined);
    rmSync(sb.dir, { recursive: true, force: true });
  }
});

describe('web UI: metrics and traces', () => {
  it('shows calls live as charts and per tool, then a trace as a waterfall', async () => {
    const { page, requests } = ui!;
    await page.goto(`${base}/usage`);
    await waitText(page, '[data-testid=kpi-calls]', /^0$/);
    expect(await page.locator('[data-testid=chart-latency] canvas').count()).toBe(1);

    // Calls made while the view is open arrive over the event stream.
    for (let i = 0; i < 3; i++)
      await client!.callTool({ name: 'everything__echo', arguments: { message: `m${i}` } });
    await client!.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } });
    await waitText(page, '[data-testid=kpi-calls]', /^4$/);
    const row = await waitText(page, '[data-testid=tool-row-everything-echo]', /echo/);
    expect(row).toMatch(/^everything\s*echo\s*3\s*0\s*/);
    expect(Number((await page.textContent('[data-testid=kpi-schema]'))?.replace(/\D/g, ''))).toBeGreaterThan(
      100,
    );
    // Each chart names its series in its legend (uPlot draws the lines on a canvas).
    expect(await page.locator('[data-testid=chart-calls] .u-legend .u-series').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^calls\/s/), expect.stringMatching(/^errors\/s/)]),
    );
    // One tool's charts: the calls KPI counts that tool alone.
    await page.click('[data-testid=tool-row-everything-echo] button');
    await waitText(page, '[data-testid=metrics-tool]', /everything\/echo/);
    await waitText(page, '[data-testid=kpi-calls]', /^3$/);
    await page.click('[data-testid=metrics-tool]');
    await waitText(page, '[data-testid=kpi-calls]', /^4$/);
    await shot(page, 'metrics');

    // From a tool to its traces, then one trace's waterfall.
    await page.click('[data-testid=tool-row-everything-get-sum] a');
    await waitFor(async () => page.url().endsWith('/traces?tool=get-sum'), { what: 'the traces view' });
    const rows = page.locator('[data-testid=traces-list] tbody tr');
    await waitFor(async () => (await rows.count()) === 1, { what: 'one get-sum trace' });
    expect(await rows.first().textContent()).toMatch(/tools\/call everything › get-sum/);
    await rows.first().locator('button').click();
    await waitText(page, '[data-testid=waterfall]', /spans/);
    const spans = await page.locator('[data-testid=waterfall] [data-testid=span]').allTextContents();
    expect(spans[0]).toMatch(/^tools\/call everything › get-sum/);
    // Under it, the request to the server (its span is named by the server alone).
    expect(spans.some((s) => s.startsWith('tools/call everything') && !s.includes('›'))).toBe(true);
    await shot(page, 'traces');

    // A new call's trace is pushed into the open list (no reload).
    await page.goto(`${base}/traces`);
    await waitFor(async () => (await rows.count()) >= 4, { what: 'the four traces' });
    await client!.callTool({ name: 'everything__echo', arguments: { message: 'late' } });
    await waitFor(async () => (await rows.count()) >= 5, { what: 'the pushed trace' });
    expect(foreign(requests, base)).toEqual([]);
    expect(ui!.consoleErrors).toEqual([]);
  });
});
