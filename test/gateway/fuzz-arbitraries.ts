// fast-check arbitraries for JSON-RPC traffic toward the gateway (shared by the fuzz tests).
import fc from 'fast-check';

const METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/roots/list_changed',
  'sampling/createMessage',
  '__proto__',
  'constructor',
  '',
];
const TOOL_NAMES = [
  'fx__echo',
  'fx__test_simple_text',
  'fx__test_error_handling',
  'fx__test_image_content',
  'everything__echo',
  'everything__get-sum',
  'memory__read_graph',
  'nope',
  '__',
];

const anyId = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.constant(null),
  fc.double(),
  fc.boolean(),
  fc.object(),
  fc.constant(undefined),
);
const params = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue(),
  fc.record(
    {
      name: fc.oneof(fc.constantFrom(...TOOL_NAMES), fc.jsonValue()),
      arguments: fc.oneof(fc.record({ text: fc.string() }), fc.jsonValue()),
      uri: fc.oneof(
        fc.constantFrom('test://static-text', 'gridctl:fx/test://static-text', 'gridctl:', 'x'),
        fc.jsonValue(),
      ),
      cursor: fc.oneof(fc.string(), fc.jsonValue()),
      level: fc.oneof(fc.constantFrom('debug', 'error', 'loud'), fc.jsonValue()),
      ref: fc.jsonValue(),
      requestId: anyId,
      _meta: fc.oneof(
        fc.record({ progressToken: fc.oneof(fc.string(), fc.integer(), fc.object()) }),
        fc.jsonValue(),
      ),
      protocolVersion: fc.oneof(fc.constantFrom('2025-06-18', '2024-11-05'), fc.string()),
    },
    { requiredKeys: [] },
  ),
);
export const message = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue()),
    id: anyId,
    method: fc.oneof(fc.constantFrom(...METHODS), fc.string(), fc.jsonValue()),
    params,
    result: fc.jsonValue(),
    error: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
export function isRpcResponse(v: unknown): boolean {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  if (o.jsonrpc !== '2.0' || !('id' in o)) return false;
  if ('error' in o) {
    const e = o.error as { code?: unknown; message?: unknown };
    return typeof e?.code === 'number' && typeof e.message === 'string';
  }
  return 'result' in o;
}
