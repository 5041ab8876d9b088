// The production server (controller/gateway-builder) through the real CLI: the stack's
// `gateway:` session settings reach the gateway, and /ready is behind the Host/Origin guard both
// with a stack applied and on the stackless daemon (whose /ready the builder answers itself).
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox, stackYaml } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { initializeBody, post, rawPost, rawSession } from './helpers.js';

const started: [Sandbox, string[]][] = [];
const streams: AbortController[] = [];
afterAll(async () => {
  for (const s of streams) s.abort();
  for (const [sb, stop] of started) {
    await gridctl(sb, stop).catch(() => undefined);
    rmSync(sb.dir, { recursive: true, force: true });
  }
});

/** Hold a session's GET /mcp stream open; once the response arrives, the gateway holds it too. */
async function holdStream(url: string, sid: string): Promise<void> {
  const ac = new AbortController();
  streams.push(ac);
  const r = await fetch(url, {
    headers: { accept: 'text/event-stream', 'mcp-session-id': sid },
    signal: ac.signal,
  });
  expect(r.status).toBe(200);
}

async function expectGuarded(base: string): Promise<void> {
  const evil = await rawPost(`${base}/ready`, '', { host: 'evil.example' }, 'GET');
  expect(evil.status).toBe(403);
  expect(evil.text).not.toContain('everything');
  expect((await rawPost(`${base}/ready`, '', { origin: 'http://evil.example' }, 'GET')).status).toBe(403);
  expect((await rawPost(`${base}/health`, '', { host: 'evil.example' }, 'GET')).status).toBe(403);
}

describe('gateway session settings from the stack file', () => {
  it('applies max_sessions and session_idle_timeout, and guards /ready', async () => {
    const sb = sandbox();
    started.push([sb, ['destroy', 'sess']]);
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      `${stackYaml('sess', localServer('everything', EVERYTHING, 'stdio'))}gateway:\n  max_sessions: 2\n  session_idle_timeout: 1s\n`,
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    const base = `http://127.0.0.1:${port}`;
    const url = `${base}/mcp`;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    await expectGuarded(base);

    // session_idle_timeout: an idle session is gone soon after 1s.
    const idle = await rawSession(url);
    await waitFor(
      async () =>
        (await post(url, '{"jsonrpc":"2.0","id":1,"method":"ping"}', { 'mcp-session-id': idle })).status ===
        404,
      {
        what: 'the idle session to expire',
        intervalMs: 1500, // each probe touches the session, so probe less often than it expires
      },
    );

    // max_sessions: two live sessions fill the gateway.
    for (let i = 0; i < 2; i++) await holdStream(url, await rawSession(url));
    const refused = await post(url, initializeBody());
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({
      error: {
        message: expect.stringMatching(/^Too many sessions: all 2 sessions of the gateway are in use/),
      },
    });
  });

  it("guards the stackless daemon's /ready", async () => {
    const sb = sandbox();
    started.push([sb, ['stop']]);
    const port = await freePort();
    const served = await gridctl(sb, ['serve', '--port', String(port)]);
    expect(served.code, served.stderr).toBe(0);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/ready`)).status).toBe(503); // no stack loaded
    await expectGuarded(base);
  });
});
