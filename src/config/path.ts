// Field paths: internal arrays (['mcp-servers', 2, 'port']) and their printed form
// (`mcp-servers[2].port`, `groups[release].overrides[github__x].name`). Map keys (records) go in
// brackets, list indexes are zero-based, object fields are dotted. The schema tells records apart.
import type { z } from 'zod';
import { stackSchema } from './schema.js';

export type Path = ReadonlyArray<string | number>;

// Zod's definition objects, read structurally so this stays independent of zod's class names.
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: readonly z.ZodType[];
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strip wrappers (optional, default, pipe/transform) down to the structural schema. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 20; i++) {
    const d = defOf(cur);
    const wrapper = ['optional', 'default', 'prefault', 'nullable'].includes(d.type);
    if (wrapper && d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else break;
  }
  return cur;
}

/** The schema of a child at `seg`, or undefined when the schema has no such place. */
export function childSchema(s: z.ZodType | undefined, seg: string | number): z.ZodType | undefined {
  if (!s) return undefined;
  const u = unwrap(s);
  const d = defOf(u);
  if (d.type === 'object') return typeof seg === 'string' ? d.shape?.[seg] : undefined;
  if (d.type === 'array') return typeof seg === 'number' ? d.element : undefined;
  if (d.type === 'record') return typeof seg === 'string' ? d.valueType : undefined;
  if (d.type === 'union') {
    for (const o of d.options ?? []) {
      const c = childSchema(o, seg);
      if (c) return c;
    }
  }
  return undefined;
}

export function schemaAt(path: Path, root: z.ZodType = stackSchema): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  for (const seg of path) s = childSchema(s, seg);
  return s;
}

/** Keys an object schema (or the object branch of a union) accepts. */
export function knownKeys(s: z.ZodType | undefined): string[] {
  if (!s) return [];
  const d = defOf(unwrap(s));
  if (d.type === 'object') return Object.keys(d.shape ?? {});
  if (d.type === 'union') return (d.options ?? []).flatMap((o) => knownKeys(o));
  return [];
}

function isRecord(s: z.ZodType | undefined): boolean {
  if (!s) return false;
  const d = defOf(unwrap(s));
  if (d.type === 'record') return true;
  return d.type === 'union' && (d.options ?? []).some((o) => isRecord(o));
}

/** Printed form of a path; `stack` for the root. */
export function formatPath(path: Path, root: z.ZodType = stackSchema): string {
  let out = '';
  let s: z.ZodType | undefined = root;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (isRecord(s)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
    s = childSchema(s, seg);
  }
  return out === '' ? 'stack' : out;
}

export function getAt(data: unknown, path: Path): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/**
 * Every place the schema defines, in the notation of not-implemented.ts: `gateway.tracing`,
 * `mcp-servers[].auth.type`, `groups.*.overrides.*.name`. Objects are listed as well as their fields.
 */
export function schemaPaths(root: z.ZodType = stackSchema): string[] {
  const out: string[] = [];
  const walk = (s: z.ZodType, p: string) => {
    const d = defOf(unwrap(s));
    if (d.type === 'array' && d.element) return walk(d.element, `${p}[]`);
    if (d.type === 'record' && d.valueType) {
      out.push(p);
      return walk(d.valueType, `${p}.*`);
    }
    if (p !== '') out.push(p);
    const objects = d.type === 'union' ? (d.options ?? []) : [s];
    for (const o of objects) {
      const od = defOf(unwrap(o));
      for (const [k, v] of Object.entries(od.type === 'object' ? (od.shape ?? {}) : {})) {
        walk(v, p === '' ? k : `${p}.${k}`);
      }
    }
  };
  walk(root, '');
  return [...new Set(out)];
}
