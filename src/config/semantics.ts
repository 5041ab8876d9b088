// Rules that span fields: server kinds and the allowed-combination matrix, names and references,
// policy blocks. They read the expanded raw data defensively (a wrongly typed field is skipped here;
// the schema already reported it), so one bad field never hides the other issues.
import { existsSync } from 'node:fs';
import { parseDuration } from './duration.js';
import type { IssueCode } from './issues.js';
import { nameProblem } from './names.js';
import { checkNotImplemented } from './not-implemented.js';
import type { Path } from './path.js';

export type Report = (code: IssueCode, path: Path, message: string, hint?: string) => void;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strs = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === 'string');
const set = (v: unknown) => v !== undefined && v !== null && v !== '';

const KIND_FIELDS = 'image, source, url, command, ssh with command, or openapi';
const GRADUATED_FLAGS = new Set(['transport_dual_stack']);
const KNOWN_FLAGS = new Set<string>();
const TOOL_SEP = '__';

export type RawKind = 'container' | 'external' | 'ssh' | 'local' | 'openapi';

/** Kind triggers present on a raw server entry (see the kind table in docs/configuration.md). */
export function kindTriggers(s: Obj): string[] {
  // A string command is a type error (reported by the schema) but still shows which kind was meant.
  const hasCommand = arr(s.command).length > 0 || (typeof s.command === 'string' && s.command !== '');
  const t: string[] = [];
  if (set(s.image)) t.push('image');
  if (set(s.source)) t.push('source');
  if (set(s.url)) t.push('url');
  if (set(s.openapi)) t.push('openapi');
  if (set(s.ssh) && hasCommand) t.push('ssh');
  else if (hasCommand && !set(s.image) && !set(s.source)) t.push('command');
  return t;
}

export function kindOf(triggers: string[]): RawKind | undefined {
  if (triggers.length !== 1) return undefined;
  switch (triggers[0]) {
    case 'image':
    case 'source':
      return 'container';
    case 'url':
      return 'external';
    case 'openapi':
      return 'openapi';
    case 'ssh':
      return 'ssh';
    default:
      return 'local';
  }
}

