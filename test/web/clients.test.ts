// The stack view in a real browser shows each connected client with the id, profile and scope the
// stack's `clients:` block gives it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, it } from 'vitest';
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
import { ensureWebBuilt, openBrowser, type Session, shot, waitText } from './browser.js';

let sb: Sandbox;
let ui: Session | undefined;
const clients: Client[] = [];

beforeAll(async () => {
  await ensureWebBuilt();
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await ui?.close();
  if (sb) await gridctl(sb, ['destroy', 'ui-clients']).catch(() => undefined);
});

describe('stack view with client scoping', () => {
  it("shows each client's id, profile and scope", async () => {
    sb = sandbox();
    const port = await freePort();
    const stack = `${stackYaml(
      'ui-clients',
      localServer('everything', EVERYTHING, 'stdio') + localServer('memory', MEMORY),
    )}clients:\n  default: deny\n  profiles:\n    ops:\n      servers: [memory]\n`;
    const applied = await gridctl(sb, ['apply', sb.write('stack.yaml', stack), '--port', String(port)]);
    if (applied.code !== 0) throw new Error(applied.stderr);
    const base = `http://127.0.0.1:${port}`;
    for (const [name, id] of [
      ['ops-console', 'ops'],
      ['stray-script', undefined],
    ] as const) {
      const url = new URL(`${base}/mcp`);
      if (id) url.searchParams.set('client', id);
      const c = new Client({ name, version: '1' });
      await c.connect(new StreamableHTTPClientTransport(url));
      clients.push(c);
    }
    ui = await openBrowser();
    await ui.page.goto(`${base}/`);
    await waitText(ui.page, '[data-node="client:ops-console"]', 'id ops · profile ops · servers memory');
    await waitText(ui.page, '[data-node="client:stray-script"]', 'id stray-script · no access');
    await shot(ui.page, 'stack-clients');
  });
});
