// Every field the stack schema defines is either acted on (IMPLEMENTED, with the place in src/ that
// reads it) or warns NOT_IMPLEMENTED when set (src/config/not-implemented.ts). A new schema field
// fails this test until it is one or the other; a stale entry fails it too.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NOT_IMPLEMENTED } from '../../src/config/not-implemented.js';
import { schemaPaths } from '../../src/config/path.js';
import { runCli } from './cli.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Schema path → "file: text that shows the value being used there". */
const IMPLEMENTED: Record<string, string> = {
  version: 'docs/configuration.md: | Informational.',
  name: 'src/controller/gateway-builder.ts: stack?.name',
  extends: 'src/config/extends.ts: parsed.data.extends',
  gateway: 'src/controller/gateway-builder.ts: stack?.gateway',
  'gateway.name': 'src/controller/gateway-builder.ts: stack?.gateway?.name',
  'gateway.bind': 'src/cli/apply.ts: stack.gateway?.bind',
  'gateway.insecure_allow_unauthenticated':
    'src/controller/gateway-builder.ts: stack?.gateway?.insecure_allow_unauthenticated',
  'gateway.allowed_origins[]': 'src/controller/gateway-builder.ts: stack?.gateway?.allowed_origins',
  'gateway.allowed_hosts[]': 'src/controller/gateway-builder.ts: stack?.gateway?.allowed_hosts',
  'gateway.auth': 'src/controller/gateway-builder.ts: inboundAuth(stack)',
  'gateway.session_idle_timeout': 'src/controller/gateway-builder.ts: parseDuration(g.session_idle_timeout)',
  'gateway.held_sessions': 'src/controller/gateway-builder.ts: g?.held_sessions?.enabled',
  'gateway.held_sessions.enabled': 'src/controller/gateway-builder.ts: g?.held_sessions?.enabled === false',
  'gateway.held_sessions.max_per_server':
    'src/controller/gateway-builder.ts: g?.held_sessions?.max_per_server',
  'gateway.held_sessions.idle_timeout': 'src/controller/gateway-builder.ts: g.held_sessions.idle_timeout',
  'gateway.max_sessions': 'src/controller/gateway-builder.ts: maxSessions: g?.max_sessions',
  'gateway.max_sessions_per_client': 'src/controller/gateway-builder.ts: g?.max_sessions_per_client',
  'gateway.auth.type': "src/security/inbound-auth.ts: auth.type === 'bearer'",
  'gateway.auth.token': 'src/security/inbound-auth.ts: auth.token',
  'gateway.auth.header': 'src/security/inbound-auth.ts: auth.header',
  'gateway.auth.issuer': 'src/controller/gateway-builder.ts: issuer: a.issuer',
  'gateway.auth.audience': 'src/controller/gateway-builder.ts: audience: a.audience',
  'gateway.auth.scopes[]': 'src/controller/gateway-builder.ts: scopes: a.scopes',
  'gateway.auth.jwks_uri': 'src/controller/gateway-builder.ts: jwksUri: a.jwks_uri',
  'gateway.auth.client_claim': 'src/controller/gateway-builder.ts: clientClaim: a.client_claim',
  'gateway.security': 'src/security/pins/identity.ts: stack.gateway?.security?.schema_pinning',
  'gateway.security.schema_pinning': 'src/security/pins/identity.ts: stack.gateway?.security?.schema_pinning',
  'gateway.security.schema_pinning.enabled': 'src/security/pins/identity.ts: p?.enabled',
  'gateway.security.schema_pinning.action': 'src/security/pins/identity.ts: p?.action',
  'gateway.security.schema_pinning.scan': 'src/security/pins/identity.ts: p?.scan ',
  'gateway.security.schema_pinning.scan_ignore[]': 'src/security/pins/identity.ts: p?.scan_ignore',
  secrets: 'src/controller/secrets.ts: stack.secrets?.sets',
  'secrets.sets[]': 'src/controller/secrets.ts: stack.secrets?.sets',
  'secrets.sets[].name': "src/controller/secrets.ts: typeof entry === 'string' ? entry : entry.name",
  'secrets.sets[].servers[]': 'src/controller/secrets.ts: entry.servers',
  'secrets.sets[].resources[]': 'src/controller/secrets.ts: entry.resources',
  network: 'src/controller/container-plan.ts: stack.network',
  'network.name': 'src/controller/workloads.ts: net.name',
  'network.driver': 'src/controller/container-plan.ts: net.driver',
  'networks[]': 'src/controller/container-plan.ts: stack.networks',
  'networks[].name': 'src/controller/workloads.ts: n.name',
  'networks[].driver': 'src/controller/container-plan.ts: n.driver',
  'mcp-servers[]': "src/controller/server-registrar.ts: stack['mcp-servers']",
  'mcp-servers[].name': 'src/controller/server-registrar.ts: name: server.name',
  'mcp-servers[].image': 'src/controller/container-plan.ts: s.image',
  'mcp-servers[].source': 'src/controller/workloads.ts: s.source',
  'mcp-servers[].source.type': "src/controller/container-sources.ts: src.type === 'local'",
  'mcp-servers[].source.url': 'src/controller/container-sources.ts: src.url',
  'mcp-servers[].source.ref': 'src/controller/container-sources.ts: src.ref',
  'mcp-servers[].source.path': 'src/controller/container-sources.ts: src.path',
  'mcp-servers[].source.dockerfile': 'src/controller/workloads.ts: s.source.dockerfile',
  'mcp-servers[].source.auth': 'src/controller/container-sources.ts: src.auth',
  'mcp-servers[].source.auth.method': "src/controller/container-sources.ts: auth?.method === 'token'",
  'mcp-servers[].source.auth.credential_ref': 'src/controller/container-sources.ts: auth.credential_ref',
  'mcp-servers[].source.auth.ssh_key_path': 'src/controller/container-sources.ts: auth.ssh_key_path',
  'mcp-servers[].url': 'src/controller/server-registrar.ts: server.url',
  'mcp-servers[].transport': 'src/controller/server-registrar.ts: server.transport',
  'mcp-servers[].port': 'src/controller/container-plan.ts: s.port',
  'mcp-servers[].command[]': 'src/controller/server-registrar.ts: server.command',
  'mcp-servers[].env': 'src/controller/server-registrar.ts: env: server.env',
  'mcp-servers[].env.*': 'src/controller/server-registrar.ts: env: server.env',
  'mcp-servers[].pass_env': 'src/controller/server-registrar.ts: passEnv: server.pass_env',
  'mcp-servers[].pass_env[]': 'src/upstream/env.ts: o.pass',
  'mcp-servers[].build_args': 'src/controller/workloads.ts: s.build_args',
  'mcp-servers[].build_args.*': 'src/controller/workloads.ts: s.build_args',
  'mcp-servers[].network': 'src/controller/container-plan.ts: s.network',
  'mcp-servers[].ssh': 'src/controller/server-registrar.ts: ssh: server.ssh',
  'mcp-servers[].ssh.host': 'src/upstream/ssh.ts: ssh.host',
  'mcp-servers[].ssh.user': 'src/upstream/ssh.ts: ssh.user',
  'mcp-servers[].ssh.port': 'src/upstream/ssh.ts: ssh.port',
  'mcp-servers[].ssh.identityFile': 'src/upstream/ssh.ts: ssh.identityFile',
  'mcp-servers[].ssh.knownHostsFile': 'src/upstream/ssh.ts: ssh.knownHostsFile',
  'mcp-servers[].ssh.jumpHost': 'src/upstream/ssh.ts: ssh.jumpHost',
  'mcp-servers[].openapi': 'src/controller/server-registrar.ts: server.openapi',
  'mcp-servers[].openapi.spec': 'src/upstream/openapi/client.ts: cfg.spec',
  'mcp-servers[].openapi.baseUrl': 'src/upstream/openapi/client.ts: cfg.baseUrl',
  'mcp-servers[].openapi.auth': 'src/upstream/openapi/client.ts: cfg.auth',
  'mcp-servers[].openapi.auth.type': 'src/upstream/openapi/http.ts: switch (auth.type)',
  'mcp-servers[].openapi.auth.tokenEnv': 'src/upstream/openapi/http.ts: a.tokenEnv',
  'mcp-servers[].openapi.auth.header': 'src/upstream/openapi/http.ts: a.header',
  'mcp-servers[].openapi.auth.valueEnv': 'src/upstream/openapi/http.ts: a.valueEnv',
  'mcp-servers[].openapi.auth.paramName': 'src/upstream/openapi/http.ts: a.paramName',
  'mcp-servers[].openapi.auth.clientIdEnv': 'src/upstream/openapi/http.ts: a.clientIdEnv',
  'mcp-servers[].openapi.auth.clientSecretEnv': 'src/upstream/openapi/http.ts: a.clientSecretEnv',
  'mcp-servers[].openapi.auth.tokenUrl': 'src/upstream/openapi/http.ts: a.tokenUrl',
  'mcp-servers[].openapi.auth.scopes[]': 'src/upstream/openapi/http.ts: a.scopes',
  'mcp-servers[].openapi.auth.usernameEnv': 'src/upstream/openapi/http.ts: a.usernameEnv',
  'mcp-servers[].openapi.auth.passwordEnv': 'src/upstream/openapi/http.ts: a.passwordEnv',
  'mcp-servers[].openapi.tls': 'src/upstream/openapi/client.ts: httpClient(cfg.tls)',
  'mcp-servers[].openapi.tls.certFile': 'src/upstream/openapi/tls.ts: tls.certFile',
  'mcp-servers[].openapi.tls.keyFile': 'src/upstream/openapi/tls.ts: tls.keyFile',
  'mcp-servers[].openapi.tls.caFile': 'src/upstream/openapi/tls.ts: tls.caFile',
  'mcp-servers[].openapi.tls.insecureSkipVerify': 'src/upstream/openapi/tls.ts: tls.insecureSkipVerify',
  'mcp-servers[].openapi.operations': 'src/upstream/openapi/client.ts: cfg.operations',
  'mcp-servers[].openapi.operations.include[]': 'src/upstream/openapi/client.ts: cfg.operations?.include',
  'mcp-servers[].openapi.operations.exclude[]': 'src/upstream/openapi/client.ts: cfg.operations?.exclude',
  'mcp-servers[].auth': 'src/controller/server-registrar.ts: server.auth',
  // bearer and header are sent; oauth signs in (src/oauth).
  'mcp-servers[].auth.type': "src/controller/server-registrar.ts: auth.type === 'bearer'",
  'mcp-servers[].auth.token': 'src/controller/server-registrar.ts: auth.token',
  'mcp-servers[].auth.header': 'src/controller/server-registrar.ts: auth.header',
  'mcp-servers[].auth.value': 'src/controller/server-registrar.ts: auth.value',
  'mcp-servers[].auth.grant': 'src/oauth/hub.ts: a.grant',
  'mcp-servers[].auth.scopes[]': 'src/oauth/hub.ts: a.scopes',
  'mcp-servers[].auth.client_id': 'src/oauth/hub.ts: a.client_id',
  'mcp-servers[].auth.client_secret': 'src/oauth/hub.ts: a.client_secret',
  'mcp-servers[].tools[]': 'src/controller/server-registrar.ts: tools: server.tools',
  'mcp-servers[].pin_schemas': 'src/security/pins/identity.ts: server.pin_schemas',
  'mcp-servers[].ready_timeout': 'src/controller/container-plan.ts: s.ready_timeout',
  'mcp-servers[].ping_timeout': 'src/controller/server-registrar.ts: server.ping_timeout',
  'mcp-servers[].timeout': 'src/controller/server-registrar.ts: server.timeout',
  'mcp-servers[].unprefixed': 'src/controller/server-registrar.ts: server.unprefixed',
  'mcp-servers[].protocol_generation': 'src/controller/server-registrar.ts: server.protocol_generation',
  'mcp-servers[].replicas': 'src/controller/server-registrar.ts: server.replicas',
  'mcp-servers[].replica_policy': 'src/controller/server-registrar.ts: server.replica_policy',
  'mcp-servers[].autoscale': 'src/controller/server-registrar.ts: server.autoscale',
  'mcp-servers[].autoscale.min': 'src/controller/server-registrar.ts: a.min',
  'mcp-servers[].autoscale.max': 'src/controller/server-registrar.ts: a.max',
  'mcp-servers[].autoscale.target_in_flight': 'src/controller/server-registrar.ts: a.target_in_flight',
  'mcp-servers[].autoscale.scale_up_after': 'src/controller/server-registrar.ts: a.scale_up_after',
  'mcp-servers[].autoscale.scale_down_after': 'src/controller/server-registrar.ts: a.scale_down_after',
  'mcp-servers[].autoscale.warm_pool': 'src/controller/server-registrar.ts: a.warm_pool',
  'mcp-servers[].autoscale.idle_to_zero': 'src/controller/server-registrar.ts: a.idle_to_zero',
  'mcp-servers[].autoscale.tick': 'src/controller/server-registrar.ts: a.tick',
  'mcp-servers[].autoscale.drain_timeout': 'src/controller/server-registrar.ts: a.drain_timeout',
  'resources[]': 'src/controller/workloads.ts: stack.resources',
  'resources[].name': 'src/controller/workloads.ts: r.name',
  'resources[].image': 'src/controller/container-plan.ts: r.image',
  'resources[].env': 'src/controller/container-plan.ts: r.env',
  'resources[].env.*': 'src/controller/container-plan.ts: r.env',
  'resources[].ports[]': 'src/controller/container-plan.ts: r.ports',
  'resources[].volumes[]': 'src/controller/container-plan.ts: r.volumes',
  'resources[].network': 'src/controller/workloads.ts: r.network',
  groups: 'src/controller/gateway-builder.ts: groups: stack?.groups',
  'groups.*': 'src/controller/gateway-builder.ts: groups: stack?.groups',
  'groups.*.description': 'src/gateway/catalogue/groups.ts: this.specs[name]?.description',
  'groups.*.servers[]': 'src/gateway/catalogue/groups.ts: spec.servers',
  'groups.*.tools[]': 'src/gateway/catalogue/groups.ts: spec.tools',
  'groups.*.exclude[]': 'src/gateway/catalogue/groups.ts: spec.exclude',
  'groups.*.overrides': 'src/gateway/catalogue/groups.ts: spec.overrides',
  'groups.*.overrides.*': 'src/gateway/catalogue/groups.ts: spec.overrides',
  'groups.*.overrides.*.name': 'src/gateway/catalogue/groups.ts: ov.name',
  'groups.*.overrides.*.description': 'src/gateway/catalogue/groups.ts: ov.description',
  'groups.*.overrides.*.read_only_hint':
    "src/gateway/catalogue/groups.ts: ['read_only_hint', 'readOnlyHint']",
  'groups.*.overrides.*.destructive_hint':
    "src/gateway/catalogue/groups.ts: ['destructive_hint', 'destructiveHint']",
  'groups.*.overrides.*.idempotent_hint':
    "src/gateway/catalogue/groups.ts: ['idempotent_hint', 'idempotentHint']",
  'groups.*.overrides.*.open_world_hint':
    "src/gateway/catalogue/groups.ts: ['open_world_hint', 'openWorldHint']",
  clients: 'src/controller/policies.ts: clients: stack.clients',
  'clients.default': "src/gateway/pipeline/scope/scope.ts: this.policy.default === 'allow'",
  'clients.profiles': 'src/gateway/pipeline/scope/scope.ts: Object.entries(policy.profiles)',
  'clients.profiles.*': 'src/gateway/pipeline/scope/scope.ts: Object.entries(policy.profiles)',
  'clients.profiles.*.aliases[]': 'src/gateway/pipeline/scope/scope.ts: p.aliases',
  'clients.profiles.*.servers[]': 'src/gateway/pipeline/scope/scope.ts: p.servers',
  'clients.profiles.*.tools[]': 'src/gateway/pipeline/scope/scope.ts: p.tools',
  skills: 'src/controller/policies.ts: skills: stack.skills',
  'skills.default': "src/skills/policy.ts: policy.default === 'allow'",
  'skills.allow[]': 'src/skills/policy.ts: policy.allow.some',
  'skills.deny[]': 'src/skills/policy.ts: policy.deny.some',
  limits: 'src/controller/policies.ts: stack.limits?.rate_limits',
  'limits.rate_limits[]': 'src/controller/policies.ts: stack.limits?.rate_limits',
  'limits.rate_limits[].client': 'src/controller/policies.ts: r.client',
  'limits.rate_limits[].server': 'src/controller/policies.ts: r.server',
  'limits.rate_limits[].tool': 'src/controller/policies.ts: r.tool',
  'limits.rate_limits[].calls_per_minute': 'src/controller/policies.ts: r.calls_per_minute',
  'limits.rate_limits[].burst': 'src/controller/policies.ts: r.burst',
  // No flag exists yet: every one set is reported as unknown or graduated.
  experimental: 'src/config/semantics.ts: KNOWN_FLAGS',
  'experimental.*': 'src/config/semantics.ts: KNOWN_FLAGS',
  'gateway.auth.client_tokens': 'src/controller/gateway-builder.ts: clientTokens: a.client_tokens',
  'gateway.auth.client_tokens.*': 'src/security/inbound-auth.ts: auth.clientTokens',
  'gateway.output_format': 'src/controller/policies.ts: stack.gateway?.output_format',
  'gateway.maxToolResultBytes': 'src/controller/policies.ts: stack.gateway?.maxToolResultBytes',
  'mcp-servers[].output_format': 'src/controller/policies.ts: s.output_format',
  'gateway.code_mode': "src/controller/policies.ts: stack.gateway?.code_mode === 'on'",
  'gateway.code_mode_timeout': 'src/controller/policies.ts: stack.gateway?.code_mode_timeout',
  'gateway.code_mode_memory_mb': 'src/controller/policies.ts: stack.gateway?.code_mode_memory_mb',
  'gateway.tokenizer': "src/controller/observability.ts: stack?.gateway?.tokenizer === 'api'",
  'gateway.tokenizer_api_key': 'src/controller/observability.ts: stack.gateway.tokenizer_api_key',
  'gateway.tracing': 'src/controller/observability.ts: stack?.gateway?.tracing',
  'gateway.tracing.enabled': 'src/controller/observability.ts: t?.enabled',
  'gateway.tracing.sampling': 'src/controller/observability.ts: t?.sampling',
  'gateway.tracing.retention': 'src/controller/observability.ts: t?.retention',
  'gateway.tracing.export': "src/controller/observability.ts: t?.export === 'otlp'",
  'gateway.tracing.endpoint': 'src/controller/observability.ts: t.endpoint',
  'gateway.tracing.max_traces': 'src/controller/observability.ts: t?.max_traces',
  logging: 'src/controller/gateway-builder.ts: stack?.logging',
  'logging.file': 'src/controller/gateway-builder.ts: stack.logging?.file',
  'logging.maxSizeMB': 'src/controller/gateway-builder.ts: l?.maxSizeMB',
  'logging.maxAgeDays': 'src/cli/apply.ts: stack.logging?.maxAgeDays',
  'logging.maxBackups': 'src/cli/apply.ts: stack.logging?.maxBackups',
  telemetry: 'src/controller/observability.ts: stack.telemetry',
  'telemetry.persist': 'src/controller/observability.ts: t?.persist',
  'telemetry.persist.logs': 'src/controller/observability.ts: t?.persist.logs',
  'telemetry.persist.metrics': 'src/controller/observability.ts: t?.persist.metrics',
  'telemetry.persist.traces': 'src/controller/observability.ts: t?.persist.traces',
  'telemetry.retention': 'src/controller/observability.ts: t?.retention',
  'telemetry.retention.max_size_mb': 'src/controller/observability.ts: t?.retention.max_size_mb',
  'telemetry.retention.max_backups': 'src/controller/observability.ts: t?.retention.max_backups',
  'telemetry.retention.max_age_days': 'src/controller/observability.ts: t?.retention.max_age_days',
  'mcp-servers[].telemetry': 'src/controller/observability.ts: s.telemetry?.persist',
  'mcp-servers[].telemetry.persist': 'src/controller/observability.ts: s.telemetry?.persist',
  'mcp-servers[].telemetry.persist.logs': 'src/observability/telemetry.ts: this.s.servers[server]?.[signal]',
  'mcp-servers[].telemetry.persist.metrics':
    'src/observability/telemetry.ts: this.s.servers[server]?.[signal]',
  'mcp-servers[].telemetry.persist.traces':
    'src/observability/telemetry.ts: this.s.servers[server]?.[signal]',
  'gateway.metrics': 'src/controller/observability.ts: stack?.gateway?.metrics',
  'gateway.metrics.enabled': 'src/controller/observability.ts: m?.enabled',
  'gateway.metrics.listen': 'src/controller/gateway-builder.ts: stack?.gateway?.metrics?.listen',
  'gateway.metrics.client_labels': 'src/controller/observability.ts: m?.client_labels',
  link: "src/link/declared.ts: (stack.link ?? []).map((e) => (typeof e === 'string' ? { client: e } : e))",
  'link[]':
    "src/link/declared.ts: (stack.link ?? []).map((e) => (typeof e === 'string' ? { client: e } : e))",
  'link[].client': 'src/link/declared.ts: dialectOf(l.client)',
  'link[].group': 'src/link/declared.ts: group: l.group',
  'link[].client_id': 'src/link/declared.ts: clientId: l.client_id',
  'link[].name': 'src/link/declared.ts: name: l.name',
};

