// Differences between two stacks, for `plan` and for hot reload. Every field is compared
// structurally, so no change goes unnoticed (the reference misses replicas, timeouts, ...).
// Values under env/build_args/auth are never printed: they may be secrets.
import type { Stack } from './schema.js';

export type DiffAction = 'add' | 'change' | 'remove';
export type DiffKind = 'mcp-server' | 'resource' | 'gateway' | 'network' | 'policy' | 'logging';

export interface DiffItem {
  action: DiffAction;
  kind: DiffKind;
  name: string;
  details: string[];
}

export interface StackDiff {
  items: DiffItem[];
  summary: { add: number; change: number; remove: number };
  hasChanges: boolean;
}

const POLICY_KEYS = [
  'clients',
  'limits',
  'groups',
  'skills',
  'experimental',
  'model_preferences',
  'link',
] as const;
const SECRET_KEYS = new Set([
  'env',
  'build_args',
  'auth',
  'token',
  'value',
  'client_secret',
  'credential_ref',
]);

type Named = { name: string };

export function diffStacks(current: Stack | undefined, proposed: Stack): StackDiff {
  const items: DiffItem[] = [];
  items.push(...diffNamed('mcp-server', current?.['mcp-servers'] ?? [], proposed['mcp-servers']));
  items.push(...diffNamed('resource', current?.resources ?? [], proposed.resources ?? []));
  if (current) {
    const single = (kind: DiffKind, name: string, a: unknown, b: unknown) => {
      const details = changedFields(a, b);
      if (details.length === 0) return;
      const action: DiffAction = a === undefined ? 'add' : b === undefined ? 'remove' : 'change';
      items.push({ action, kind, name, details });
    };
    single('gateway', 'gateway', current.gateway, proposed.gateway);
    single('logging', 'logging', current.logging, proposed.logging);
    single(
      'network',
      'network',
      { network: current.network, networks: current.networks },
      {
        network: proposed.network,
        networks: proposed.networks,
      },
    );
    for (const key of POLICY_KEYS) single('policy', key, current[key], proposed[key]);
  }
  const order: Record<DiffAction, number> = { add: 0, change: 1, remove: 2 };
  items.sort(
    (a, b) =>
      a.kind.localeCompare(b.kind) || order[a.action] - order[b.action] || a.name.localeCompare(b.name),
  );
  const summary = {
    add: items.filter((i) => i.action === 'add').length,
    change: items.filter((i) => i.action === 'change').length,
    remove: items.filter((i) => i.action === 'remove').length,
  };
  return { items, summary, hasChanges: items.length > 0 };
}

function diffNamed<T extends Named>(kind: DiffKind, before: T[], after: T[]): DiffItem[] {
  const old = new Map(before.map((s) => [s.name, s]));
  const now = new Map(after.map((s) => [s.name, s]));
  const items: DiffItem[] = [];
  for (const [name, s] of now) {
    const prev = old.get(name);
    if (!prev) items.push({ action: 'add', kind, name, details: [] });
    else {
      const details = changedFields(prev, s);
      if (details.length > 0) items.push({ action: 'change', kind, name, details });
    }
  }
  for (const name of old.keys())
    if (!now.has(name)) items.push({ action: 'remove', kind, name, details: [] });
  return items;
}

/** One line per changed leaf: `image: a → b`, or `env changed` for secret-bearing fields. */
export function changedFields(a: unknown, b: unknown, path = ''): string[] {
  if (equal(a, b)) return [];
  const leaf = path.split('.').pop() ?? '';
  if (path && SECRET_KEYS.has(leaf)) return [`${path} changed`];
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedFields(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return [`${path || 'value'}: ${show(a)} → ${show(b)}`];
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .filter((k) => v[k] !== undefined)
        .map((k) => [k, canonical(v[k])]),
    );
  }
  return v;
}
