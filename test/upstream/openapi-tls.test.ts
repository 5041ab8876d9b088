// openapi.tls against a real HTTPS API on 127.0.0.1: certificates made here with openssl (a server CA
// and a client CA, each signing one certificate), the pet store served by node:https. A private CA
// makes calls succeed that fail without it, a client certificate is presented to a server that
// requires and verifies one, and insecureSkipVerify works and says so, from the stack file on.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStack } from '../../src/config/index.js';
import { serverSpec } from '../../src/controller/server-registrar.js';
import type { OpenApiConfig } from '../../src/upstream/openapi/index.js';
import { OpenApiUpstream } from '../../src/upstream/openapi/index.js';
import type { UpstreamClient } from '../../src/upstream/types.js';
import { FIXTURE_DIR, type PetStoreApi, SPECS, startPetStore } from '../fixtures/openapi/petstore-api.js';
import { INIT, recorder } from './recorder.js';

interface ToolResult {
  content: { type: string; text?: string }[];
  isError?: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'gridctl-openapi-tls-'));
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A self-signed CA: <name>.pem and <name>.key. */
function makeCa(name: string) {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  );
}

/** A certificate for CN=<name> signed by `ca`, with the given X.509 extensions. */
function makeCert(ca: string, name: string, ext: string) {
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  writeFileSync(file(`${name}.ext`), ext);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  );
}

let plain: PetStoreApi; // server certificate only
let mutual: PetStoreApi; // also requires a client certificate signed by client-ca
const open: UpstreamClient[] = [];