export function checkSemantics(data: unknown, report: Report): void {
  const root = obj(data);
  if (!root) return;
  const name = str(root.name);
  if (name !== undefined) checkName(name, ['name'], 'stack', report);

  // Networks
  const advanced = root.networks !== undefined;
  if (root.network !== undefined && advanced) {
    report(
      'NETWORK_MODE_CONFLICT',
      ['networks'],
      'both `network` and `networks` are set; use one mode',
      '`network` for one network (simple mode), `networks` to declare several (advanced mode)',
    );
  }
  const networkNames = new Set<string>();
  arr(root.networks).forEach((n, i) => {
    const nn = str(obj(n)?.name);
    if (nn === undefined) return;
    if (networkNames.has(nn))
      report('NAME_DUPLICATE', ['networks', i, 'name'], `network "${nn}" is declared twice`);
    networkNames.add(nn);
  });
  const checkWorkloadNetwork = (path: Path, value: unknown, what: string) => {
    if (!advanced) return;
    const n = str(value);
    if (n === undefined) {
      report(
        'NETWORK_REQUIRED',
        [...path, 'network'],
        `${what} needs \`network\` in advanced network mode`,
        `one of: ${[...networkNames].join(', ') || '(none declared)'}`,
      );
    } else if (!networkNames.has(n)) {
      report(
        'NETWORK_UNKNOWN',
        [...path, 'network'],
        `network "${n}" is not declared in \`networks\``,
        `declared: ${[...networkNames].join(', ') || '(none)'}`,
      );
    }
  };

  // Servers
  const servers = arr(root['mcp-servers']);
  const serverNames = new Map<string, number>();
  const unprefixed: number[] = [];
  servers.forEach((raw, i) => {
    const s = obj(raw);
    if (!s) return;
    const p: Path = ['mcp-servers', i];
    const sname = str(s.name);
    const label = sname ? `server "${sname}"` : `mcp-servers[${i}]`;
    if (sname !== undefined) {
      checkName(sname, [...p, 'name'], 'server', report);
      const first = serverNames.get(sname);
      if (first !== undefined) {
        report(
          'NAME_DUPLICATE',
          [...p, 'name'],
          `server name "${sname}" is already used by mcp-servers[${first}]`,
          'server names must be unique',
        );
      } else serverNames.set(sname, i);
    }
    if (s.unprefixed === true) unprefixed.push(i);
    checkServer(s, p, label, report, checkWorkloadNetwork);
    checkHostNetworkScaling(s, p, label, root, report);
  });
  if (unprefixed.length >= 2) {
    const names = unprefixed.map((i) => str(obj(servers[i])?.name) ?? `mcp-servers[${i}]`);
    report(
      'UNPREFIXED_MANY',
      ['mcp-servers', unprefixed[1]!, 'unprefixed'],
      `${unprefixed.length} servers expose unprefixed tool names (${names.join(', ')}); a tool name they share will collide`,
      'the gateway refuses colliding names at registration; keep `unprefixed` on one server',
    );
  }

  // Resources
  const resourceNames = new Set<string>();
  arr(root.resources).forEach((raw, i) => {
    const r = obj(raw);
    if (!r) return;
    const p: Path = ['resources', i];
    const rname = str(r.name);
    if (rname !== undefined) {
      checkName(rname, [...p, 'name'], 'resource', report);
      if (resourceNames.has(rname))
        report('NAME_DUPLICATE', [...p, 'name'], `resource name "${rname}" is used twice`);
      else if (serverNames.has(rname)) {
        report(
          'NAME_DUPLICATE',
          [...p, 'name'],
          `resource name "${rname}" is also the name of an MCP server`,
          'servers and resources share one namespace',
        );
      }
      resourceNames.add(rname);
    }
    checkWorkloadNetwork(p, r.network, `resource "${rname ?? i}"`);
    strs(r.ports).forEach((port, j) => {
      if (!/^(\d+(\.\d+){3}:)?\d{1,5}:\d{1,5}(\/(tcp|udp))?$/.test(port)) {
        report(
          'INVALID_FORMAT',
          [...p, 'ports', j],
          `port mapping "${port}" must look like "host:container" (e.g. "5432:5432")`,
        );
      }
    });
  });

  const gatewayBlock = obj(root.gateway);
  if (root.gateway !== undefined && gatewayBlock && gatewayBlock.auth === undefined) {
    report(
      'GATEWAY_NO_AUTH',
      ['gateway'],
      'the gateway has no `auth`: any local process can call every tool',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
      'add gateway.auth: {type: bearer, token: ${var:GATEWAY_TOKEN}}',
    );
  }
  const gauth = obj(gatewayBlock?.auth);
  if (gauth && gauth.header !== undefined && gauth.type !== 'api_key') {
    report('AUTH_INVALID', ['gateway', 'auth', 'header'], '`header` is only used with `type: api_key`');
  }
  if (gauth) checkGatewayAuth(gauth, report);

  const tracingBlock = obj(gatewayBlock?.tracing);
  if (
    tracingBlock?.export === 'otlp' &&
    !(typeof tracingBlock.endpoint === 'string' && /^https?:\/\//.test(tracingBlock.endpoint))
  ) {
    report(
      'TRACING_INVALID',
      ['gateway', 'tracing', 'endpoint'],
      '`export: otlp` needs `endpoint`, the OTLP/HTTP traces URL',
      'e.g. endpoint: http://127.0.0.1:4318/v1/traces (a collector such as the OpenTelemetry Collector or Jaeger)',
    );
  }

  // Accepted but not acted on: say so, and what happens instead (not-implemented.ts).
  checkNotImplemented(root, (p, message, hint) => report('NOT_IMPLEMENTED', p, message, hint));
  checkTelemetry(obj(root.telemetry), report);
  checkSecrets(obj(root.secrets), serverNames, resourceNames, report);
  const hasUnprefixed = unprefixed.length > 0;
  const toolRef = (path: Path, tool: string) => {
    const sep = tool.indexOf(TOOL_SEP);
    if (sep <= 0) {
      if (!hasUnprefixed) {
        report('REFERENCE_UNKNOWN', path, `tool "${tool}" must be a prefixed name "<server>__<tool>"`);
      }
      return;
    }
    const server = tool.slice(0, sep);
    if (!serverNames.has(server)) {
      report(
        'REFERENCE_UNKNOWN',
        path,
        `tool "${tool}" names unknown MCP server "${server}"`,
        known(serverNames.keys()),
      );
    }
  };
  const serverRef = (path: Path, server: string) => {
    if (!serverNames.has(server))
      report('REFERENCE_UNKNOWN', path, `unknown MCP server "${server}"`, known(serverNames.keys()));
  };

  const clients = obj(root.clients);
  for (const [id, rawProfile] of Object.entries(obj(clients?.profiles) ?? {})) {
    const prof = obj(rawProfile);
    for (const [j, sv] of strs(prof?.servers).entries())
      serverRef(['clients', 'profiles', id, 'servers', j], sv);
    for (const [j, t] of strs(prof?.tools).entries()) toolRef(['clients', 'profiles', id, 'tools', j], t);
  }

  checkLimits(obj(root.limits), serverRef, toolRef, report);
  const groupNames = checkGroups(obj(root.groups), serverNames, serverRef, toolRef, report);
  checkSkills(obj(root.skills), report);
  checkLink(root.link, groupNames, report);
  for (const [flag, on] of Object.entries(obj(root.experimental) ?? {})) {
    if (GRADUATED_FLAGS.has(flag)) {
      report(
        'EXPERIMENTAL_UNKNOWN',
        ['experimental', flag],
        `experimental flag "${flag}" has graduated; it is always on`,
        'remove it',
      );
    } else if (!KNOWN_FLAGS.has(flag)) {
      report(
        'EXPERIMENTAL_UNKNOWN',
        ['experimental', flag],
        `unknown experimental flag "${flag}"; it has no effect`,
      );
    } else if (on === true) {
      report('EXPERIMENTAL_ENABLED', ['experimental', flag], `experimental flag "${flag}" is on`);
    }
  }
}

function known(names: Iterable<string>): string {
  const list = [...names];
  return list.length ? `known servers: ${list.join(', ')}` : 'the stack declares no MCP servers';
}

function checkName(name: string, path: Path, what: string, report: Report) {
  const problem = nameProblem(name);
  if (problem) {
    report(
      'NAME_INVALID',
      path,
      `${what} name "${name}" ${problem}`,
      'names must match [a-zA-Z0-9][a-zA-Z0-9_.-]* without "__"',
    );
  }
}

// On a `host`-driver network no port is published, so the gateway cannot reach a second
// (or any scaled) replica of an HTTP container: readiness would fail. Warn before apply.
function checkHostNetworkScaling(s: Obj, p: Path, label: string, root: Obj, report: Report) {
  if (s.image === undefined && s.source === undefined) return;
  const transport = str(s.transport) ?? 'http';
  if (transport === 'stdio') return;
  const replicas = num(s.replicas);
  const scaled = s.autoscale !== undefined || (replicas !== undefined && replicas > 1);
  if (!scaled) return;
  const wanted = str(s.network);
  const nets = root.networks !== undefined ? arr(root.networks).map(obj) : [obj(root.network)];
  const net = nets.find((n) => n && (root.networks === undefined || str(n.name) === wanted));
  if (str(net?.driver) !== 'host') return;
  report(
    'SCALING_ON_HOST_NETWORK',
    [...p, s.autoscale !== undefined ? 'autoscale' : 'replicas'],
    `${label}: replicas of an HTTP container on a \`host\`-driver network get no published port, so they never become ready`,
    'use a bridge network, `transport: stdio`, or one replica',
  );
}

function checkServer(
  s: Obj,
  p: Path,
  label: string,
  report: Report,
  checkNetwork: (path: Path, value: unknown, what: string) => void,
) {
  const triggers = kindTriggers(s);
  if (triggers.length === 0) {
    const hint = set(s.ssh)
      ? 'an ssh server also needs `command` (the remote command to run)'
      : `add one of ${KIND_FIELDS}`;
    report('KIND_NONE', p, `${label} has no kind: it must set one of ${KIND_FIELDS}`, hint);
    return;
  }
  if (triggers.length > 1) {
    report(
      'KIND_MULTIPLE',
      p,
      `${label} sets ${triggers.map((t) => `\`${t}\``).join(' and ')}; a server can only have one of ${KIND_FIELDS}`,
      'split it into two servers or remove the extra field',
    );
    return;
  }
  const kind = kindOf(triggers)!;
  // An unknown transport is reported by the schema; the matrix below only judges known ones.
  const rawTransport = str(s.transport) ?? '';
  const transport = ['', 'http', 'sse', 'stdio'].includes(rawTransport) ? rawTransport : '';
  const kindLabel = {
    container: 'container',
    external: 'external',
    ssh: 'SSH',
    local: 'local process',
    openapi: 'OpenAPI',
  }[kind];
  const forbid = (field: string, why: string) => {
    if (s[field] !== undefined)
      report(
        'FIELD_NOT_ALLOWED',
        [...p, field],
        `\`${field}\` is not allowed on ${kind === 'container' || kind === 'local' ? 'a' : 'an'} ${kindLabel} server (${label})`,
        why,
      );
  };
  if (kind !== 'external') forbid('auth', '`auth` configures downstream auth of external (url) servers only');
  if (kind === 'external' || kind === 'openapi')
    forbid('pass_env', 'only processes and containers that gridctl starts have an environment');
  if (kind === 'container') {
    if (transport !== 'stdio' && s.port === undefined) {
      report(
        'PORT_REQUIRED',
        [...p, 'port'],
        `${label} is a container with transport ${transport || 'http'} and needs \`port\``,
        'set the container port that serves MCP at /mcp, or `transport: stdio`',
      );
    }
    checkNetwork(p, s.network, label);
    checkSource(obj(s.source), [...p, 'source'], report);
  } else {
    forbid('port', kind === 'ssh' ? 'use ssh.port for the SSH port' : 'only http/sse containers have a port');
    forbid('network', 'only container servers join a network');
  }
  if (kind === 'external' && transport === 'stdio') {
    report(
      'TRANSPORT_NOT_ALLOWED',
      [...p, 'transport'],
      `${label} is external: transport must be http or sse, not stdio`,
    );
  }
  if ((kind === 'local' || kind === 'ssh') && transport !== '' && transport !== 'stdio') {
    report(
      'TRANSPORT_NOT_ALLOWED',
      [...p, 'transport'],
      `${label} is a ${kindLabel} server: transport is always stdio, not ${transport}`,
      'remove `transport`',
    );
  }
  if (kind === 'openapi' && s.transport !== undefined && transport !== '') {
    report(
      'TRANSPORT_NOT_ALLOWED',
      [...p, 'transport'],
      `${label} is an OpenAPI server: remove \`transport\``,
    );
  }
  if (kind === 'external' || kind === 'openapi') {
    const replicas = num(s.replicas);
    if (replicas !== undefined && replicas > 1) {
      report(
        'REPLICAS_NOT_ALLOWED',
        [...p, 'replicas'],
        `${label}: replicas are not supported on ${kindLabel} servers`,
      );
    }
    if (s.autoscale !== undefined) {
      report(
        'REPLICAS_NOT_ALLOWED',
        [...p, 'autoscale'],
        `${label}: autoscale is not supported on ${kindLabel} servers`,
      );
    }
  }
  if (kind === 'external') checkServerAuth(obj(s.auth), [...p, 'auth'], report);
  if (kind === 'external' && obj(s.auth)?.type === 'oauth' && s.transport === 'sse') {
    report(
      'AUTH_INVALID',
      [...p, 'auth', 'type'],
      '`auth: {type: oauth}` needs the streamable HTTP transport; the legacy SSE one is not signed in',
      'drop `transport: sse` if the server speaks streamable HTTP',
    );
  }
  if (kind === 'ssh') checkSsh(obj(s.ssh), [...p, 'ssh'], report);
  if (kind === 'openapi') checkOpenapi(obj(s.openapi), [...p, 'openapi'], report);
  const auto = obj(s.autoscale);
  if (auto) {
    const replicas = num(s.replicas);
    if (replicas !== undefined && replicas > 0) {
      report(
        'AUTOSCALE_WITH_REPLICAS',
        [...p, 'replicas'],
        `${label} sets both \`replicas\` and \`autoscale\`; autoscale owns the replica count`,
        'remove `replicas`',
      );
    }
    checkAutoscale(auto, [...p, 'autoscale'], report);
  }
}

