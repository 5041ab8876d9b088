// Thousands of malformed and adversarial bodies on /mcp: every answer is a JSON-RPC response (or
// an empty 202), never a 5xx, a crash or a hang; afterwards a normal client call still works.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { isRpcResponse, message } from './fuzz-arbitraries.js';
import {
  connectStreamable,
  post,
  type RunningGateway,
  rawSession,
  spec,
  startGateway,
  stdio,
} from './helpers.js';

const body = fc.oneof(
  { weight: 5, arbitrary: message.map((m) => JSON.stringify(m)) },
  { weight: 2, arbitrary: fc.array(message, { maxLength: 80 }).map((a) => JSON.stringify(a)) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  {
    weight: 1,
    arbitrary: message.map((m) => JSON.stringify(m)).map((s) => s.slice(0, Math.max(1, s.length - 3))),
  },
  {
    // Bodies around and past the 256 KiB limit.
    weight: 1,
    arbitrary: fc
      .integer({ min: 200_000, max: 700_000 })
      .map((n) => `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"${'a'.repeat(n)}"}}`),
  },
);

describe('fuzzing /mcp', () => {
  let gw: RunningGateway;
  let sessions: string[];

  beforeAll(async () => {
    gw = await startGateway([spec('fx', stdio(fixtureStdioCommand()), { timeoutMs: 5000 })], {
      maxBodyBytes: 256 * 1024,
      maxSessions: 10_000,
    });
    sessions = [await rawSession(gw.url, '2025-06-18'), await rawSession(gw.url, '2025-03-26')];
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers every malformed input with a JSON-RPC error or response, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom(0, 1, 2, 3),
        fc.option(fc.constantFrom('2025-06-18', '2099-01-01', 'x'), { nil: undefined }),
        async (text, which, version) => {
          const headers: Record<string, string> = { accept: 'application/json' };
          if (which < 2) headers['mcp-session-id'] = sessions[which]!;
          if (which === 2) headers['mcp-session-id'] = 'not-a-session';
          if (version) headers['mcp-protocol-version'] = version;
          const r = await post(gw.url, text, headers);
          expect([200, 202, 400, 404, 413, 503], `${r.status} for ${text.slice(0, 200)}`).toContain(r.status);
          if (r.status === 202) {
            expect(r.text).toBe('');
            return;
          }
          const answers = Array.isArray(r.json) ? r.json : [r.json];
          for (const a of answers) expect(isRpcResponse(a), `${r.status} ${r.text.slice(0, 300)}`).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  }, 120_000);

  it('still serves a normal client afterwards', async () => {
    const client = await connectStreamable(gw.url);
    try {
      const r = await client.callTool({ name: 'fx__echo', arguments: { text: 'after the storm' } });
      expect(r.structuredContent).toEqual({ text: 'after the storm', length: 15 });
      expect(gw.gateway.status()[0]?.state).toBe('healthy');
    } finally {
      await client.close();
    }
  });
});
