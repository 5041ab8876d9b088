// What a pin covers and how it is hashed. A tool's definition is the part of its tools/list entry a
// model reads or a client validates against: name, description, input and output schema and
// annotations. Its canonical form is JSON with every object's keys sorted and no whitespace, so the
// hash does not depend on the order a server happens to serialise keys in.
import { createHash } from 'node:crypto';

/**
 * The fields of a tool that are pinned, in display order. Skills (src/skills) are pinned through the
 * same path with three fields of their own, which tools never have (absent fields are not hashed,
 * so tool pins are unaffected): the front matter without `state`, the body and the supporting files.
 */
export const PINNED_FIELDS = [
  'name',
  'description',
  'inputSchema',
  'outputSchema',
  'annotations',
  'frontMatter',
  'body',
  'files',
] as const;
export type PinnedField = (typeof PINNED_FIELDS)[number];

export type ToolDefinition = { name: string } & Partial<Record<Exclude<PinnedField, 'name'>, unknown>>;

/** JSON with sorted keys and no whitespace; `undefined` members are dropped like JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The pinned part of a tools/list entry. Absent and `null` fields are left out. */
export function toolDefinition(tool: Record<string, unknown>): ToolDefinition {
  const def: ToolDefinition = { name: String(tool.name) };
  for (const f of PINNED_FIELDS) {
    if (f === 'name') continue;
    const v = tool[f];
    if (v !== undefined && v !== null) def[f] = v;
  }
  return def;
}

export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export function hashDefinition(def: ToolDefinition): string {
  return sha256(canonicalJson(def));
}

/** The pinned fields whose canonical forms differ. */
export function changedFields(before: ToolDefinition, after: ToolDefinition): PinnedField[] {
  return PINNED_FIELDS.filter((f) => canonicalJson(before[f]) !== canonicalJson(after[f]));
}

/** Only the named fields of a definition (absent ones stay absent). */
export function pick(def: ToolDefinition, fields: readonly PinnedField[]): Partial<ToolDefinition> {
  const out: Partial<ToolDefinition> = {};
  for (const f of fields) if (def[f] !== undefined) (out as Record<string, unknown>)[f] = def[f];
  return out;
}

/** sha256 over the sorted per-tool hashes: one value naming a server's whole tool surface. */
export function serverHash(toolHashes: Iterable<[name: string, hash: string]>): string {
  const sorted = [...toolHashes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256(sorted.map(([n, h]) => `${n}\n${h}`).join('\n'));
}
