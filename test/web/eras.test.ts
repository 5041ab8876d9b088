// Each server's protocol era and each client's era, as a user sees them: `gridctl status` (the ERA
// columns and --json), /api/sessions, and the web UI's stack view (server nodes, the server panel,
// the client nodes). A real daemon with a handshake-era server (conformance fixture, stdio) and a
// stateless one (SDK v2 fixture, protocol_generation: stateless); a 2025 client holds a session
// while a 2026-07-28 client sends stateless requests; real Chromium.
import { rmSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { modernStdioCommand } from '../fixtures/modern.js';
import { connectStreamable, post } from '../gateway/helpers.js';
import { gridctl, type Sandbox, sandbox, stackYaml } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { ensureWebBuilt, openBrowser, type Session, shot, waitText } from './browser.js';

const V = '2026-07-28';
let sb: Sandbox | undefined;
let ui: Session | undefined;
let old: Client | undefined;
let base: string;

interface Row {
  name: string;
  era?: string;
  protocolVersion?: string;
  state: string;
}
interface SessionRow {
  id: string;
  client?: string;
  era?: string;
  protocolVersion?: string;
}

const api = async <T>(path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;

/** One stateless request of a 2026-07-28 client named `modern-client`. */
const statelessList = () =>
  post(
    `${base}/mcp`,
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': V,
          'io.modelcontextprotocol/clientInfo': { name: 'modern-client', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
    { 'mcp-protocol-version': V, 'mcp-method': 'tools/list' },
  );

beforeAll(async () => {
  await ensureWebBuilt();
  sb = sandbox();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const servers =
    `  - name: classic\n    command: ${JSON.stringify(fixtureStdioCommand())}\n` +
    `  - name: modern\n    command: ${JSON.stringify(modernStdioCommand())}\n    protocol_generation: stateless\n`;
  const applied = await gridctl(sb, [
    'apply',
    sb.write('stack.yaml', stackYaml('eras', servers)),
    '--port',
    String(port),
  ]);
  expect(applied.code, applied.stderr).toBe(0);
  await waitFor(
    async () => {
      const rows = (await api<{ servers: Row[] }>('/api/status')).servers;
      return rows.length === 2 && rows.every((r) => r.state === 'healthy' && r.protocolVersion);
    },
    { timeoutMs: 60_000, what: 'both servers healthy' },
  );
  old = await connectStreamable(`${base}/mcp`);
  const r = await statelessList();
  expect(r.status).toBe(200);
  ui = await openBrowser();
}, 120_000);

afterAll(async () => {
  await old?.close().catch(() => undefined);
  await ui?.close();
  if (sb) {
    await gridctl(sb, ['destroy', 'eras']).catch(() => undefined);
    rmSync(sb.dir, { recursive: true, force: true });
  }
});

describe('protocol eras in status and the UI', () => {
  it('/api/status and /api/sessions name each server’s and each client’s era and version', async () => {
    const rows = (await api<{ servers: Row[] }>('/api/status')).servers;
    expect(rows.find((r) => r.name === 'classic')).toMatchObject({
      era: 'handshake',
      protocolVersion: '2025-11-25',
    });
    expect(rows.find((r) => r.name === 'modern')).toMatchObject({ era: 'stateless', protocolVersion: V });
    const sessions = await api<SessionRow[]>('/api/sessions');
    expect(sessions.find((s) => s.client === 'test-client')).toMatchObject({
      era: 'handshake',
      protocolVersion: '2025-11-25',
    });
    const modern = sessions.filter((s) => s.client === 'modern-client');
    expect(modern).toEqual([expect.objectContaining({ era: 'stateless', protocolVersion: V })]);
    // A second request of the same client is the same entry, not another one.
    await statelessList();
    const again = (await api<SessionRow[]>('/api/sessions')).filter((s) => s.client === 'modern-client');
    expect(again.map((s) => s.id)).toEqual(modern.map((s) => s.id));
  });

  it('gridctl status has an ERA column for servers and sessions, and --json carries the fields', async () => {
    const st = await gridctl(sb!, ['status']);
    expect(st.code, st.stderr).toBe(0);
    const lines = st.stdout.split('\n');
    const header = lines.find((l) => l.startsWith('NAME'));
    expect(header).toMatch(/TRANSPORT\s+STATE\s.*\sPID\s+ERA$/);
    expect(lines.find((l) => l.startsWith('classic'))).toMatch(/stdio\s+healthy\s.*\shandshake 2025-11-25$/);
    expect(lines.find((l) => l.startsWith('modern'))).toMatch(
      new RegExp(`stdio\\s+healthy\\s.*\\sstateless ${V}$`),
    );
    expect(lines.find((l) => l.startsWith('SESSION'))).toMatch(/TRANSPORT\s+ERA\s+LAST SEEN/);
    expect(lines.find((l) => l.includes('test-client'))).toMatch(/streamable-http\s+handshake 2025-11-25/);
    expect(lines.find((l) => l.includes('modern-client'))).toMatch(
      new RegExp(`streamable-http\\s+stateless ${V}`),
    );
    const json = JSON.parse((await gridctl(sb!, ['status', '--json'])).stdout) as {
      gateways: { servers: Row[]; sessions: SessionRow[] }[];
    };
    const g = json.gateways[0]!;
    expect(g.servers.map((s) => [s.name, s.era, s.protocolVersion]).sort()).toEqual([
      ['classic', 'handshake', '2025-11-25'],
      ['modern', 'stateless', V],
    ]);
    expect(g.sessions.map((s) => s.era).sort()).toEqual(['handshake', 'stateless']);
  });

  it('the stack view shows the era on server nodes, in the server panel and on client nodes', async () => {
    const { page } = ui!;
    await page.goto(`${base}/stack`);
    expect(
      await waitText(page, '[data-testid=server-classic] [data-testid=server-node-era]', 'handshake'),
    ).toBe(' · handshake 2025-11-25');
    expect(
      await waitText(page, '[data-testid=server-modern] [data-testid=server-node-era]', 'stateless'),
    ).toBe(` · stateless ${V}`);
    expect(
      await waitText(page, '[data-node="client:test-client"] [data-testid=client-era]', 'handshake'),
    ).toBe('handshake 2025-11-25');
    expect(
      await waitText(page, '[data-node="client:modern-client"] [data-testid=client-era]', 'stateless'),
    ).toBe(`stateless ${V}`);
    await page.click('[data-testid=server-modern]');
    expect(await waitText(page, '[data-testid=server-panel] [data-testid=server-era]', 'stateless')).toBe(
      `stateless ${V}`,
    );
    await shot(page, 'stack-eras');
  });
});