function checkSource(src: Obj | undefined, p: Path, report: Report) {
  if (!src) return;
  if (src.type === 'git') {
    if (!set(src.url)) report('SOURCE_INVALID', [...p, 'url'], 'a git source needs `url`');
    if (src.path !== undefined)
      report('SOURCE_INVALID', [...p, 'path'], '`path` is for `type: local`; a git source uses `url`');
  } else if (src.type === 'local') {
    if (!set(src.path)) report('SOURCE_INVALID', [...p, 'path'], 'a local source needs `path`');
    if (src.url !== undefined)
      report('SOURCE_INVALID', [...p, 'url'], '`url` is for `type: git`; a local source uses `path`');
    const path = str(src.path);
    if (path && !existsSync(path))
      report('FILE_NOT_FOUND', [...p, 'path'], `source folder ${path} does not exist`);
  }
  const auth = obj(src.auth);
  if (auth?.method === 'token' && !set(auth.credential_ref)) {
    report(
      'SOURCE_INVALID',
      [...p, 'auth', 'credential_ref'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
      '`method: token` needs `credential_ref` (e.g. "${var:GIT_TOKEN}")',
    );
  }
  if (auth?.method === 'ssh-key' && !set(auth.ssh_key_path)) {
    report('SOURCE_INVALID', [...p, 'auth', 'ssh_key_path'], '`method: ssh-key` needs `ssh_key_path`');
  }
}

function checkGatewayAuth(auth: Obj, report: Report) {
  const p: Path = ['gateway', 'auth'];
  const oauth = auth.type === 'oauth';
  const own = oauth
    ? ['issuer', 'audience', 'scopes', 'jwks_uri', 'client_claim']
    : ['token', 'header', 'client_tokens'];
  for (const f of ['token', 'client_tokens', 'issuer', 'audience', 'scopes', 'jwks_uri', 'client_claim']) {
    if (auth[f] !== undefined && !own.includes(f)) {
      report(
        'AUTH_INVALID',
        [...p, f],
        `\`${f}\` does not belong to auth type ${String(auth.type)}`,
        `${String(auth.type)} uses: ${own.join(', ')}`,
      );
    }
  }
  if (!oauth && !set(auth.token)) {
    report(
      'AUTH_INVALID',
      [...p, 'token'],
      `auth type ${String(auth.type)} needs \`token\``,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
      'e.g. token: ${var:GATEWAY_TOKEN}',
    );
  }
  if (oauth) {
    if (!set(auth.issuer))
      report(
        'AUTH_INVALID',
        [...p, 'issuer'],
        'auth type oauth needs `issuer`',
        "the identity provider's issuer URL, as in its tokens' `iss`",
      );
    if (!set(auth.audience))
      report(
        'AUTH_INVALID',
        [...p, 'audience'],
        'auth type oauth needs `audience`',
        "this gateway's public /mcp URL, e.g. https://gw.example.com/mcp",
      );
    for (const f of ['issuer', 'jwks_uri']) {
      const v = str(auth[f]);
      if (v && !/^https?:\/\/[^/]/.test(v))
        report('AUTH_INVALID', [...p, f], `\`${f}\` must be an http(s) URL`);
    }
  }
}

function checkServerAuth(auth: Obj | undefined, p: Path, report: Report) {
  if (!auth) return;
  const type = str(auth.type);
  const fields: Record<string, string[]> = {
    bearer: ['token'],
    header: ['header', 'value'],
    oauth: ['scopes', 'grant', 'client_id', 'client_secret'],
  };
  const own = fields[type ?? ''];
  if (!own) return; // the schema reports the bad type
  for (const f of ['token', 'header', 'value', 'scopes', 'grant', 'client_id', 'client_secret']) {
    if (auth[f] !== undefined && !own.includes(f)) {
      report(
        'AUTH_INVALID',
        [...p, f],
        `\`${f}\` does not belong to auth type ${type}`,
        `${type} uses: ${own.join(', ')}`,
      );
    }
  }
  if (type === 'bearer' && !set(auth.token))
    report('AUTH_INVALID', [...p, 'token'], 'auth type bearer needs `token`');
  if (type === 'header') {
    if (!set(auth.header))
      report('AUTH_INVALID', [...p, 'header'], 'auth type header needs `header` (the header name)');
    if (!set(auth.value)) report('AUTH_INVALID', [...p, 'value'], 'auth type header needs `value`');
  }
  if (type === 'oauth' && set(auth.client_secret) && !set(auth.client_id)) {
    report('AUTH_INVALID', [...p, 'client_secret'], '`client_secret` needs `client_id`');
  }
  if (type === 'oauth' && auth.grant === 'client_credentials') {
    for (const f of ['client_id', 'client_secret']) {
      if (!set(auth[f])) {
        report(
          'AUTH_INVALID',
          [...p, f],
          `\`grant: client_credentials\` needs \`${f}\``,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
          'register gridctl as a client of the authorization server and set client_id, and client_secret: ${var:KEY}',
        );
      }
    }
  }
}

function checkSsh(ssh: Obj | undefined, p: Path, report: Report) {
  if (!ssh) return;
  const jump = str(ssh.jumpHost);
  if (jump !== undefined && /[\s;|&$`]/.test(jump)) {
    report(
      'SSH_INVALID',
      [...p, 'jumpHost'],
      `jumpHost "${jump}" contains whitespace or one of ; | & $ \``,
      'use [user@]host[:port]',
    );
  }
  const kh = str(ssh.knownHostsFile);
  if (kh && !existsSync(kh)) {
    report(
      'FILE_NOT_FOUND',
      [...p, 'knownHostsFile'],
      `knownHostsFile ${kh} does not exist`,
      'create it (ssh-keyscan HOST > FILE) or remove the field to accept new host keys',
    );
  }
}

function checkOpenapi(o: Obj | undefined, p: Path, report: Report) {
  if (!o) return;
  const ops = obj(o.operations);
  if (ops && ops.include !== undefined && ops.exclude !== undefined) {
    report('OPENAPI_INVALID', [...p, 'operations'], 'set either `include` or `exclude`, not both');
  }
  const spec = str(o.spec);
  if (spec && !/^https?:\/\//.test(spec) && !existsSync(spec)) {
    report('FILE_NOT_FOUND_WARN', [...p, 'spec'], `OpenAPI spec ${spec} does not exist`);
  }
  const auth = obj(o.auth);
  const required: Record<string, string[]> = {
    bearer: ['tokenEnv'],
    header: ['header', 'valueEnv'],
    query: ['paramName', 'valueEnv'],
    oauth2: ['clientIdEnv', 'clientSecretEnv', 'tokenUrl'],
    basic: ['usernameEnv', 'passwordEnv'],
  };
  for (const f of required[str(auth?.type) ?? ''] ?? []) {
    if (!set(auth?.[f]))
      report('AUTH_INVALID', [...p, 'auth', f], `OpenAPI auth type ${String(auth?.type)} needs \`${f}\``);
  }
  const tls = obj(o.tls);
  if (tls) {
    if (set(tls.certFile) !== set(tls.keyFile)) {
      report(
        'OPENAPI_INVALID',
        [...p, 'tls', set(tls.certFile) ? 'keyFile' : 'certFile'],
        'mTLS needs both `certFile` and `keyFile`',
      );
    }
    for (const f of ['certFile', 'keyFile', 'caFile']) {
      const file = str(tls[f]);
      if (file && !existsSync(file))
        report('TLS_FILE_MISSING', [...p, 'tls', f], `${f} ${file} does not exist`);
    }
    if (tls.insecureSkipVerify === true) {
      report(
        'TLS_VERIFY_DISABLED',
        [...p, 'tls', 'insecureSkipVerify'],
        "insecureSkipVerify is on: the API's certificate is not checked, so anyone on the network path can read and change the calls and their credentials",
        'trust a private CA with `tls.caFile` instead',
      );
    }
  }
}

function durationMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return parseDuration(v);
  } catch {
    return undefined;
  }
}

