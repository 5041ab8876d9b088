// Fields the schema accepts but gridctl does not act on yet. They stay in the schema so that stack
// files written for the reference design load unchanged; a stack that sets one gets a NOT_IMPLEMENTED
// warning at validate and apply saying what happens instead, so nothing is silently ignored.
// docs/configuration.md ("Not implemented yet") lists the same fields, and
// test/config/fields.test.ts holds every schema path to this list or to the implemented one.
import { formatPath, type Path } from './path.js';

export interface NotImplemented {
  /**
   * Schema path where the warning points: dotted keys, `[]` for a list entry, `*` for a map key
   * (`mcp-servers[].protocol_generation`, `groups.*.x`). Covers everything below it.
   */
  path: string;
  /** Further schema paths this entry accounts for (warned through `path`). */
  covers?: readonly string[];
  /** How the field reads in the message when only some values act (e.g. "`code_mode: on`"). */
  label?: string;
  /** What happens instead; completes "<field> is not implemented yet: …". */
  instead: string;
  /**
   * Whether the value that was set would act (`parent`: the mapping that holds it, e.g. the server);
   * default: any value. Defaults never warn, since they are not set.
   */
  acts?: (value: unknown, parent: Record<string, unknown>) => boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

export const NOT_IMPLEMENTED: readonly NotImplemented[] = [
  {
    path: 'gateway.tracing.include_infra',
    acts: (v) => v === true,
    label: '`include_infra: true`',
    instead: 'only gridctl records spans (there is no other instrumentation whose spans could be included)',
  },
  {
    path: 'mcp-servers[].source.auth.ssh_user',
    instead: 'git connects as the user in the source URL (e.g. git@host:org/repo.git)',
  },
  {
    path: 'model_preferences',
    instead: 'it is ignored',
  },
  {
    path: 'limits.budgets',
    instead: 'it is ignored (a legacy field of the reference, which ignores it too)',
  },
];

/** A place in the data: its path, its value, and the mapping that holds it. */
interface Found {
  path: Path;
  value: unknown;
  parent: Record<string, unknown>;
}

/** Every place in `data` that a schema path names (set ones only). */
export function instancesOf(data: unknown, schemaPath: string): Found[] {
  let found: Found[] = [{ path: [], value: data, parent: {} }];
  for (const seg of parseSchemaPath(schemaPath)) {
    const next: Found[] = [];
    for (const { path, value } of found) {
      if (seg === '[]') {
        if (!Array.isArray(value)) continue;
        for (const [i, v] of value.entries()) next.push({ path: [...path, i], value: v, parent: {} });
      } else if (isObj(value)) {
        for (const k of seg === '*' ? Object.keys(value) : [seg]) {
          if (value[k] !== undefined) next.push({ path: [...path, k], value: value[k], parent: value });
        }
      }
    }
    found = next;
  }
  return found;
}

/** `mcp-servers[].auth.type` → ['mcp-servers', '[]', 'auth', 'type']. */
export function parseSchemaPath(schemaPath: string): string[] {
  return schemaPath.split('.').flatMap((part) => {
    const list = part.endsWith('[]');
    const key = list ? part.slice(0, -2) : part;
    return list ? [key, '[]'] : [key];
  });
}

export type NotImplementedReport = (path: Path, message: string, hint: string) => void;

/** One NOT_IMPLEMENTED warning per set field (or block) that would act. */
export function checkNotImplemented(data: unknown, report: NotImplementedReport): void {
  for (const entry of NOT_IMPLEMENTED) {
    for (const { path, value, parent } of instancesOf(data, entry.path)) {
      if (entry.acts && !entry.acts(value, parent)) continue;
      // The field has the full place; a field inside a server or a map is named by its key.
      const name = /\[\]|\*/.test(entry.path) ? String(path.at(-1)) : formatPath(path);
      const label = entry.label ?? `\`${name}\``;
      report(
        path,
        `${label} is not implemented yet: ${entry.instead}`,
        'it is accepted so that stack files written for the reference load; remove it to silence this warning',
      );
    }
  }
}