beforeAll(async () => {
  makeCa('server-ca');
  makeCert('server-ca', 'api', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  makeCa('client-ca');
  makeCert('client-ca', 'gridctl-client', 'extendedKeyUsage=clientAuth\n');
  makeCa('other-ca');
  makeCert('other-ca', 'stranger', 'extendedKeyUsage=clientAuth\n');
  const server = { cert: readFileSync(file('api.pem')), key: readFileSync(file('api.key')) };
  plain = await startPetStore({ tls: server });
  mutual = await startPetStore({
    tls: { ...server, ca: readFileSync(file('client-ca.pem')), requestCert: true, rejectUnauthorized: true },
  });
});

afterAll(async () => {
  await Promise.all(open.map((u) => u.close()));
  await Promise.all([plain?.close(), mutual?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function connected(api: PetStoreApi, openapi: Partial<OpenApiConfig>) {
  const u = new OpenApiUpstream('secure', {
    openapi: { spec: SPECS.oas30, baseUrl: `${api.origin}/v1`, ...openapi },
    stackDir: FIXTURE_DIR,
    env: {},
  });
  open.push(u);
  const ev = recorder();
  await u.connect(ev, INIT);
  return { u, ev };
}

const getPet = (u: UpstreamClient) =>
  u.request('tools/call', { name: 'getPet', arguments: { petId: 1 } }) as Promise<ToolResult>;

describe('openapi.tls', () => {
  it('caFile: a call that fails against an unknown CA succeeds once the CA is trusted', async () => {
    const { u: untrusted } = await connected(plain, {});
    const refused = await getPet(untrusted);
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toMatch(/^error: GET https:\/\/127\.0\.0\.1:\d+\/v1\/pets\/1 failed: /);
    expect(refused.content[0]!.text).toContain(
      "set openapi.tls.caFile to the CA that signed the API's certificate",
    );

    const { u } = await connected(plain, { tls: { caFile: file('server-ca.pem') } });
    const ok = await getPet(u);
    expect(ok.isError).toBeUndefined();
    expect(JSON.parse(ok.content[0]!.text!)).toEqual({ id: 1, name: 'Rex', tag: 'dog' });
  });

  it('caFile also applies to a spec fetched from the API over HTTPS', async () => {
    const spec = `${plain.origin}/specs/petstore.oas30.json`;
    await expect(connected(plain, { spec, baseUrl: undefined })).rejects.toThrow(
      /cannot fetch OpenAPI spec https:\/\/127\.0\.0\.1:\d+\/specs\/petstore\.oas30\.json: .*set openapi\.tls\.caFile/,
    );
    const { u } = await connected(plain, {
      spec,
      baseUrl: undefined,
      tls: { caFile: file('server-ca.pem') },
    });
    expect((await getPet(u)).isError).toBeUndefined();
  });

  it('certFile + keyFile: the client certificate is presented and the server verifies it', async () => {
    const caFile = file('server-ca.pem');
    const { u: anonymous } = await connected(mutual, { tls: { caFile } });
    const refused = await getPet(anonymous);
    expect(refused.isError).toBe(true);
    expect(mutual.requests).toHaveLength(0);

    const { u: stranger } = await connected(mutual, {
      tls: { caFile, certFile: file('stranger.pem'), keyFile: file('stranger.key') },
    });
    expect((await getPet(stranger)).isError).toBe(true);
    expect(mutual.requests).toHaveLength(0);

    const { u } = await connected(mutual, {
      tls: { caFile, certFile: file('gridctl-client.pem'), keyFile: file('gridctl-client.key') },
    });
    const ok = await getPet(u);
    expect(ok.isError).toBeUndefined();
    expect(mutual.requests.at(-1)).toMatchObject({ path: '/v1/pets/1', clientCert: 'gridctl-client' });
  });

  it('unreadable or mismatched files fail connect naming the field', async () => {
    await expect(connected(plain, { tls: { caFile: file('nope.pem') } })).rejects.toThrow(
      `server "secure": openapi.tls.caFile ${file('nope.pem')} cannot be read (no such file)`,
    );
    await expect(
      connected(plain, { tls: { certFile: file('gridctl-client.pem'), keyFile: file('stranger.key') } }),
    ).rejects.toThrow('server "secure": openapi.tls: keyFile is not the private key of certFile');
    await expect(connected(plain, { tls: { caFile: file('api.ext') } })).rejects.toThrow(
      `openapi.tls.caFile ${file('api.ext')} holds no PEM certificate`,
    );
  });

  /** A stack file with one OpenAPI server against `plain`, its `tls:` block as given; loaded. */
  async function stackWithTls(name: string, tls: string[]) {
    const stackFile = file(`${name}.yaml`);
    const lines = [`name: ${name}`, 'mcp-servers:', '  - name: pets', '    openapi:'];
    lines.push(`      spec: ${SPECS.oas30}`, `      baseUrl: ${plain.origin}/v1`, ...tls, '');
    writeFileSync(stackFile, lines.join('\n'));
    const loaded = await loadStack(stackFile);
    const client = () => {
      const u = serverSpec(loaded.stack!['mcp-servers'][0]!, { stackFile, env: {} }).createClient();
      open.push(u);
      return u;
    };
    return { loaded, client };
  }

  it('insecureSkipVerify from a stack file: a coded warning at load, a warning log line, calls go through', async () => {
    const { loaded, client } = await stackWithTls('tls-skip', [
      '      tls:',
      '        insecureSkipVerify: true',
    ]);
    expect(loaded.ok).toBe(true);
    expect(loaded.issues).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        code: 'TLS_VERIFY_DISABLED',
        field: 'mcp-servers[0].openapi.tls.insecureSkipVerify',
        line: 8,
      }),
    );
    const u = client();
    const ev = recorder();
    await u.connect(ev, INIT);
    expect(ev.logs).toContainEqual(expect.stringMatching(/^WARNING openapi\.tls\.insecureSkipVerify is on/));
    expect((await getPet(u)).isError).toBeUndefined();
  });

  it('caFile relative to the stack file reaches the client through the registrar', async () => {
    const { loaded, client } = await stackWithTls('tls-ca', ['      tls: {caFile: server-ca.pem}']);
    expect(loaded.issues.filter((i) => i.severity !== 'info')).toEqual([]);
    const u = client();
    await u.connect(recorder(), INIT);
    expect((await getPet(u)).isError).toBeUndefined();
  });
});
