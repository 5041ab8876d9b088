// The 2026-07-28 rules for a tool's `x-mcp-header` annotations (basic/transports/streamable-http,
// "Schema Extension"): a client on Streamable HTTP must leave out of tools/list any tool whose
// annotations break them, and should warn naming the tool and why. The gateway is that client
// toward its upstreams, and it serves the catalogue over Streamable HTTP whatever transport an
// upstream uses, so it drops such tools from every server.

type Obj = Record<string, unknown>;

export const TOOL_HEADER_INVALID = 'TOOL_HEADER_INVALID';

/** RFC 9110 field-name token (`1*tchar`); excludes control characters, CR and LF by itself. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVE = new Set(['string', 'integer', 'boolean']);
/** Keywords whose value maps names to subschemas (not properties: not statically reachable). */
const SCHEMA_MAPS = new Set(['$defs', 'definitions', 'patternProperties', 'dependentSchemas']);
/** Keywords whose value is data, never a schema: an `x-mcp-header` key inside is no annotation. */
const DATA = new Set(['const', 'enum', 'default', 'examples']);

/** Why the tool's `x-mcp-header` annotations are invalid, or undefined when they are fine. */
export function mcpHeaderProblem(inputSchema: unknown): string | undefined {
  const seen = new Map<string, string>();
  let problem: string | undefined;
  const where = (path: string[]) => (path.length === 0 ? 'the schema root' : path.join('.'));

  // `reachable`: got here through a chain of `properties` keys only (the root counts, but is no
  // parameter). `path` is that chain, or a JSON-pointer-like trail for anything else.
  const walk = (node: unknown, reachable: boolean, path: string[]): void => {
    if (problem || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) walk(n, false, [...path, String(i)]);
      return;
    }
    const schema = node as Obj;
    if (Object.hasOwn(schema, 'x-mcp-header')) {
      problem = check(schema, reachable && path.length > 0, path);
      if (problem) return;
    }
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'x-mcp-header' || DATA.has(k) || !v || typeof v !== 'object') continue;
      if ((k === 'properties' || SCHEMA_MAPS.has(k)) && !Array.isArray(v)) {
        const direct = reachable && k === 'properties';
        for (const [name, sub] of Object.entries(v as Obj)) {
          // A reachable property is named by its chain of keys (`where.zone`), anything else by its trail.
          walk(sub, direct, direct ? [...path, name] : [...path, k, name]);
        }
      } else {
        walk(v, false, [...path, k]);
      }
    }
  };

  const check = (schema: Obj, isProperty: boolean, path: string[]): string | undefined => {
    const name = schema['x-mcp-header'];
    const at = where(path);
    if (!isProperty) {
      return `x-mcp-header at ${at} is not on a property reachable from the root through "properties" alone`;
    }
    if (typeof name !== 'string' || name === '') return `x-mcp-header of ${at} is not a non-empty string`;
    if (!TOKEN.test(name)) return `x-mcp-header "${shown(name)}" of ${at} is not an HTTP field-name token`;
    const type = schema.type;
    if (typeof type !== 'string' || !PRIMITIVE.has(type)) {
      return `x-mcp-header "${name}" is on ${at} of type ${JSON.stringify(type ?? null)} (only string, integer or boolean)`;
    }
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) return `x-mcp-header "${name}" of ${at} repeats the one of ${other}`;
    seen.set(name.toLowerCase(), at);
    return undefined;
  };

  walk(inputSchema, true, []);
  return problem;
}

/** Control characters shown escaped in a warning (a CR or LF would split the log line). */
function shown(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}