function checkAutoscale(a: Obj, p: Path, report: Report) {
  const min = num(a.min);
  const max = num(a.max);
  const warm = num(a.warm_pool) ?? 0;
  if (min !== undefined && min < 1 && a.idle_to_zero !== true) {
    report('AUTOSCALE_INVALID', [...p, 'min'], '`min` must be at least 1 unless `idle_to_zero: true`');
  }
  if (min !== undefined && max !== undefined && max < min) {
    report('AUTOSCALE_INVALID', [...p, 'max'], `\`max\` (${max}) must be at least \`min\` (${min})`);
  } else if (min !== undefined && max !== undefined && min + warm > max) {
    report(
      'AUTOSCALE_INVALID',
      [...p, 'warm_pool'],
      `min + warm_pool (${min} + ${warm}) must not exceed max (${max})`,
    );
  }
  const up = durationMs(a.scale_up_after);
  if (up !== undefined && up < 10_000)
    report('AUTOSCALE_INVALID', [...p, 'scale_up_after'], '`scale_up_after` must be at least 10s');
  const down = durationMs(a.scale_down_after);
  if (down !== undefined && down < 60_000) {
    report('AUTOSCALE_INVALID', [...p, 'scale_down_after'], '`scale_down_after` must be at least 1m');
  }
}

