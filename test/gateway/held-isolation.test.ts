// What keeps one client's traffic with a handshake-era server away from another's, with the
// gateway's defaults (no heldSessions option: gateway.held_sessions is on unless turned off):
// - a stateless client's calls travel on its principal's own upstream session, and a list that
//   session changes (a server with per-session tools) is that principal's catalogue alone;
// - a 2025 client's question from a stdio server that names no call is never handed to another
//   principal's client: with two principals' calls open it is refused (ASK_UNATTRIBUTED).
// A real 2025-SDK server over stdio (test/fixtures/held-server.ts); real SDK clients for 2025.
import { resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { connectStreamable, post, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

const V = '2026-07-28';
const FIXTURE = resolve(import.meta.dirname, '../fixtures/held-server.ts');
const command = [process.execPath, '--import', import.meta.resolve('tsx'), FIXTURE];
let nextId = 1;

interface Reply {
  status: number;
  result?: Record<string, unknown> & { content?: { text?: string }[]; tools?: { name: string }[] };
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

/** One stateless request as `principal` (its `_meta` clientInfo name). */
async function modern(url: string, principal: string, method: string, params: Record<string, unknown> = {}) {
  const body = {
    jsonrpc: '2.0',
    id: nextId++,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': V,
        'io.modelcontextprotocol/clientInfo': { name: principal, version: '1' },
        'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
      },
    },
  };
  const headers: Record<string, string> = { 'mcp-protocol-version': V, 'mcp-method': method };
  if (typeof params.name === 'string') headers['mcp-name'] = params.name;
  const r = await post(url, JSON.stringify(body), headers);
  return { status: r.status, ...(r.json as object) } as Reply;
}
const text = (r: Reply) => r.result?.content?.[0]?.text ?? JSON.stringify(r);
const toolNames = async (url: string, principal: string) =>
  ((await modern(url, principal, 'tools/list')).result?.tools ?? []).map((t) => t.name).sort();

describe('held sessions by default: each principal its own session and its own per-session lists', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway([spec('hs', stdio(command))]);
  }, 60_000);
  afterAll(async () => gw?.close());

  it("carries a stateless principal's calls on a session of its own without any option set", async () => {
    const shared = text(await modern(gw.url, 'x', 'tools/call', { name: 'hs__stats', arguments: {} }));
    expect(gw.gateway.heldSessions('hs').map((h) => h.principal)).toEqual(['x']);
    const again = text(await modern(gw.url, 'x', 'tools/call', { name: 'hs__stats', arguments: {} }));
    expect(/instance=(\w+)/.exec(again)?.[1]).toBe(/instance=(\w+)/.exec(shared)?.[1]);
  });

  it("shows a list that alice's session changed to alice only, and routes her call to it", async () => {
    const before = await toolNames(gw.url, 'bob');
    expect(before).toEqual(['hs__ask', 'hs__grow', 'hs__stats']);
    const grew = text(await modern(gw.url, 'alice', 'tools/call', { name: 'hs__grow', arguments: {} }));
    expect(grew).toMatch(/grew$/);
    await waitFor(async () => (await toolNames(gw.url, 'alice')).includes('hs__grown'), {
      what: "alice's catalogue showing the tool her session grew",
    });
    // Bob's catalogue and the shared one (a 2025 client's) are unchanged.
    expect(await toolNames(gw.url, 'bob')).toEqual(before);
    expect(gw.gateway.tools().map((t) => t.name)).not.toContain('hs__grown');
    // Alice's call reaches the process that has the tool; bob's name is unknown to him.
    const ran = text(await modern(gw.url, 'alice', 'tools/call', { name: 'hs__grown', arguments: {} }));
    expect(ran).toBe(`grown on instance=${/instance=(\w+)/.exec(grew)?.[1]}`);
    const bob = await modern(gw.url, 'bob', 'tools/call', { name: 'hs__grown', arguments: {} });
    expect(text(bob)).toMatch(/unknown tool|not found/i);
  });
});

describe('gateway.held_sessions off, and 2025 clients: questions that name no call', () => {
  let gw: RunningGateway;
  const clients: Client[] = [];
  beforeAll(async () => {
    gw = await startGateway([spec('hs', stdio(command))], { heldSessions: false });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await gw?.close();
  });

  /** A 2025 SDK client as `principal` whose elicitation answers wait for `release`. */
  async function client(principal: string) {
    const c = await connectStreamable(`${gw.url}?client=${principal}`, { elicitation: {} });
    clients.push(c);
    const asked: string[] = [];
    let release: (answer: string) => void = () => {};
    const answered = new Promise<string>((r) => {
      release = r;
    });
    c.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(String(req.params.message));
      return { action: 'accept', content: { answer: await answered } };
    });
    return { c, asked, release: (a: string) => release(a) };
  }

  it('uses the shared connection for stateless clients when turned off', async () => {
    await modern(gw.url, 'x', 'tools/call', { name: 'hs__stats', arguments: {} });
    expect(gw.gateway.heldSessions('hs')).toEqual([]);
  });

  it("refuses a question it cannot attribute while two principals' calls are open, and hands it to no one", async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    const aliceCall = alice.c.callTool({ name: 'hs__ask', arguments: { n: 1 } });
    // Alice's call alone is open: her question is hers.
    await waitFor(() => alice.asked.length === 1, { what: "alice's question" });
    // Bob's call opens beside it: his question names no call and could be either's.
    const bobResult = await bob.c.callTool({ name: 'hs__ask', arguments: { n: 1 } });
    expect(bobResult.isError).toBe(true);
    expect(JSON.stringify(bobResult.content)).toContain('does not guess whose call asked');
    expect(bob.asked).toEqual([]);
    expect(alice.asked).toEqual(['Question 1?']);
    alice.release('for-alice');
    const done = await aliceCall;
    expect(JSON.stringify(done.content)).toMatch(/answers=for-alice/);
  });

  it("still relays the question when the open calls are one principal's", async () => {
    const carol = await client('carol');
    carol.release('solo');
    const r = await carol.c.callTool({ name: 'hs__ask', arguments: { n: 1 } });
    expect(JSON.stringify(r.content)).toMatch(/answers=solo/);
    expect(carol.asked).toEqual(['Question 1?']);
  });
});
