// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are stack-file expansion syntax
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp.js';
import { loadStack, type Stack, serverKind } from './index.js';

async function stackFile(yaml: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = tempDir('load');
  for (const [name, text] of Object.entries(extra)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  const file = path.join(dir, 'stack.yaml');
  await writeFile(file, yaml);
  return file;
}

describe('loadStack', () => {
  it('fills defaults', async () => {
    const file = await stackFile(
      'name: demo\nmcp-servers:\n  - name: a\n    command: [x]\n  - name: b\n    source: {type: git, url: https://x/y.git}\n    transport: stdio\n  - name: c\n    command: [y]\n    autoscale: {min: 1, max: 2, target_in_flight: 1}\n',
    );
    const r = await loadStack(file);
    expect(r.issues).toEqual([]);
    const s = r.stack!;
    expect(s.version).toBe('1');
    expect(s.network).toEqual({ name: 'demo-net', driver: 'bridge' });
    const [a, b, c] = s['mcp-servers'];
    expect(a).toMatchObject({
      replicas: 1,
      replica_policy: 'round-robin',
      timeout: '60s',
      unprefixed: false,
      ready_timeout: '30s',
      ping_timeout: '5s',
      tools: [],
    });
    expect(b!.source).toMatchObject({ ref: 'main', dockerfile: 'Dockerfile' });
    expect(c).toMatchObject({
      replicas: 0,
      autoscale: { scale_up_after: '30s', scale_down_after: '5m', warm_pool: 0, idle_to_zero: false },
    });
    expect(s['mcp-servers'].map(serverKind)).toEqual(['local', 'container', 'local']);
    expect(s.gateway).toBeUndefined();
  });

  it('fills gateway defaults when a gateway block exists', async () => {
    const r = await loadStack(await stackFile('name: g\ngateway:\n  auth: {type: bearer, token: t}\n'));
    expect(r.ok).toBe(true);
    expect(r.stack!.gateway).toMatchObject({
      name: 'gridctl-gateway',
      bind: '127.0.0.1',
      allowed_origins: [],
      code_mode: 'off',
      output_format: 'json',
      maxToolResultBytes: 65536,
      tokenizer: 'embedded',
      tracing: { enabled: true, sampling: 1, retention: '24h', max_traces: 1000 },
      security: { schema_pinning: { enabled: true, action: 'warn', scan: true } },
    });
  });

  it('reads numbers and booleans in env as strings, as the reference does', async () => {
    const r = await loadStack(
      await stackFile(
        'name: e\nmcp-servers:\n  - name: a\n    command: [node, 8080]\n    env: {PORT: 8080, DEBUG: true}\n',
      ),
    );
    expect(r.stack!['mcp-servers'][0]).toMatchObject({
      command: ['node', '8080'],
      env: { PORT: '8080', DEBUG: 'true' },
    });
  });

  it('resolves relative paths against the stack folder and ~ against HOME', async () => {
    const file = await stackFile(
      'name: p\nmcp-servers:\n  - name: api\n    openapi: {spec: ./spec.yaml}\n  - name: remote\n    ssh: {host: h, user: u, identityFile: ~/.ssh/key, knownHostsFile: kh}\n    command: [x]\n',
      { 'spec.yaml': 'openapi: 3.0.0\n', kh: '' },
    );
    const r = await loadStack(file, { env: { HOME: '/home/me' } });
    expect(r.issues).toEqual([]);
    const dir = path.dirname(file);
    expect(r.stack!['mcp-servers'][0]!.openapi!.spec).toBe(path.join(dir, 'spec.yaml'));
    expect(r.stack!['mcp-servers'][1]!.ssh).toMatchObject({
      identityFile: '/home/me/.ssh/key',
      knownHostsFile: path.join(dir, 'kh'),
    });
  });

  it('apply: one error lists every missing store key with the command to set it', async () => {
    const file = await stackFile(
      'name: v\nmcp-servers:\n  - name: a\n    command: [x]\n    env:\n      A: ${var:ALPHA}\n      B: ${var:BETA}\n      C: ${var:GAMMA:-d}\n      D: ${var:HAVE}\n',
    );
    const apply = await loadStack(file, {
      mode: 'apply',
      env: {},
      resolver: { get: (k) => (k === 'HAVE' ? 'yes' : undefined) },
    });
    expect(apply.ok).toBe(false);
    const errors = apply.issues.filter((i) => i.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'VAR_MISSING', field: 'mcp-servers[0].env[A]', line: 6 });
    expect(errors[0]!.message).toMatch(/^missing variable\(s\): ALPHA, BETA/);
    expect(errors[0]!.hint).toBe('set them with: gridctl var set ALPHA; gridctl var set BETA');
    const validate = await loadStack(file, { env: {} });
    expect(validate.ok).toBe(true);
    expect(validate.stack!['mcp-servers'][0]!.env).toMatchObject({
      A: '${var:ALPHA}',
      C: 'd',
      D: '${var:HAVE}',
    });
  });

  it('warns on ${vault:KEY} and on two unprefixed servers', async () => {
    const r = await loadStack(
      await stackFile(
        'name: w\nmcp-servers:\n  - name: a\n    command: [x]\n    unprefixed: true\n    env: {K: "${vault:K:-x}"}\n  - name: b\n    command: [y]\n    unprefixed: true\n',
      ),
    );
    expect(r.issues.map((i) => [i.severity, i.code, i.field])).toEqual([
      ['warning', 'VAR_VAULT_DEPRECATED', 'mcp-servers[0].env[K]'],
      ['warning', 'UNPREFIXED_MANY', 'mcp-servers[1].unprefixed'],
    ]);
  });

  it('runs the secret hook only on a valid stack', async () => {
    const seen: Stack[] = [];
    const injectSecrets = (s: Stack) => seen.push(s);
    await loadStack(await stackFile('name: ok\n'), { injectSecrets });
    await loadStack(await stackFile('name: "bad name"\n'), { injectSecrets });
    expect(seen.map((s) => s.name)).toEqual(['ok']);
  });

  it('extends: child wins, blocks inherited whole, parent paths relative to the parent, all files listed', async () => {
    const file = await stackFile(
      'name: child\nextends: base/parent.yaml\nmcp-servers:\n  - name: b\n    command: [child]\n',
      {
        'base/parent.yaml':
          'name: parent\nextends: grand.yaml\ngateway: {auth: {type: bearer, token: t}}\nclients: {default: allow}\nmcp-servers:\n  - name: a\n    openapi: {spec: ./api.yaml}\n  - name: b\n    command: [parent]\n',
        'base/grand.yaml':
          'name: grand\nnetwork: {name: shared}\nmcp-servers:\n  - name: g\n    command: [grand]\n',
        'base/api.yaml': 'openapi: 3.0.0\n',
      },
    );
    const r = await loadStack(file);
    expect(r.issues).toEqual([]);
    const s = r.stack!;
    expect(s['mcp-servers'].map((x) => `${x.name}:${x.command?.[0] ?? 'openapi'}`)).toEqual([
      'b:child',
      'a:openapi',
      'g:grand',
    ]);
    expect(s['mcp-servers'][1]!.openapi!.spec).toBe(path.join(path.dirname(file), 'base', 'api.yaml'));
    expect(s.gateway?.auth?.token).toBe('t');
    expect(s.network?.name).toBe('shared');
    expect(s.clients).toBeUndefined();
    expect(r.files.map((f) => path.relative(path.dirname(file), f))).toEqual([
      'stack.yaml',
      'base/parent.yaml',
      'base/grand.yaml',
    ]);
  });

  it('extends: a missing parent is reported at the extends line; depth over 10 is rejected with the chain', async () => {
    const missing = await loadStack(await stackFile('name: c\nextends: nope.yaml\n'));
    expect(missing.issues[0]).toMatchObject({
      code: 'FILE_UNREADABLE',
      field: 'extends',
      line: 2,
      column: 10,
    });
    const files: Record<string, string> = {};
    for (let i = 1; i <= 11; i++) files[`p${i}.yaml`] = `name: p${i}\nextends: p${i + 1}.yaml\n`;
    files['p12.yaml'] = 'name: p12\n';
    const deep = await loadStack(await stackFile('name: c\nextends: p1.yaml\n', files));
    const err = deep.issues.find((i) => i.code === 'EXTENDS_DEPTH');
    expect(err?.message).toMatch(/deeper than 10: stack\.yaml → p1\.yaml → .* → p11\.yaml$/);
  });

  it('rejects unknown keys in secrets.sets entries (fail closed) but only warns elsewhere', async () => {
    const r = await loadStack(
      await stackFile(
        'name: s\nsecrets:\n  sets:\n    - {name: prod, server: [a]}\nmcp-servers:\n  - name: a\n    command: [x]\n    replica: 2\n',
      ),
    );
    expect(r.issues.map((i) => [i.severity, i.field, i.message])).toEqual([
      ['error', 'secrets.sets[0].server', 'unknown key `server`; did you mean `servers`?'],
      ['warning', 'mcp-servers[0].replica', 'unknown key `replica`; did you mean `replicas`?'],
    ]);
  });

  it('checks the policy blocks and cross references', async () => {
    const r = await loadStack(
      await stackFile(`name: p
mcp-servers:
  - name: gh
    command: [x]
clients:
  profiles:
    cursor: {servers: [nope], tools: [gh__ok, other__t]}
limits:
  rate_limits:
    - {server: gh, tool: gh__x, calls_per_minute: 5}
    - {tool: gh__y, calls_per_minute: 0}
groups:
  Bad: {servers: [gh]}
  release:
    tools: [gh__create]
    overrides:
      gh__create: {name: execute}
      gh__other: {name: x}
  empty: {description: nothing}
link: [cursor, {client: cursor, group: missing}]
skills: {default: deny, deny: ["[abc"]}
secrets: {sets: [{name: s1, servers: []}]}
`),
    );
    expect(r.issues.map((i) => `${i.code} ${i.field}`)).toEqual([
      'REFERENCE_UNKNOWN clients.profiles[cursor].servers[0]',
      'REFERENCE_UNKNOWN clients.profiles[cursor].tools[1]',
      'RATE_LIMIT_INVALID limits.rate_limits[0]',
      'OUT_OF_RANGE limits.rate_limits[1].calls_per_minute',
      'GROUP_INVALID groups[Bad]',
      'GROUP_INVALID groups[release].overrides[gh__create].name',
      'GROUP_INVALID groups[release].overrides[gh__other]',
      'GROUP_INVALID groups[empty]',
      'LINK_INVALID link[1]',
      'LINK_INVALID link[1].group',
      'GLOB_INVALID skills.deny[0]',
      'SECRETS_INVALID secrets.sets[0].servers',
      'SKILLS_POLICY skills.default',
    ]);
  });

  it('checks the per-kind matrix', async () => {
    const r = await loadStack(
      await stackFile(`name: m
mcp-servers:
  - {name: ext, url: "http://x", transport: stdio, replicas: 2, network: n}
  - {name: loc, command: [x], transport: http, port: 80, auth: {type: bearer, token: t}}
  - {name: api, openapi: {spec: "https://x/spec.json", operations: {include: [a], exclude: [b]}}, autoscale: {min: 1, max: 2, target_in_flight: 1}}
  - {name: rem, ssh: {host: h, user: u, jumpHost: "a;rm -rf"}, command: [x]}
  - {name: nossh, ssh: {host: h, user: u}}
  - {name: auto, command: [x], autoscale: {min: 0, max: 2, target_in_flight: 1, warm_pool: 3, scale_up_after: 1s}}
`),
    );
    expect(r.issues.map((i) => `${i.code} ${i.field}`)).toEqual([
      // sorted by position: flow mappings keep their column order
      'TRANSPORT_NOT_ALLOWED mcp-servers[0].transport',
      'REPLICAS_NOT_ALLOWED mcp-servers[0].replicas',
      'FIELD_NOT_ALLOWED mcp-servers[0].network',
      'TRANSPORT_NOT_ALLOWED mcp-servers[1].transport',
      'FIELD_NOT_ALLOWED mcp-servers[1].port',
      'FIELD_NOT_ALLOWED mcp-servers[1].auth',
      'OPENAPI_INVALID mcp-servers[2].openapi.operations',
      'REPLICAS_NOT_ALLOWED mcp-servers[2].autoscale',
      'SSH_INVALID mcp-servers[3].ssh.jumpHost',
      'KIND_NONE mcp-servers[4]',
      'AUTOSCALE_INVALID mcp-servers[5].autoscale.min',
      'AUTOSCALE_INVALID mcp-servers[5].autoscale.warm_pool',
      'AUTOSCALE_INVALID mcp-servers[5].autoscale.scale_up_after',
    ]);
  });
});
