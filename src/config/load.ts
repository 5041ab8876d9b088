// The load pipeline, shared by validate, plan and apply:
//   read → YAML parse (positions kept) → extends → expansion → relative paths → schema (shape and
//   defaults) → cross-field rules → derived defaults → secret-set injection (apply hook).
// Every step adds to one issue list instead of stopping at the first problem.
import { homedir } from 'node:os';
import path from 'node:path';
import { type ExpandEvent, expandStack, type VariableResolver } from './expand.js';
import { type Composed, compose, resolveOrigin } from './extends.js';
import { ISSUE_CODES, type Issue, type IssueCode } from './issues.js';
import { formatPath, getAt, type Path } from './path.js';
import { printable } from './printable.js';
import type { McpServer, ServerKind, Stack } from './schema.js';
import { checkSemantics } from './semantics.js';
import { checkShape } from './shape.js';
import { locate } from './source.js';

export interface LoadOptions {
  /** `validate` (default) leaves unknown `${var:KEY}` as written; `apply` makes them errors. */
  mode?: 'validate' | 'apply';
  env?: NodeJS.ProcessEnv;
  resolver?: VariableResolver;
  /** Called with the valid stack, after validation, to add secret-set values to env maps. */
  injectSecrets?: (stack: Stack) => void;
}

export interface LoadResult {
  ok: boolean;
  stack?: Stack;
  issues: Issue[];
  /** Absolute path of the stack file. */
  file: string;
  /** Every file read, including extends parents (for watchers). */
  files: string[];
  /** Text of the stack file, when it could be read. */
  source?: string;
}

export async function loadStack(file: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const abs = path.resolve(file);
  const issues: Issue[] = [];
  let result: LoadResult;
  try {
    result = await run(abs, opts, issues);
  } catch (err) {
    // A loader bug must still come out as an issue, never as a stack trace.
    issues.push({
      severity: 'error',
      code: 'YAML_SYNTAX',
      field: 'stack',
      message: `internal error while loading: ${(err as Error).message}`,
      file: abs,
    });
    result = { ok: false, issues, file: abs, files: [abs] };
  }
  // Keys and values quoted in issues come from the file: never let its control bytes reach a terminal.
  for (const i of result.issues) {
    i.field = printable(i.field);
    i.message = printable(i.message);
    if (i.hint !== undefined) i.hint = printable(i.hint);
  }
  return result;
}

async function run(abs: string, opts: LoadOptions, issues: Issue[]): Promise<LoadResult> {
  const mode = opts.mode ?? 'validate';
  const composed = await compose(abs, issues);
  const result: LoadResult = {
    ok: false,
    issues,
    file: abs,
    files: composed?.files.map((f) => f.file) ?? [abs],
  };
  const main = composed?.files[0];
  if (main) result.source = main.text;
  if (
    !composed ||
    issues.some(
      (i) => i.code === 'YAML_SYNTAX' || i.code === 'YAML_DUPLICATE_KEY' || i.code === 'FILE_UNREADABLE',
    )
  ) {
    return result;
  }
  const data = composed.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    issues.push({
      severity: 'error',
      code: 'NOT_A_MAPPING',
      field: 'stack',
      message:
        data === undefined || data === null
          ? 'the file is empty'
          : `the file must be a mapping of keys to values, not ${Array.isArray(data) ? 'a list' : typeof data}`,
      hint: 'start from `gridctl init`, which writes a commented stack.yaml',
      file: abs,
      line: 1,
      column: 1,
    });
    return result;
  }

  const add = (code: IssueCode, p: Path, message: string, hint?: string, atKey = false) => {
    issues.push(
      place(
        composed,
        {
          severity: ISSUE_CODES[code].severity,
          code,
          field: formatPath(p),
          message,
          ...(hint ? { hint } : {}),
        },
        p,
        atKey,
      ),
    );
  };

  // Expansion (positions stay valid: only scalar values change).
  const missing = new Map<string, Path[]>();
  expandStack(data, { mode, env: opts.env ?? process.env, resolver: opts.resolver }, (p, e) =>
    reportExpansion(e, p, add, missing),
  );
  if (missing.size > 0) {
    const keys = [...missing.keys()];
    const first = [...missing.values()][0]![0]!;
    const where = [...missing.values()].flat().map((p) => formatPath(p));
    add(
      'VAR_MISSING',
      first,
      `missing variable(s): ${keys.join(', ')} (used at ${where.join(', ')})`,
      `set ${keys.length > 1 ? 'them' : 'it'} with: ${keys.map((k) => `gridctl var set ${k}`).join('; ')}`,
    );
  }

  resolvePaths(data, composed, opts.env ?? process.env);

  const shape = checkShape(data);
  for (const s of shape.issues) add(s.code, s.path, s.message, s.hint, s.atKey);
  checkSemantics(data, (code, p, message, hint) => add(code, p, message, hint));

  issues.sort(byPosition);
  if (shape.stack) {
    applyDerivedDefaults(shape.stack);
    result.stack = shape.stack;
  }
  result.ok = !issues.some((i) => i.severity === 'error');
  if (result.ok && result.stack && opts.injectSecrets) opts.injectSecrets(result.stack);
  return result;
}