function checkTelemetry(t: Obj | undefined, report: Report) {
  const r = obj(t?.retention);
  const size = num(r?.max_size_mb) ?? 100;
  const backups = num(r?.max_backups) ?? 5;
  if (t && size * backups > 5 * 1024) {
    report(
      'TELEMETRY_SOFT_CAP',
      ['telemetry', 'retention'],
      `retention allows ${size * backups} MB per signal file set (over 5 GiB)`,
    );
  }
}

function checkSecrets(
  secrets: Obj | undefined,
  servers: Map<string, number>,
  resources: Set<string>,
  report: Report,
) {
  const seen = new Map<string, { scoped: boolean }>();
  arr(secrets?.sets).forEach((entry, i) => {
    const p: Path = ['secrets', 'sets', i];
    const e = obj(entry);
    const setName = typeof entry === 'string' ? entry : str(e?.name);
    const scoped = e !== undefined;
    if (e) {
      if (e.servers === undefined && e.resources === undefined) {
        // A mapping with only a name behaves like the bare form.
      }
      for (const key of ['servers', 'resources'] as const) {
        if (Array.isArray(e[key]) && (e[key] as unknown[]).length === 0) {
          report(
            'SECRETS_INVALID',
            [...p, key],
            `\`${key}: []\` injects the set nowhere`,
            `list ${key} or remove the key`,
          );
        }
      }
      strs(e.servers).forEach((sv, j) => {
        if (!servers.has(sv))
          report('SECRETS_INVALID', [...p, 'servers', j], `references unknown MCP server "${sv}"`);
      });
      strs(e.resources).forEach((rv, j) => {
        if (!resources.has(rv))
          report('SECRETS_INVALID', [...p, 'resources', j], `references unknown resource "${rv}"`);
      });
    }
    if (setName === undefined) return;
    const prev = seen.get(setName);
    if (prev && (prev.scoped || scoped)) {
      report(
        'SECRETS_INVALID',
        p,
        `set "${setName}" is listed twice; a set may repeat only in the bare form`,
      );
    }
    seen.set(setName, { scoped: scoped || (prev?.scoped ?? false) });
  });
}

