// A 2026-07-28 (stateless) client in front of a handshake-era server: the gateway carries the
// client's calls on an upstream session held for its principal (src/gateway/era/held-sessions.ts).
// A real 2025-SDK server over stdio (test/fixtures/held-server.ts) names the process that ran each
// call, so the tests see which upstream session a call used. Raw HTTP on the client side, so the
// rounds (input_required → retry with inputResponses) are the test's own.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { post, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

const V = '2026-07-28';
const FIXTURE = resolve(import.meta.dirname, '../fixtures/held-server.ts');
const command = [process.execPath, '--import', import.meta.resolve('tsx'), FIXTURE];

type Result = Record<string, unknown> & { content?: { text?: string }[] };
interface Reply {
  status: number;
  result?: Result;
  error?: { code: number; message: string; data?: unknown };
}

let gw: RunningGateway;
let nextId = 1;

/** One stateless tools/call as `principal` (its `_meta` clientInfo name). */
async function call(
  principal: string,
  name: string,
  args: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  caps: Record<string, unknown> = { elicitation: {} },
): Promise<Reply> {
  const params = {
    name,
    arguments: args,
    ...extra,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': V,
      'io.modelcontextprotocol/clientInfo': { name: principal, version: '1' },
      'io.modelcontextprotocol/clientCapabilities': caps,
    },
  };
  const r = await post(
    gw.url,
    JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params }),
    {
      'mcp-protocol-version': V,
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
  );
  const body = r.json as { result?: Result; error?: Reply['error'] };
  return { status: r.status, ...body };
}

/** The question keys of an input_required result, and the retry fields answering each with `answer`. */
function answer(r: Result, answer: string): Record<string, unknown> {
  const keys = Object.keys(r.inputRequests as object);
  const inputResponses = Object.fromEntries(keys.map((k) => [k, { action: 'accept', content: { answer } }]));
  return { inputResponses, requestState: r.requestState };
}

/** `ask` with n questions, answered round by round with `answers`; the final text. */
async function ask(principal: string, answers: string[]): Promise<string> {
  const args = { n: answers.length };
  let r = await call(principal, 'hs__ask', args);
  for (const a of answers) {
    expect(r.result?.resultType, JSON.stringify(r)).toBe('input_required');
    r = await call(principal, 'hs__ask', args, answer(r.result!, a));
  }
  expect(r.result?.resultType, JSON.stringify(r)).toBe('complete');
  return r.result!.content?.[0]?.text ?? '';
}

const instanceOf = (t: string) => /instance=(\w+)/.exec(t)?.[1];
const stats = async (principal: string) =>
  (await call(principal, 'hs__stats', {})).result?.content?.[0]?.text ?? '';

beforeAll(async () => {
  gw = await startGateway([spec('hs', stdio(command))], {
    inputRequiredTtlMs: 2_000,
    heldSessions: { max: 2, idleMs: 3_000 },
  });
}, 60_000);

afterAll(async () => {
  await gw?.close();
});

describe('held upstream sessions, per (server, principal)', () => {
  it('one principal reuses its session across calls; another principal never shares it', async () => {
    const a1 = await ask('alice', ['a']);
    const a2 = await ask('alice', ['b']);
    // Two calls (their rounds are one upstream request each), on one session.
    expect(gw.gateway.heldSessions('hs').map((h) => [h.principal, h.calls])).toEqual([['alice', 2]]);
    const b1 = await ask('bob', ['c']);
    expect(a1).toMatch(/answers=a$/);
    expect(b1).toMatch(/answers=c$/);
    expect(instanceOf(a2)).toBe(instanceOf(a1));
    expect(instanceOf(b1)).not.toBe(instanceOf(a1));
    expect(gw.gateway.heldSessions('hs').some((h) => h.principal === 'bob')).toBe(true);
  });

  it('two principals holding calls at once each get their own answers, on their own sessions', async () => {
    const a = await call('alice', 'hs__ask', { n: 1 });
    const b = await call('bob', 'hs__ask', { n: 1 });
    expect(a.result?.resultType).toBe('input_required');
    expect(b.result?.resultType).toBe('input_required');
    // Answered in the other order than asked: nothing crosses over.
    const bDone = await call('bob', 'hs__ask', { n: 1 }, answer(b.result!, 'for-bob'));
    const aDone = await call('alice', 'hs__ask', { n: 1 }, answer(a.result!, 'for-alice'));
    const at = aDone.result?.content?.[0]?.text ?? '';
    const bt = bDone.result?.content?.[0]?.text ?? '';
    expect(at).toMatch(/answers=for-alice$/);
    expect(bt).toMatch(/answers=for-bob$/);
    expect(instanceOf(at)).not.toBe(instanceOf(bt));
    // A state issued to alice is refused to bob.
    const c = await call('alice', 'hs__ask', { n: 1 });
    const stolen = await call('bob', 'hs__ask', { n: 1 }, answer(c.result!, 'x'));
    expect(stolen.error?.message).toContain('issued to another client');
    expect((await call('alice', 'hs__ask', { n: 1 }, answer(c.result!, 'mine'))).result?.resultType).toBe(
      'complete',
    );
  });

  it('several rounds on one call work', async () => {
    expect(await ask('alice', ['one', 'two', 'three'])).toMatch(/answers=one,two,three$/);
  });

  it('a round left unanswered past the TTL cancels the call upstream, and its state is refused', async () => {
    const before = await stats('carol');
    expect(before).toMatch(/cancelled=0 failed=0$/);
    const r = await call('carol', 'hs__ask', { n: 1 });
    expect(r.result?.resultType).toBe('input_required');
    await waitFor(async () => /cancelled=1/.test(await stats('carol')), {
      timeoutMs: 10_000,
      what: 'the upstream call cancelled',
    });
    // Same principal, same session: the count is that process's.
    expect(instanceOf(await stats('carol'))).toBe(instanceOf(before));
    const late = await call('carol', 'hs__ask', { n: 1 }, answer(r.result!, 'late'));
    expect(late.error?.code).toBe(-32602);
  });

  it('a client without the capability gets -32021 and the server its question answered with an error', async () => {
    const r = await call('dave', 'hs__ask', { n: 1 }, {}, {});
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { elicitation: {} } } });
    await waitFor(async () => /failed=1$/.test(await stats('dave')), {
      what: 'the question failed upstream',
    });
  });

  it('the pool is bounded per server and idle sessions are closed', async () => {
    // max 2: with carol and dave the newest, alice's and bob's sessions made room.
    await waitFor(() => gw.gateway.heldSessions('hs').length <= 2 && gw.gateway.heldSessions('hs'), {
      what: 'bounded pool',
    });
    expect(gw.gateway.heldSessions('hs').length).toBeLessThanOrEqual(2);
    await waitFor(() => gw.gateway.heldSessions('hs').length === 0, {
      timeoutMs: 10_000,
      what: 'idle sessions closed',
    });
    // A call after that opens a fresh one.
    expect(await ask('alice', ['again'])).toMatch(/answers=again$/);
    expect(gw.gateway.heldSessions('hs').map((h) => h.principal)).toEqual(['alice']);
  });
});