function reportExpansion(
  e: ExpandEvent,
  p: Path,
  add: (code: IssueCode, p: Path, message: string, hint?: string) => void,
  missing: Map<string, Path[]>,
) {
  switch (e.kind) {
    case 'var-missing':
      missing.set(e.key, [...(missing.get(e.key) ?? []), p]);
      return;
    case 'var-unresolved':
      add(
        'VAR_UNRESOLVED',
        p,
        `\${var:${e.key}} is kept as written; it is resolved from the variable store at apply`,
      );
      return;
    case 'vault-deprecated':
      add('VAR_VAULT_DEPRECATED', p, `\${vault:${e.key}} is deprecated`, `write \${var:${e.key}}`);
      return;
    case 'env-unset':
      add(
        'ENV_UNSET',
        p,
        `environment variable ${e.name} is not set; it expands to ""`,
        `give a default (\${${e.name}:-value}) or keep it in the variable store: gridctl var set ${e.name}`,
      );
  }
}

/** Attach file:line:col by mapping the merged path back to the file (and place) it came from. */
function place(composed: Composed, issue: Issue, p: Path, atKey: boolean): Issue {
  // Walk up until a path exists in the data: a missing field points at its parent mapping.
  const o = resolveOrigin(composed.origins, p);
  if (!o) return issue;
  const pos = locate(o.file, o.path, atKey);
  return { ...issue, file: o.file.file, ...(pos ? { line: pos.line, column: pos.column } : {}) };
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;
function byPosition(a: Issue, b: Issue): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0)
  );
}

// File fields resolved against the folder of the file that declared them (parents keep their own).
const PATH_FIELDS: { path: string[]; tilde: boolean; skipUrl?: boolean }[] = [
  { path: ['logging', 'file'], tilde: true },
  { path: ['mcp-servers', '*', 'source', 'path'], tilde: true },
  { path: ['mcp-servers', '*', 'source', 'auth', 'ssh_key_path'], tilde: true },
  { path: ['mcp-servers', '*', 'ssh', 'identityFile'], tilde: true },
  { path: ['mcp-servers', '*', 'ssh', 'knownHostsFile'], tilde: true },
  { path: ['mcp-servers', '*', 'openapi', 'spec'], tilde: true, skipUrl: true },
  { path: ['mcp-servers', '*', 'openapi', 'tls', 'certFile'], tilde: true },
  { path: ['mcp-servers', '*', 'openapi', 'tls', 'keyFile'], tilde: true },
  { path: ['mcp-servers', '*', 'openapi', 'tls', 'caFile'], tilde: true },
];

function resolvePaths(data: object, composed: Composed, env: NodeJS.ProcessEnv) {
  const home = env.HOME || homedir();
  const servers = getAt(data, ['mcp-servers']);
  const count = Array.isArray(servers) ? servers.length : 0;
  for (const f of PATH_FIELDS) {
    const concrete: Path[] =
      f.path[1] === '*'
        ? Array.from({ length: count }, (_, i) => [f.path[0]!, i, ...f.path.slice(2)])
        : [f.path];
    for (const p of concrete) {
      const parent = getAt(data, p.slice(0, -1));
      const key = String(p.at(-1));
      if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) continue;
      const rec = parent as Record<string, unknown>;
      const v = rec[key];
      if (typeof v !== 'string' || v === '') continue;
      if (f.skipUrl && /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) continue;
      if (f.tilde && (v === '~' || v.startsWith('~/'))) {
        rec[key] = path.join(home, v.slice(1));
        continue;
      }
      const origin = resolveOrigin(composed.origins, p);
      const dir = path.dirname(origin?.file.file ?? composed.files[0]!.file);
      rec[key] = path.resolve(dir, v);
    }
  }
}

function applyDerivedDefaults(stack: Stack) {
  if (stack.networks === undefined) {
    stack.network = {
      driver: stack.network?.driver ?? 'bridge',
      name: stack.network?.name ?? `${stack.name}-net`,
    };
  }
  for (const s of stack['mcp-servers']) {
    if (s.autoscale) s.replicas = 0;
    else if (s.replicas === 0) s.replicas = 1;
    if (s.source?.type === 'git' && s.source.ref === undefined) s.source.ref = 'main';
  }
}

/** The kind of a server, following the kind-inference table (valid stacks have exactly one). */
export function serverKind(s: McpServer): ServerKind {
  if (s.image || s.source) return 'container';
  if (s.url) return 'external';
  if (s.openapi) return 'openapi';
  if (s.ssh && (s.command?.length ?? 0) > 0) return 'ssh';
  return 'local';
}
