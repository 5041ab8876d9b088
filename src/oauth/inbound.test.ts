// InboundOAuth against a stand-in JWKS endpoint (a loopback server publishing keys made here), for
// what the real provider in test/oauth/inbound.test.ts cannot do on demand: rotate its keys.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboundOAuth } from './inbound.js';

const ISSUER = 'https://idp.example.test';
const AUD = 'http://127.0.0.1:8180/mcp';
type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let server: Server;
let jwksUri: string;
let published: JWK[] = [];
let fetches = 0;
const keyA = await generateKeyPair('ES256', { extractable: true });
const keyB = await generateKeyPair('ES256', { extractable: true });
const pub = async (k: typeof keyA, kid: string): Promise<JWK> => ({
  ...(await exportJWK(k.publicKey)),
  kid,
  alg: 'ES256',
});

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const sign = (key: Key, kid: string, claims: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: AUD,
    iat: now,
    exp: now + 300,
    client_id: 'agent-1',
    scope: 'mcp:tools',
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid })
    .sign(key);
};
const req = (token: string) =>
  ({ headers: { authorization: `Bearer ${token}` } }) as unknown as IncomingMessage;

describe('InboundOAuth', () => {
  it('caches the key set and follows a key rotation', async () => {
    published = [await pub(keyA, 'a')];
    const guard = new InboundOAuth({ issuer: ISSUER, audience: AUD, scopes: ['mcp:tools'], jwksUri }, 0);
    const first = await guard.verify(req(await sign(keyA.privateKey, 'a')));
    expect(first).toMatchObject({ ok: true, client: 'agent-1' });
    await guard.verify(req(await sign(keyA.privateKey, 'a')));
    expect(fetches).toBe(1); // cached
    // The provider rotates: a token under the new kid makes the guard fetch the set again.
    published = [await pub(keyB, 'b')];
    expect(await guard.verify(req(await sign(keyB.privateKey, 'b')))).toMatchObject({ ok: true });
    expect(fetches).toBe(2);
  });

  it('reads scopes from scp lists, names the client by the configured claim, refuses a missing scope', async () => {
    published = [await pub(keyA, 'a')];
    const guard = new InboundOAuth(
      { issuer: ISSUER, audience: AUD, scopes: ['mcp:tools'], jwksUri, clientClaim: 'azp' },
      0,
    );
    const scp = await sign(keyA.privateKey, 'a', {
      scope: undefined,
      scp: ['mcp:tools', 'x'],
      azp: 'web-app',
    });
    expect(await guard.verify(req(scp))).toMatchObject({ ok: true, client: 'web-app' });
    const none = await guard.verify(req(await sign(keyA.privateKey, 'a', { scope: 'other' })));
    expect(none).toMatchObject({ ok: false, status: 403, error: 'insufficient_scope' });
    const wrongIss = await guard.verify(
      req(await sign(keyA.privateKey, 'a', { iss: 'https://other.example' })),
    );
    expect(wrongIss).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
  });
});
