// The 2026-07-28 Streamable HTTP header mirror, both directions: the Base64 sentinel for values
// that are not plain ASCII, and the `x-mcp-header` annotations that name arguments to mirror.

/** Task methods of the stateless era; each names its task by `params.taskId`. */
export const STATELESS_TASK_METHODS: ReadonlySet<string> = new Set([
  'tasks/get',
  'tasks/update',
  'tasks/cancel',
]);

/** The params field the Mcp-Name header mirrors for a method, or undefined when it has none. */
export function mcpNameField(method: string): 'name' | 'uri' | 'taskId' | undefined {
  if (method === 'tools/call' || method === 'prompts/get') return 'name';
  if (method === 'resources/read') return 'uri';
  return STATELESS_TASK_METHODS.has(method) ? 'taskId' : undefined;
}

/** The Base64 sentinel of header values that are not plain ASCII: `=?base64?...?=`. */
const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;
/** Visible ASCII, space and tab (RFC 9110 field values). */
const PLAIN = /^[\x20-\x7e\t]*$/;

/** A header value as the client meant it: Base64 sentinel decoded; undefined when malformed. */
export function decodeHeaderValue(raw: string): string | undefined {
  const v = raw.trim();
  // Only a value with both markers is encoded; without the suffix it is a literal.
  if (v.startsWith('=?base64?') && v.endsWith('?=') && v.length >= 11) {
    const m = SENTINEL.exec(v);
    // Strict: the alphabet and the padding (Node's decoder would accept either broken).
    if (!m || m[1]!.length % 4 !== 0) return undefined;
    return Buffer.from(m[1]!, 'base64').toString('utf8');
  }
  return PLAIN.test(v) ? v : undefined;
}

/** The header form of a value (the client side of the rule; used for upstream requests). */
export function encodeHeaderValue(v: string): string {
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(v) || v === '';
  return plain && !v.startsWith('=?base64?') ? v : `=?base64?${Buffer.from(v, 'utf8').toString('base64')}?=`;
}

/** `x-mcp-header` annotations of a tool's inputSchema: header name → property path. */
export function headerParams(inputSchema: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (schema: unknown, path: string[]) => {
    if (!schema || typeof schema !== 'object') return;
    const props = (schema as { properties?: unknown }).properties;
    if (!props || typeof props !== 'object') return;
    for (const [key, sub] of Object.entries(props as Record<string, unknown>)) {
      if (!sub || typeof sub !== 'object') continue;
      const name = (sub as Record<string, unknown>)['x-mcp-header'];
      if (typeof name === 'string' && name !== '') out.set(name.toLowerCase(), [...path, key]);
      walk(sub, [...path, key]);
    }
  };
  walk(inputSchema, []);
  return out;
}
