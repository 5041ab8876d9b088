// OpenAPI upstream against a real REST API on 127.0.0.1, with the same API described in Swagger
// 2.0, OpenAPI 3.0 and OpenAPI 3.1: tool names and schemas, calls on the wire, auth, include/exclude,
// HTTP errors, limits, cancellation, and the shared contract's applicable checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../../src/protocol/jsonrpc.js';
import { createUpstream } from '../../src/upstream/index.js';
import type { OpenApiConfig } from '../../src/upstream/openapi/index.js';
import { OpenApiUpstream } from '../../src/upstream/openapi/index.js';
import {
  FIXTURE_DIR,
  OAUTH_CLIENT,
  type PetStoreApi,
  SPECS,
  startPetStore,
} from '../fixtures/openapi/petstore-api.js';
import { waitFor } from '../support/wait.js';
import { upstreamContract } from './contract.js';
import { INIT, recorder } from './recorder.js';

type Content = { type: string; text?: string; data?: string; mimeType?: string }[];
interface ToolResult {
  content: Content;
  structuredContent?: unknown;
  isError?: boolean;
}
interface ListedTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown> & {
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  annotations?: Record<string, unknown>;
}

let api: PetStoreApi;
beforeAll(async () => {
  api = await startPetStore();
});
afterAll(async () => {
  await api.close();
});

const open: OpenApiUpstream[] = [];
afterAll(async () => {
  await Promise.all(open.map((u) => u.close()));
});

function upstream(
  name: string,
  openapi: Partial<OpenApiConfig> & { spec: string },
  env?: Record<string, string>,
) {
  const u = new OpenApiUpstream(name, {
    openapi: { baseUrl: `${api.origin}/v1`, ...openapi },
    stackDir: FIXTURE_DIR,
    env: env ?? {},
  });
  open.push(u);
  return u;
}

async function connected(
  name: string,
  openapi: Partial<OpenApiConfig> & { spec: string },
  env?: Record<string, string>,
) {
  const u = upstream(name, openapi, env);
  const ev = recorder();
  await u.connect(ev, INIT);
  return { u, ev };
}

const call = (u: OpenApiUpstream, name: string, args: Record<string, unknown>) =>
  u.request('tools/call', { name, arguments: args }) as Promise<ToolResult>;
const list = async (u: OpenApiUpstream) =>
  ((await u.request('tools/list', undefined)) as { tools: ListedTool[] }).tools;
const lastRequest = () => api.requests.at(-1)!;

upstreamContract({
  label: 'openapi (OAS 3.0) → local pet store API',
  serverName: 'petstore',
  create: () => upstream('petstore', { spec: SPECS.oas30 }),
  expectedServerName: 'Gridctl Test Pet Store',
  echo: { tool: 'echo', args: (message) => ({ body: { message } }), text: (m) => `Echo: ${m}` },
  image: { tool: 'get_pets_petId_photo', args: { petId: 1 } },
  structured: { tool: 'getPet', args: { petId: 1 }, structuredContent: { id: 1, name: 'Rex', tag: 'dog' } },
  slow: { tool: 'slow', args: { ms: 20_000 } },
  without: ['direct', 'progress', 'sampling'],
});

const EXPECTED_TOOLS = [
  'bigResponse',
  'echo',
  'listPets',
  'createPet',
  'getPet',
  'deletePet',
  'get_pets_petId_photo',
  'slow',
  'teapot',
  'whoami',
];