/** Fields being built right now: they must not warn. Move each to IMPLEMENTED once it lands. */
const IN_PROGRESS = new Set<string>([]);

const paths = schemaPaths();
const isUnder = (path: string, ancestor: string) =>
  path === ancestor || path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[]`);
const notImplemented = (path: string) =>
  NOT_IMPLEMENTED.some((e) => isUnder(path, e.path) || (e.covers ?? []).includes(path));

describe('every stack schema field is implemented or warns', () => {
  it('each schema path is declared implemented, in progress, or NOT_IMPLEMENTED', () => {
    const undeclared = paths.filter((p) => !(p in IMPLEMENTED) && !IN_PROGRESS.has(p) && !notImplemented(p));
    expect(
      undeclared,
      'add each to IMPLEMENTED (with where it is read) or to src/config/not-implemented.ts',
    ).toEqual([]);
  });

  it('no entry names a field the schema does not have', () => {
    const known = new Set(paths);
    const declared = [
      ...Object.keys(IMPLEMENTED),
      ...NOT_IMPLEMENTED.flatMap((e) => [e.path, ...(e.covers ?? [])]),
    ];
    // A list itself (`link`) is named without the `[]` of its entries.
    expect(declared.filter((p) => !known.has(p) && !known.has(`${p}[]`))).toEqual([]);
  });

  it('a field is implemented or not, never both (unless only some of its values act)', () => {
    const conditional = (p: string) =>
      NOT_IMPLEMENTED.some((e) => e.acts && (isUnder(p, e.path) || (e.covers ?? []).includes(p)));
    const both = Object.keys(IMPLEMENTED).filter((p) => notImplemented(p) && !conditional(p));
    expect(both).toEqual([]);
  });

  it('each pointer names a file that really reads the field', () => {
    const missing = Object.entries(IMPLEMENTED).filter(([, where]) => {
      const [file, text] = [where.slice(0, where.indexOf(': ')), where.slice(where.indexOf(': ') + 2)];
      return !readFileSync(join(ROOT, file), 'utf8').includes(text);
    });
    expect(missing).toEqual([]);
  });

  it('docs/configuration.md lists exactly the not-implemented fields', () => {
    const docs = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## Not implemented yet'), docs.indexOf('## Differences'));
    const rows = [...section.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]);
    expect(rows).toEqual(NOT_IMPLEMENTED.map((e) => e.path));
  });
});

describe('NOT_IMPLEMENTED warnings (gridctl validate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridctl-fields-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const validate = async (name: string, yaml: string) => {
    const file = join(dir, name);
    writeFileSync(file, yaml);
    const r = await runCli(['validate', file, '--format', 'json']);
    const report = JSON.parse(r.stdout) as {
      valid: boolean;
      issues: { code: string; field: string; message: string; line?: number }[];
    };
    return { code: r.code, report, ni: report.issues.filter((i) => i.code === 'NOT_IMPLEMENTED') };
  };

  it('every not-implemented field that is set warns at its place, naming it and what happens instead', async () => {
    const { code, report, ni } = await validate(
      'all.yaml',
      `name: all
