// Variable expansion in stack values. Grammar (one left-to-right pass; substituted text is never
// re-scanned):
//   $NAME  ${NAME}  ${NAME:-default}  ${NAME:+alternate}
//   ${var:KEY}  ${var:KEY:-default}  ${var:KEY:+alternate}   (variable store, then environment)
//   ${vault:KEY}...                                         (deprecated spelling of var:)
//   $$                                                      (a literal `$`; gridctl addition)
// NAME/KEY = [A-Za-z_][A-Za-z0-9_]*; an operand is any text without `}`. A `$` that starts none of
// these forms stays literal. Only the fields listed in EXPANDED_FIELDS are expanded.
import type { Path } from './path.js';

/** Variable-store lookups. The environment is passed separately; the store plugs in here. */
export interface VariableResolver {
  get(key: string): string | undefined;
}

export interface ExpandContext {
  mode: 'validate' | 'apply';
  env: NodeJS.ProcessEnv;
  resolver?: VariableResolver | undefined;
}

export type ExpandEvent =
  | { kind: 'var-missing'; key: string }
  | { kind: 'var-unresolved'; key: string }
  | { kind: 'vault-deprecated'; key: string }
  | { kind: 'env-unset'; name: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const BRACED = /^(?:(var|vault):)?([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?$/;

/** Expand one string; `events` reports missing variables and deprecated spellings. */
export function expandString(input: string, ctx: ExpandContext, events: ExpandEvent[] = []): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const close = input.indexOf('}', i + 2);
      const m = close === -1 ? null : BRACED.exec(input.slice(i + 2, close));
      if (!m) {
        out += '$';
        i++;
        continue;
      }
      const original = input.slice(i, close + 1);
      out += resolveRef(
        m[1] as 'var' | 'vault' | undefined,
        m[2]!,
        m[3] as '-' | '+' | undefined,
        m[4] ?? '',
        original,
        ctx,
        events,
      );
      i = close + 1;
      continue;
    }
    const name = NAME.exec(input.slice(i + 1));
    if (!name) {
      out += '$';
      i++;
      continue;
    }
    out += resolveRef(undefined, name[0], undefined, '', `$${name[0]}`, ctx, events);
    i += 1 + name[0].length;
  }
  return out;
}

function resolveRef(
  scope: 'var' | 'vault' | undefined,
  key: string,
  op: '-' | '+' | undefined,
  operand: string,
  original: string,
  ctx: ExpandContext,
  events: ExpandEvent[],
): string {
  if (scope === 'vault') events.push({ kind: 'vault-deprecated', key });
  // Store first, then environment. Plain names consult the store only when applying, as the reference does.
  const useStore = scope !== undefined || ctx.mode === 'apply';
  const value = (useStore ? ctx.resolver?.get(key) : undefined) ?? ctx.env[key];
  const present = value !== undefined && value !== '';
  if (op === '-') return present ? value : operand;
  if (op === '+') return present ? operand : '';
  if (value !== undefined) return value;
  if (scope === undefined) {
    events.push({ kind: 'env-unset', name: key });
    return '';
  }
  if (ctx.mode === 'apply') {
    events.push({ kind: 'var-missing', key });
    return '';
  }
  events.push({ kind: 'var-unresolved', key });
  return original;
}

// Fields whose string values are expanded; `*` matches any list index or map key.
const SERVER_FIELDS = [
  'name',
  'image',
  'url',
  'network',
  'command.*',
  'source.url',
  'source.path',
  'source.ref',
  'source.auth.ssh_key_path',
  'source.auth.ssh_user',
  'env.*',
  'build_args.*',
  'ssh.host',
  'ssh.user',
  'ssh.identityFile',
  'ssh.knownHostsFile',
  'ssh.jumpHost',
  'openapi.spec',
  'openapi.baseUrl',
  'auth.token',
  'auth.value',
  'auth.client_id',
  'auth.client_secret',
];
export const EXPANDED_FIELDS: string[] = [
  'name',
  'gateway.bind',
  'gateway.allowed_origins.*',
  'gateway.allowed_hosts.*',
  'gateway.auth.token',
  'gateway.auth.client_tokens.*',
  'gateway.auth.issuer',
  'gateway.auth.audience',
  'gateway.auth.jwks_uri',
  'gateway.tokenizer_api_key',
  'network.name',
  'networks.*.name',
  ...SERVER_FIELDS.map((f) => `mcp-servers.*.${f}`),
  'resources.*.name',
  'resources.*.image',
  'resources.*.network',
  'resources.*.env.*',
];
const PATTERNS = EXPANDED_FIELDS.map((f) => f.split('.'));

function isExpanded(path: Path): boolean {
  return PATTERNS.some(
    (p) => p.length === path.length && p.every((seg, i) => seg === '*' || seg === String(path[i])),
  );
}

/** Expand every listed field of `data` in place; calls `report` for each event with its path. */
export function expandStack(
  data: unknown,
  ctx: ExpandContext,
  report: (path: Path, event: ExpandEvent) => void,
): void {
  const walk = (node: unknown, path: (string | number)[]) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        if (typeof v === 'string' && isExpanded([...path, i])) node[i] = expandOne(v, [...path, i]);
        else walk(v, [...path, i]);
      });
    } else if (node !== null && typeof node === 'object') {
      const rec = node as Record<string, unknown>;
      for (const [k, v] of Object.entries(rec)) {
        if (typeof v === 'string' && isExpanded([...path, k])) rec[k] = expandOne(v, [...path, k]);
        else walk(v, [...path, k]);
      }
    }
  };
  const expandOne = (s: string, path: Path) => {
    const events: ExpandEvent[] = [];
    const out = expandString(s, ctx, events);
    for (const e of events) report(path, e);
    return out;
  };
  walk(data, []);
}