describe.each([
  ['Swagger 2.0', SPECS.swagger2],
  ['OpenAPI 3.0', SPECS.oas30],
  ['OpenAPI 3.1 (YAML, external $ref)', SPECS.oas31],
])('OpenAPI upstream from %s', (_label, spec) => {
  it('one tool per operation, sorted by path then method, named from operationId else method_path', async () => {
    const { u, ev } = await connected('pets', { spec });
    expect(u.initResult?.serverInfo).toMatchObject({ name: 'Gridctl Test Pet Store', version: '1.2.0' });
    expect(u.initResult?.capabilities).toEqual({ tools: { listChanged: false } });
    expect(u.initResult?.instructions).toBe("A pet store used by gridctl's tests.");
    const tools = await list(u);
    expect(tools.map((t) => t.name)).toEqual(EXPECTED_TOOLS);
    expect(ev.logs.filter((l) => l.includes('does not validate'))).toEqual([]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.listPets?.description).toBe('List pets: Returns pets, optionally filtered by tag.');
    expect(byName.deletePet?.description).toBe('Removes a pet for good.');
    expect(byName.teapot?.description).toBe('GET /teapot');
    expect(byName.getPet?.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.deletePet?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });

  it('input schemas from path, query and header parameters and the JSON body, $refs resolved', async () => {
    const { u } = await connected('pets', { spec });
    const byName = Object.fromEntries((await list(u)).map((t) => [t.name, t]));

    expect(byName.getPet?.inputSchema).toEqual({
      type: 'object',
      properties: { petId: { type: 'integer', minimum: 1, description: "The pet's id" } },
      required: ['petId'],
    });
    expect(byName.listPets?.inputSchema).toEqual({
      type: 'object',
      properties: {
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'How many at most' },
        tags: { type: 'array', items: { type: 'string' }, description: 'Only pets with one of these tags' },
      },
    });
    expect(byName.whoami?.inputSchema.properties).toEqual({
      'X-Request-Id': { type: 'string' },
      requireOauth: { type: 'string', enum: ['0', '1'] },
    });

    const create = byName.createPet!.inputSchema;
    expect(create.required).toEqual(['body']);
    const body = create.properties.body!;
    expect(body.description).toBe('The pet to add');
    expect(body.type).toBe('object');
    expect(body.required).toEqual(['name']);
    const props = body.properties as Record<string, Record<string, unknown>>;
    // Read-only id is not something a caller sends.
    expect(Object.keys(props).sort()).toEqual(['friends', 'name', 'tag']);
    expect(props.name).toEqual({ type: 'string', description: "The pet's name", examples: ['Rex'] });
    expect(props.tag).toEqual({ type: ['string', 'null'] });
    // A recursive schema (friends: NewPet[]) is cut, not expanded forever, and serialises.
    expect(props.friends).toEqual({ type: 'array', items: {} });
    expect(() => JSON.stringify(create)).not.toThrow();
    expect(JSON.stringify(create)).not.toContain('$ref');
  });

  it('calls reach the API with the right method, path, query, headers and body', async () => {
    const { u } = await connected('pets', { spec });

    const listed = await call(u, 'listPets', { limit: 5, tags: ['dog', 'cat'] });
    expect(lastRequest()).toMatchObject({
      method: 'GET',
      path: '/v1/pets',
      query: { limit: '5', tags: ['dog', 'cat'] },
    });
    expect(listed.isError).toBeUndefined();
    expect(JSON.parse(listed.content[0]!.text!)).toEqual([
      { id: 1, name: 'Rex', tag: 'dog' },
      { id: 2, name: 'Tom', tag: 'cat' },
    ]);
    // Pretty JSON text; arrays carry no structuredContent (it must be an object).
    expect(listed.content[0]!.text).toContain('\n  {');
    expect(listed.structuredContent).toBeUndefined();

    const created = await call(u, 'createPet', { body: { name: 'Fido', tag: 'dog' } });
    expect(lastRequest()).toMatchObject({ method: 'POST', path: '/v1/pets' });
    expect(lastRequest().headers['content-type']).toBe('application/json');
    expect(JSON.parse(lastRequest().body)).toEqual({ name: 'Fido', tag: 'dog' });
    expect(created.structuredContent).toMatchObject({ name: 'Fido', tag: 'dog' });
    const id = (created.structuredContent as { id: number }).id;

    const got = await call(u, 'getPet', { petId: id });
    expect(lastRequest()).toMatchObject({ method: 'GET', path: `/v1/pets/${id}` });
    expect(got.structuredContent).toEqual({ id, name: 'Fido', tag: 'dog' });

    const deleted = await call(u, 'deletePet', { petId: id });
    expect(lastRequest()).toMatchObject({ method: 'DELETE', path: `/v1/pets/${id}` });
    expect(deleted).toEqual({ content: [{ type: 'text', text: 'HTTP 204 No Content' }] });

    await call(u, 'whoami', { 'X-Request-Id': 'req-42' });
    expect(lastRequest().headers['x-request-id']).toBe('req-42');
  });

  it('non-2xx answers are tool errors with the status and a body excerpt', async () => {
    const { u } = await connected('pets', { spec });
    const missing = await call(u, 'getPet', { petId: 999 });
    expect(missing.isError).toBe(true);
    expect(missing.content[0]!.text).toBe('HTTP 404 Not Found: {"error":"pet not found"}');
    const teapot = await call(u, 'teapot', {});
    expect(teapot).toEqual({
      content: [{ type: 'text', text: "HTTP 418 I'm a Teapot: I'm a teapot: short and stout" }],
      isError: true,
    });
  });
});