gateway:
  auth: {type: bearer, token: t}
  code_mode: "on"
  code_mode_timeout: 10
  tokenizer: api
  tokenizer_api_key: k
  tracing: {sampling: 0.5, include_infra: true}
logging: {file: gridctl.log, maxBackups: 2}
telemetry: {persist: {logs: true}}
mcp-servers:
  - name: remote
    url: http://127.0.0.1:1/mcp
    auth: {type: oauth, client_id: app, scopes: [read]}
    protocol_generation: stateless
    telemetry: {persist: {metrics: true}}
  - name: built
    source: {type: git, url: "git@example.invalid:o/r.git", auth: {method: ssh-agent, ssh_user: deploy}}
    transport: stdio
    replicas: 3
  - name: scaled
    image: example.invalid/mcp:1
    transport: stdio
    autoscale: {min: 1, max: 4, target_in_flight: 2}
skills: {default: allow}
model_preferences: {fast: small}
link: [claude]
limits: {budgets: {daily: 1}}
`,
    );
    expect(code).toBe(2);
    expect(report.valid).toBe(true);
    expect(ni.map((i) => [i.field, i.line])).toEqual([
      ['gateway.tracing.include_infra', 8],
      ['mcp-servers[1].source.auth.ssh_user', 18],
      ['model_preferences', 26],
      ['limits.budgets', 28],
    ]);
    // code_mode and code_mode_timeout (lines 4 and 5) and skills (line 25) act now: no warning.
    expect(ni.some((i) => i.field === 'skills')).toBe(false);
    expect(ni.some((i) => i.field.startsWith('gateway.code_mode'))).toBe(false);
    expect(ni.find((i) => i.field === 'gateway.tracing.include_infra')!.message).toBe(
      '`include_infra: true` is not implemented yet: only gridctl records spans (there is no other instrumentation whose spans could be included)',
    );
    // replicas and autoscale on container servers (lines 20 and 24) act now: no warning.
    expect(ni.some((i) => i.field.startsWith('mcp-servers[1].replicas'))).toBe(false);
    // auth: {type: oauth} (line 14) acts now (docs/oauth.md): no warning.
    expect(ni.some((i) => i.field.startsWith('mcp-servers[0].auth'))).toBe(false);
  });

  it('defaults and values that do not act stay quiet, as do the fields being built', async () => {
    const { code, ni, report } = await validate(
      'quiet.yaml',
      `name: quiet
gateway:
  auth: {type: bearer, token: t}
  code_mode: "off"
  tracing: {enabled: false}
  output_format: toon
  maxToolResultBytes: 1000
mcp-servers:
  - name: remote
    url: http://127.0.0.1:1/mcp
    auth: {type: bearer, token: x}
    protocol_generation: auto
  - name: local
    command: [node, server.js]
    protocol_generation: handshake
    output_format: csv
    autoscale: {min: 1, max: 3, target_in_flight: 2}
  - name: copies
    command: [node, server.js]
    replicas: 3
  - name: one-container
    image: example.invalid/mcp:1
    transport: stdio
    replicas: 1
clients: {default: allow}
limits: {rate_limits: [{server: local, calls_per_minute: 60}]}
`,
    );
    expect(ni).toEqual([]);
    expect(report.issues).toEqual([]);
    expect(code).toBe(0);
  });
});