function checkLimits(
  limits: Obj | undefined,
  serverRef: (p: Path, s: string) => void,
  toolRef: (p: Path, t: string) => void,
  report: Report,
) {
  const seen = new Set<string>();
  arr(limits?.rate_limits).forEach((raw, i) => {
    const r = obj(raw);
    if (!r) return;
    const p: Path = ['limits', 'rate_limits', i];
    const scopes = (['client', 'server', 'tool'] as const).filter((k) => set(r[k]));
    if (scopes.length !== 1) {
      report('RATE_LIMIT_INVALID', p, 'a rate limit needs exactly one of `client`, `server` or `tool`');
      return;
    }
    const kind = scopes[0]!;
    const key = String(r[kind]);
    if (kind === 'server') serverRef([...p, 'server'], key);
    if (kind === 'tool') toolRef([...p, 'tool'], key);
    if (seen.has(`${kind}:${key}`))
      report('RATE_LIMIT_INVALID', p, `a rate limit for ${kind} "${key}" is already declared`);
    seen.add(`${kind}:${key}`);
  });
}

const GROUP_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const RENAME = /^[a-zA-Z0-9_-]+$/;

function checkGroups(
  groups: Obj | undefined,
  serverNames: Map<string, number>,
  serverRef: (p: Path, s: string) => void,
  toolRef: (p: Path, t: string) => void,
  report: Report,
): Set<string> {
  const names = new Set<string>();
  for (const [gname, raw] of Object.entries(groups ?? {})) {
    names.add(gname);
    const g = obj(raw);
    const p: Path = ['groups', gname];
    if (!GROUP_NAME.test(gname)) {
      report(
        'GROUP_INVALID',
        p,
        `group name "${gname}" must match ^[a-z0-9][a-z0-9_-]{0,31}$ (lowercase, up to 32 characters)`,
      );
    }
    if (!g) continue;
    const servers = strs(g.servers);
    const tools = strs(g.tools);
    if (servers.length === 0 && tools.length === 0) {
      report('GROUP_INVALID', p, `group "${gname}" includes nothing: list \`servers\` or \`tools\``);
    }
    for (const [j, s] of servers.entries()) serverRef([...p, 'servers', j], s);
    const tooLong = (tool: string) => `mcp__${gname}__${tool}`.length > 64;
    tools.forEach((t, j) => {
      toolRef([...p, 'tools', j], t);
      if (tooLong(t))
        report('GROUP_INVALID', [...p, 'tools', j], `"mcp__${gname}__${t}" is longer than 64 characters`);
    });
    for (const [j, t] of strs(g.exclude).entries()) toolRef([...p, 'exclude', j], t);
    const excluded = new Set(strs(g.exclude));
    const renames = new Map<string, string>();
    for (const [tool, rawOv] of Object.entries(obj(g.overrides) ?? {})) {
      const op: Path = [...p, 'overrides', tool];
      const server = tool.includes('__') ? tool.slice(0, tool.indexOf('__')) : '';
      const member =
        !excluded.has(tool) &&
        (tools.includes(tool) || (servers.includes(server) && serverNames.has(server)));
      if (!member)
        report('GROUP_INVALID', op, `override for "${tool}", which is not a member of group "${gname}"`);
      const rename = str(obj(rawOv)?.name);
      if (rename === undefined) continue;
      const np: Path = [...op, 'name'];
      if (!RENAME.test(rename))
        report('GROUP_INVALID', np, `rename "${rename}" may only use letters, digits, '_' and '-'`);
      else if (rename.includes('__')) report('GROUP_INVALID', np, `rename "${rename}" must not contain "__"`);
      else if (rename === 'search' || rename === 'execute')
        report('GROUP_INVALID', np, `rename "${rename}" is reserved for code mode`);
      else if (renames.has(rename))
        report('GROUP_INVALID', np, `rename "${rename}" is already used for "${renames.get(rename)}"`);
      else if (tooLong(rename))
        report('GROUP_INVALID', np, `"mcp__${gname}__${rename}" is longer than 64 characters`);
      renames.set(rename, tool);
    }
  }
  return names;
}

