// tools/list pages are serialised once per (catalogue generation, client view) and served as
// text. Each way the catalogue or a view can change is exercised against real upstreams with a
// warm cache (small pages, so every listing spans several cached pages): the next tools/list shows
// the change, and a listing of an unchanged catalogue serialises nothing.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PinManager, pinsFile } from '../../src/security/pins/index.js';
import { isAlive } from '../support/processes.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';
import { connectStreamable, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/pins/server.mjs');

type Tool = { name: string; description?: string };

/** Every page of tools/list, following the cursors. */
async function listAll(c: Client): Promise<Tool[]> {
  const out: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await c.listTools(cursor === undefined ? {} : { cursor });
    out.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}
const names = async (c: Client) => (await listAll(c)).map((t) => t.name).sort();

describe('tools/list page cache', () => {
  let gw: RunningGateway;
  let pins: PinManager;
  let client: Client;
  const clients: Client[] = [];
  const pids = new Set<number>();
  const root = tempDir('list-pages');
  const fxDefs = join(root, 'fx.json');
  const pzDefs = join(root, 'pz.json');
  const fixture = (defs: string) => stdio([process.execPath, FIXTURE], { PINS_FIXTURE_FILE: defs });
  const track = () => {
    for (const s of gw.gateway.status()) if (s.pid) pids.add(s.pid);
  };
  const connect = async (path = '/mcp', name?: string) => {
    const c = await connectStreamable(`${gw.base}${path}${name ? `?client=${name}` : ''}`);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    writeFileSync(fxDefs, JSON.stringify({ echo: 'Echo the text back.' }));
    writeFileSync(pzDefs, JSON.stringify({ echo: 'Echo the text back.' }));
    pins = await PinManager.open({
      file: pinsFile(root, 'test-stack'),
      stack: 'test-stack',
      settings: { action: 'block' },
    });
    gw = await startGateway(
      [
        // fx is not pinned: its list changes reach clients as they are.
        spec('fx', fixture(fxDefs), { pinSchemas: false }),
        spec('pz', fixture(pzDefs), { pinSchemas: true, pinIdentity: 'fixture' }),
      ],
      { pins, pageSize: 2 },
    );
    track();
    client = await connect();
  });

  afterAll(async () => {
    track();
    for (const c of clients) await c.close();
    await gw?.close();
    await pins?.flush();
    await waitFor(() => [...pids].every((p) => !isAlive(p)), { what: 'fixture processes to exit' });
  });

  it('serves an unchanged catalogue from the cache, page for page', async () => {
    const first = await listAll(client);
    expect(first.map((t) => t.name).sort()).toEqual([
      'fx__add',
      'fx__echo',
      'fx__refresh',
      'pz__add',
      'pz__echo',
      'pz__refresh',
    ]);
    const built = gw.gateway.listPagesSerialised;
    expect(await listAll(client)).toEqual(first);
    expect(await listAll(await connect())).toEqual(first);
    expect(gw.gateway.listPagesSerialised).toBe(built);
  });

  it("an upstream's list_changed: the next listing has the new and changed tools", async () => {
    await listAll(client);
    writeFileSync(fxDefs, JSON.stringify({ echo: 'Echo, changed.', extra: true }));
    await client.callTool({ name: 'fx__refresh', arguments: {} });
    await waitFor(async () => (await names(client)).includes('fx__extra'), { what: 'fx__extra listed' });
    const echo = (await listAll(client)).find((t) => t.name === 'fx__echo');
    expect(echo?.description).toBe('Echo, changed.');
  });

  it('a server restarted (reloaded): the next listing is what it serves now', async () => {
    for (const extra of [true, false]) {
      await listAll(client);
      writeFileSync(fxDefs, JSON.stringify({ echo: `Echo (extra: ${extra}).`, extra }));
      await gw.gateway.restartServer('fx');
      track();
      expect((await names(client)).includes('fx__extra')).toBe(extra);
      expect((await listAll(client)).find((t) => t.name === 'fx__echo')?.description).toBe(
        `Echo (extra: ${extra}).`,
      );
    }
  });

  it('a server added, then removed', async () => {
    await listAll(client);
    await gw.gateway.addServer(spec('fy', fixture(fxDefs), { pinSchemas: false }));
    track();
    expect(await names(client)).toEqual(expect.arrayContaining(['fy__add', 'fy__echo', 'fy__refresh']));
    await gw.gateway.removeServer('fy');
    expect((await names(client)).filter((n) => n.startsWith('fy__'))).toEqual([]);
  });

  it('pins: drift withholds a tool; approving brings it back in the next listing', async () => {
    await listAll(client);
    writeFileSync(pzDefs, JSON.stringify({ echo: 'Echo, drifted.' }));
    await client.callTool({ name: 'pz__refresh', arguments: {} });
    await waitFor(async () => !(await names(client)).includes('pz__echo'), { what: 'pz__echo withheld' });
    await listAll(client);
    pins.approve('pz');
    gw.gateway.pinsChanged();
    const echo = (await listAll(client)).find((t) => t.name === 'pz__echo');
    expect(echo?.description).toBe('Echo, drifted.');
  });

  it("a change of the clients' scopes applies to the same session's next listing", async () => {
    const reviewer = await connect('/mcp', 'reviewer');
    const all = await names(reviewer);
    gw.gateway.setPolicies({
      clients: { default: 'allow', profiles: { reviewer: { tools: ['fx__add', 'pz__add'] } } },
    });
    expect(await names(reviewer)).toEqual(['fx__add', 'pz__add']);
    expect(await names(client)).toEqual(all);
    gw.gateway.setPolicies({
      clients: { default: 'allow', profiles: { reviewer: { tools: ['fx__echo'] } } },
    });
    expect(await names(reviewer)).toEqual(['fx__echo']);
    gw.gateway.setPolicies({});
    expect(await names(reviewer)).toEqual(all);
  });

  it('code mode on and off', async () => {
    const all = await names(client);
    gw.gateway.setPolicies({ codeMode: { timeoutMs: 3000, memoryBytes: 32 * 1024 * 1024 } });
    expect(await names(client)).toEqual(['execute', 'search']);
    gw.gateway.setPolicies({});
    expect(await names(client)).toEqual(all);
  });

  it("a group's definition swapped: its session's next listing follows", async () => {
    gw.gateway.setGroups({ g: { tools: ['fx__add'] } });
    const member = await connect('/groups/g/mcp');
    expect(await names(member)).toEqual(['fx__add']);
    gw.gateway.setGroups({ g: { tools: ['fx__add', 'fx__echo', 'pz__add'] } });
    expect(await names(member)).toEqual(['fx__add', 'fx__echo', 'pz__add']);
  });
});