describe('OpenAPI upstream specifics', () => {
  const spec = SPECS.oas30;

  it('include keeps only the named operations; exclude drops them', async () => {
    const { u: inc, ev } = await connected('inc', {
      spec,
      operations: { include: ['getPet', 'get_pets_petId_photo', 'noSuchOp'] },
    });
    expect((await list(inc)).map((t) => t.name)).toEqual(['getPet', 'get_pets_petId_photo']);
    expect(ev.logs.some((l) => l.includes('operations.include: no operation "noSuchOp"'))).toBe(true);
    const err = await call(inc, 'listPets', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(ErrorCode.InvalidParams);
    expect((err as RpcError).message).toBe('server "inc": unknown tool: listPets');

    const { u: exc } = await connected('exc', { spec, operations: { exclude: ['deletePet', 'createPet'] } });
    const names = (await list(exc)).map((t) => t.name);
    expect(names).not.toContain('deletePet');
    expect(names).not.toContain('createPet');
    expect(names).toHaveLength(EXPECTED_TOOLS.length - 2);

    expect(() => upstream('both', { spec, operations: { include: ['a'], exclude: ['b'] } })).toThrow(
      'server "both": openapi.operations: use include or exclude, not both',
    );
  });

  it.each([
    [
      'bearer',
      { type: 'bearer', tokenEnv: 'PET_TOKEN' },
      { PET_TOKEN: 'tok-123' },
      { authorization: 'Bearer tok-123' },
    ],
    [
      'header',
      { type: 'header', header: 'X-Api-Key', valueEnv: 'PET_KEY' },
      { PET_KEY: 'k-9' },
      { apiKey: 'k-9' },
    ],
    [
      'query',
      { type: 'query', paramName: 'api_key', valueEnv: 'PET_KEY' },
      { PET_KEY: 'q-7' },
      { query: { api_key: 'q-7' } },
    ],
    [
      'basic',
      { type: 'basic', usernameEnv: 'PET_USER', passwordEnv: 'PET_PASS' },
      { PET_USER: 'ann', PET_PASS: 'p:w' },
      { authorization: `Basic ${Buffer.from('ann:p:w').toString('base64')}` },
    ],
  ] as const)('auth %s: credentials from env reach the API', async (_t, auth, env, seen) => {
    const { u } = await connected(`auth-${auth.type}`, { spec, auth }, env);
    const res = await call(u, 'whoami', {});
    expect(res.structuredContent).toMatchObject(seen);
  });

  it('auth oauth2 client credentials: one token fetched, reused, sent as bearer', async () => {
    const before = api.tokenRequests.length;
    const { u } = await connected(
      'oauth',
      {
        spec,
        auth: {
          type: 'oauth2',
          clientIdEnv: 'CID',
          clientSecretEnv: 'CSECRET',
          tokenUrl: `${api.origin}/oauth/token`,
          scopes: ['pets.read', 'pets.write'],
        },
      },
      { CID: OAUTH_CLIENT.id, CSECRET: OAUTH_CLIENT.secret },
    );
    const results = await Promise.all([1, 2, 3].map(() => call(u, 'whoami', { requireOauth: '1' })));
    for (const r of results) {
      expect(r.isError).toBeUndefined();
      expect((r.structuredContent as { authorization: string }).authorization).toMatch(/^Bearer tok-\d+$/);
    }
    const tokens = api.tokenRequests.slice(before);
    expect(tokens).toHaveLength(1);
    expect(new URLSearchParams(tokens[0]!.body).get('scope')).toBe('pets.read pets.write');
  });

  it('a missing auth env var fails connect, naming the server and the variable (not a value)', async () => {
    const u = upstream('noenv', { spec, auth: { type: 'bearer', tokenEnv: 'PET_TOKEN_UNSET' } });
    const ev = recorder();
    const err = await u.connect(ev, INIT).catch((e: unknown) => e as Error);
    expect(err?.message).toBe(
      'server "noenv": openapi.auth (bearer) needs environment variable PET_TOKEN_UNSET, not set',
    );
    expect(ev.closes).toHaveLength(1);
  });

  it('loads specs from a URL: relative servers resolve against it, Swagger 2 takes the host from it', async () => {
    for (const file of ['petstore.oas30.json', 'petstore.swagger2.json']) {
      const { u } = await connected(`url-${file}`, {
        spec: `${api.origin}/specs/${file}`,
        baseUrl: undefined,
      });
      const res = await call(u, 'getPet', { petId: 2 });
      expect(res.structuredContent).toEqual({ id: 2, name: 'Tom', tag: 'cat' });
    }
    // OAS 3.1 over HTTP with its external $ref fetched relative to the spec's URL.
    const { u } = await connected('url-31', { spec: `${api.origin}/specs/petstore.oas31.yaml` });
    const create = (await list(u)).find((t) => t.name === 'createPet')!;
    expect(create.inputSchema.properties.body?.required).toEqual(['name']);
  });

  it('explains spec problems: missing file, HTML page, no server without baseUrl', async () => {
    const fail = async (name: string, openapi: Partial<OpenApiConfig> & { spec: string }) =>
      (
        await upstream(name, openapi)
          .connect(recorder(), INIT)
          .catch((e: unknown) => e as Error)
      )?.message;
    expect(await fail('nofile', { spec: 'does-not-exist.yaml' })).toBe(
      `server "nofile": cannot read OpenAPI spec ${FIXTURE_DIR}/does-not-exist.yaml: no such file`,
    );
    expect(await fail('html', { spec: `${api.origin}/html` })).toContain(
      'server "html": OpenAPI spec http://127.0.0.1',
    );
    expect(await fail('html2', { spec: `${api.origin}/html` })).toContain('HTML page');
  });

  it('a relative servers[0].url in a file spec needs baseUrl', async () => {
    const { writeFileSync, mkdtempSync, rmSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'gridctl-openapi-'));
    try {
      const doc = JSON.parse(readFileSync(SPECS.oas30, 'utf8'));
      doc.servers = [{ url: '/v1' }];
      writeFileSync(join(dir, 'rel.json'), JSON.stringify(doc));
      const u = new OpenApiUpstream('rel', { openapi: { spec: 'rel.json' }, stackDir: dir, env: {} });
      const err = await u.connect(recorder(), INIT).catch((e: unknown) => e as Error);
      expect(err?.message).toBe(
        'server "rel": servers[0].url "/v1" is relative and the spec is a file: set openapi.baseUrl',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('missing required arguments are tool errors; nothing is sent', async () => {
    const { u } = await connected('args', { spec });
    const before = api.requests.length;
    const res = await call(u, 'getPet', {});
    expect(res).toEqual({
      content: [{ type: 'text', text: 'missing required path parameter "petId"' }],
      isError: true,
    });
    const res2 = await call(u, 'createPet', {});
    expect(res2.isError).toBe(true);
    expect(res2.content[0]?.text).toContain('missing required request body "body"');
    expect(api.requests.length).toBe(before);
  });

  it('path values are escaped; image responses become image content', async () => {
    const { u } = await connected('esc', { spec });
    await call(u, 'getPet', { petId: '1/../2 x' });
    expect(lastRequest().path).toBe('/v1/pets/1%2F..%2F2%20x');
    const photo = await call(u, 'get_pets_petId_photo', { petId: 1 });
    expect(photo.content[0]).toMatchObject({ type: 'image', mimeType: 'image/png' });
  });

  it('caps the response size and says so', async () => {
    const u = upstream('cap', { spec, maxResponseBytes: 1000 });
    await u.connect(recorder(), INIT);
    const res = await call(u, 'bigResponse', { bytes: 50_000 });
    expect(res.content[0]?.text).toBe(`${'x'.repeat(1000)}\n[response truncated at 1000 bytes]`);
  });

  it('the HTTP timeout is a tool error; the API sees the request abandoned', async () => {
    const u = upstream('httptimeout', { spec, timeoutMs: 200 });
    await u.connect(recorder(), INIT);
    const before = api.aborted.length;
    const res = await call(u, 'slow', { ms: 10_000 });
    expect(res.isError).toBe(true);
    expect(res.content[0]?.text).toMatch(
      /^error: GET http:\/\/127\.0\.0\.1:\d+\/v1\/slow timed out after 200 ms$/,
    );
    await waitFor(() => api.aborted.length > before, { timeoutMs: 5000, what: 'the API to see the abort' });
  });

  it('an unreachable API is a tool error naming the request', async () => {
    const { freePort } = await import('../support/net.js');
    const port = await freePort();
    const u = upstream('down', { spec, baseUrl: `http://127.0.0.1:${port}/v1` });
    await u.connect(recorder(), INIT);
    const res = await call(u, 'teapot', {});
    expect(res.isError).toBe(true);
    expect(res.content[0]?.text).toContain(
      `error: GET http://127.0.0.1:${port}/v1/teapot failed: connect ECONNREFUSED`,
    );
  });

  it('cancellation (AbortSignal or notifications/cancelled) aborts the HTTP request', async () => {
    const { u } = await connected('cancel', { spec });
    const ac = new AbortController();
    let before = api.aborted.length;
    const pending = u
      .request('tools/call', { name: 'slow', arguments: { ms: 20_000 } }, { signal: ac.signal })
      .catch((e: unknown) => e as RpcError);
    await waitFor(() => lastRequest().path === '/v1/slow' && api.requests.length, {
      what: 'request at the API',
    });
    ac.abort(new Error('user cancelled'));
    const err = await pending;
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).message).toBe('server "cancel": request tools/call cancelled (user cancelled)');
    await waitFor(() => api.aborted.length > before, { timeoutMs: 5000, what: 'the API to see the abort' });

    before = api.aborted.length;
    let id: string | number | undefined;
    const count = api.requests.length;
    const pending2 = u
      .request('tools/call', { name: 'slow', arguments: { ms: 20_000 } }, { onRequestId: (i) => (id = i) })
      .catch((e: unknown) => e as RpcError);
    await waitFor(() => api.requests.length > count, { what: 'second request at the API' });
    await u.notify('notifications/cancelled', { requestId: id, reason: 'gateway said so' });
    expect(((await pending2) as RpcError).message).toContain('cancelled (gateway said so)');
    await waitFor(() => api.aborted.length > before, { timeoutMs: 5000, what: 'the API to see the abort' });
  });

  it('close() rejects in-flight calls with ConnectionClosed and reports one clean close', async () => {
    const { u, ev } = await connected('closing', { spec });
    const count = api.requests.length;
    const pending = call(u, 'slow', { ms: 20_000 }).catch((e: unknown) => e as RpcError);
    await waitFor(() => api.requests.length > count, { what: 'request at the API' });
    await u.close();
    const err = (await pending) as RpcError;
    expect(err.code).toBe(ErrorCode.ConnectionClosed);
    expect(err.message).toBe('server "closing": connection closed');
    expect(ev.closes).toEqual([undefined]);
  });

  it('the factory builds it from an UpstreamSpec', async () => {
    const u = createUpstream(
      {
        transport: 'openapi',
        openapi: { spec: 'petstore.swagger2.json', baseUrl: `${api.origin}/v1` },
        stackDir: FIXTURE_DIR,
      },
      'factory',
      { defaultTimeoutMs: 250 },
    );
    expect(u).toBeInstanceOf(OpenApiUpstream);
    expect(u.kind).toBe('openapi');
    await u.connect(recorder(), INIT);
    const err = await u
      .request('tools/call', { name: 'slow', arguments: { ms: 5000 } })
      .catch((e: unknown) => e);
    expect((err as RpcError).code).toBe(ErrorCode.RequestTimeout);
    expect((err as RpcError).message).toBe('server "factory": request tools/call timed out after 250 ms');
    await u.close();
  });
});