function checkSkills(skills: Obj | undefined, report: Report) {
  if (!skills) return;
  for (const list of ['allow', 'deny'] as const) {
    strs(skills[list]).forEach((glob, j) => {
      if (!validGlob(glob))
        report(
          'GLOB_INVALID',
          ['skills', list, j],
          `glob "${glob}" is malformed (unclosed [ or trailing \\)`,
        );
    });
  }
  if (skills.default === 'deny' && strs(skills.allow).length === 0) {
    report('SKILLS_POLICY', ['skills', 'default'], '`default: deny` with an empty `allow` hides every skill');
  }
}

/** path.Match-style globs: `[...]` classes must close and `\` must escape something. */
function validGlob(glob: string): boolean {
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '\\') {
      if (i + 1 >= glob.length) return false;
      i++;
    } else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) return false;
      i = close;
    }
  }
  return true;
}

function checkLink(link: unknown, groups: Set<string>, report: Report) {
  const seen = new Set<string>();
  arr(link).forEach((entry, i) => {
    const e = obj(entry);
    const client = typeof entry === 'string' ? entry : str(e?.client);
    if (client !== undefined) {
      if (seen.has(client)) report('LINK_INVALID', ['link', i], `client "${client}" is linked twice`);
      seen.add(client);
    }
    const group = str(e?.group);
    if (group !== undefined && !groups.has(group)) {
      report('LINK_INVALID', ['link', i, 'group'], `group "${group}" is not declared in \`groups\``);
    }
  });
}
