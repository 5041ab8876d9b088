// The errors the gateway's call path can give a client: each code once, with how it travels (an
// `isError` tool result the model reads, or a JSON-RPC error for the client program), its JSON-RPC
// code where it is one, and its message template. The other areas' codes are in the sibling tables
// (src/errors/index.ts lists them all); docs/errors.md shows every table and
// test/errors/catalogue.test.ts keeps the two in step.
import { ErrorCode, RpcError } from '../protocol/jsonrpc.js';

interface Entry {
  /** `result`: an isError tool result (readable by the model); `rpc`: a JSON-RPC error. */
  as: 'result' | 'rpc';
  /** JSON-RPC error code when `as` is rpc. */
  rpc?: number;
  /** `{name}` placeholders are filled from the fields given to callError/rpcError. */
  message: string;
}

export const CALL_ERRORS = {
  SCOPE_DENIED: {
    as: 'result',
    message:
      'Error: tool "{tool}" is not in this client\'s access scope (client "{client}"). Ask the stack\'s owner to add it to the client\'s profile under `clients:`.',
  },
  SCOPE_DENIED_ENTRY: {
    as: 'rpc',
    rpc: ErrorCode.InvalidParams,
    message: '{kind} "{name}" is not in this client\'s access scope (client "{client}")',
  },
  RATE_LIMITED: {
    as: 'result',
    message: 'Rate limit exceeded for {scope} "{key}": {rate} calls/min. Retry after ~{retry}s.',
  },
  GROUP_NOT_MEMBER: {
    as: 'result',
    message:
      'Tool "{tool}" is not in group "{group}". The group exposes {count} tool(s); list them with tools/list.',
  },
  GROUP_GONE: {
    as: 'result',
    message:
      'Error: group "{group}" no longer exists (removed from the stack); reconnect to /mcp or to another group',
  },
  TOOL_WITHHELD: {
    as: 'result',
    message:
      'Error: tool "{tool}" of server "{server}" is withheld: its definition changed since it was pinned (schema drift). Review the change with `gridctl pins diff {server}` and approve it with `gridctl pins approve {server}`.',
  },
  SERVER_UNAVAILABLE: { as: 'result', message: 'Error: {reason}' },
  SERVER_NEEDS_AUTH: {
    as: 'result',
    message:
      'Error: server "{server}" needs a sign-in before tool "{tool}" can run. Ask the stack\'s owner to run `gridctl auth login {server}`.',
  },
  UPSTREAM_FAILED: { as: 'result', message: 'Error calling tool "{tool}": {reason}' },
  UNKNOWN_TOOL: { as: 'rpc', rpc: ErrorCode.InvalidParams, message: 'Unknown tool: {tool}' },
  // The 2026-07-28 (stateless) era's request checks and rounds (src/gateway/era/).
  META_MISSING: {
    as: 'rpc',
    rpc: ErrorCode.InvalidParams,
    message:
      'Invalid params: params._meta must carry {missing} on every request of protocol version {version}',
  },
  HEADER_MISMATCH: { as: 'rpc', rpc: -32020, message: 'Header mismatch: {detail}' },
  UNSUPPORTED_VERSION: {
    as: 'rpc',
    rpc: -32022,
    message:
      'Unsupported protocol version "{requested}"; this gateway serves {modern} per request and {legacy} after initialize',
  },
  MISSING_CLIENT_CAPABILITY: {
    as: 'rpc',
    rpc: -32021,
    message:
      'server "{server}" needs the client capability "{capability}" ({method}) to complete {request}; declare it in _meta["io.modelcontextprotocol/clientCapabilities"]',
  },
  REQUEST_STATE_INVALID: {
    as: 'rpc',
    rpc: ErrorCode.InvalidParams,
    message: 'Invalid params: requestState {why}; send the request again without it',
  },
  ASK_UNATTRIBUTED: {
    as: 'rpc',
    rpc: ErrorCode.InternalError,
    message:
      'server "{server}" sent {method} while several clients had calls open on its shared connection, and named none of them; the gateway does not guess whose call asked. Give the server an http transport, or keep gateway.held_sessions on so each client has its own session',
  },
  METHOD_NOT_FOUND: { as: 'rpc', rpc: ErrorCode.MethodNotFound, message: 'Method not found: {method}' },
  TASKS_NOT_DECLARED: {
    as: 'rpc',
    rpc: -32021,
    message:
      '{method} needs the client capability extension "{extension}"; declare it in _meta["io.modelcontextprotocol/clientCapabilities"].extensions',
  },
  TASK_UNKNOWN: {
    as: 'rpc',
    rpc: ErrorCode.InvalidParams,
    message: 'Invalid params: unknown task "{task}" (not a taskId this gateway issued to this client)',
  },
} as const satisfies Record<string, Entry>;

export type CallErrorCode = keyof typeof CALL_ERRORS;

/** The `_meta` key that carries the stable code on an isError result. */
export const ERROR_META_KEY = 'io.gridctl/error';

export function formatMessage(code: CallErrorCode, fields: Record<string, string | number>): string {
  return CALL_ERRORS[code].message.replace(/\{(\w+)\}/g, (m, k: string) =>
    fields[k] === undefined ? m : String(fields[k]),
  );
}

/** An isError tool result for a `result` code: the text for the model, the code in `_meta`. */
export function callError(
  code: CallErrorCode,
  fields: Record<string, string | number>,
): { content: { type: 'text'; text: string }[]; isError: true; _meta: Record<string, unknown> } {
  return {
    content: [{ type: 'text', text: formatMessage(code, fields) }],
    isError: true,
    _meta: { [ERROR_META_KEY]: { code } },
  };
}

/**
 * A JSON-RPC error for an `rpc` code; `data.code` carries the stable code. `data` adds what the
 * specification puts there (e.g. `supported` of -32022, `requiredCapabilities` of -32021).
 */
export function rpcError(
  code: CallErrorCode,
  fields: Record<string, string | number>,
  data?: Record<string, unknown>,
): RpcError {
  const e: Entry = CALL_ERRORS[code];
  return new RpcError(e.rpc ?? ErrorCode.InternalError, formatMessage(code, fields), {
    code,
    ...fields,
    ...data,
  });
}
