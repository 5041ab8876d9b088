// The modern (2026-07-28) era toward clients: no initialize, no Mcp-Session-Id; every request
// carries its protocol version and client capabilities in `_meta`, mirrored into HTTP headers. This
// file decides which era a POST belongs to and runs the specified validation ladder; the gateway
// then serves the request through the same dispatch (and call pipeline) as a session request.
import { rpcError } from '../../errors/catalogue.js';
import type { JsonRpcId, JsonRpcRequest, RpcError } from '../../protocol/jsonrpc.js';
import { decodeHeaderValue, headerParams, mcpNameField } from '../../protocol/mcp-headers.js';
import { STATELESS_VERSIONS } from '../../protocol/versions.js';
import { MODERN_TASK_METHODS } from './tasks.js';

export const MODERN_VERSIONS = STATELESS_VERSIONS;
export const LATEST_MODERN = STATELESS_VERSIONS[STATELESS_VERSIONS.length - 1]!;

/** Reserved `_meta` keys of the modern era. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** The codes the 2026-07-28 specification allocates (-32020..-32099 is reserved to it). */
export const ModernCode = {
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022,
} as const;

/** Methods a modern client may call here; everything else (initialize, ping, ...) is a 404. */
export const MODERN_METHODS = new Set([
  'server/discover',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'completion/complete',
  'subscriptions/listen',
  // The MCP skills extension (SEP-2640), served by the skills registry.
  'skills/list',
  'skills/get',
  // The tasks extension (SEP-2663), routed to the owning upstream by ./tasks.ts.
  ...MODERN_TASK_METHODS,
]);

/** Results that carry caching hints (ttlMs, cacheScope). */
export const CACHEABLE = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/** What a validated modern request says about its client. */
export interface ModernMeta {
  protocolVersion: string;
  clientInfo: { name?: string; version?: string } | undefined;
  clientCapabilities: Record<string, unknown>;
  logLevel: string | undefined;
}

type Headers = Record<string, string | string[] | undefined>;

export interface Rejection {
  status: number;
  id: JsonRpcId | null;
  code: number;
  message: string;
  data?: unknown;
}

function header(h: Headers, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

function metaOf(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const m = params?._meta;
  return m && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : undefined;
}

/**
 * Whether a POST that is neither `initialize` nor on a session belongs to the modern era: its
 * `_meta` names a protocol version, it is `server/discover`, or its `MCP-Protocol-Version` header
 * is not a handshake-era version (a modern client with a broken `_meta` still gets the modern
 * errors, -32602 and friends, instead of "session required").
 */
export function isModern(
  headers: Headers,
  method: string,
  params: Record<string, unknown> | undefined,
  legacyVersions: readonly string[],
): boolean {
  const meta = metaOf(params);
  if (meta && META.protocolVersion in meta) return true;
  if (method === 'server/discover') return true;
  const v = header(headers, 'mcp-protocol-version');
  return v !== undefined && !legacyVersions.includes(v.trim());
}

/** The string form a tool argument takes in an `Mcp-Param-*` header; undefined: no header. */
function paramString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

function at(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function sameParam(header: string, body: unknown): boolean {
  const s = paramString(body);
  if (s === undefined) return false;
  if (typeof body === 'number') return Number(header) === body;
  return header === s;
}

const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/**
 * The ladder, in the order the specification's examples imply: required `_meta` fields (-32602),
 * then the header mirror (-32020), then the version (-32022), then the method (404, -32601). Every
 * rejection is HTTP 400 except the unknown method, and keeps the request id.
 */
export function validateModern(
  headers: Headers,
  msg: JsonRpcRequest,
  supported: readonly string[],
  toolSchema: (name: string) => unknown,
): { ok: true; meta: ModernMeta } | { ok: false; rejection: Rejection } {
  const id = msg.id;
  const reject = (status: number, e: RpcError) => ({
    ok: false as const,
    rejection: { status, id, code: e.code, message: e.message, data: e.data },
  });
  const params = msg.params;
  const meta = metaOf(params);
  const version = meta?.[META.protocolVersion];
  const caps = meta?.[META.clientCapabilities];
  const missing: string[] = [];
  if (typeof version !== 'string' || version === '') missing.push(META.protocolVersion);
  if (!caps || typeof caps !== 'object' || Array.isArray(caps)) missing.push(META.clientCapabilities);
  if (missing.length > 0) {
    return reject(
      400,
      rpcError(
        'META_MISSING',
        { missing: missing.map((k) => `"${k}"`).join(' and '), version: LATEST_MODERN },
        { missing },
      ),
    );
  }
  const v = version as string;
  const mismatch = (detail: string) => reject(400, rpcError('HEADER_MISMATCH', { detail }));
  const pv = header(headers, 'mcp-protocol-version');
  if (pv === undefined) return mismatch('the MCP-Protocol-Version header is required');
  if (pv.trim() !== v) {
    return mismatch(`MCP-Protocol-Version header "${pv.trim()}" does not match _meta protocolVersion "${v}"`);
  }
  const hm = header(headers, 'mcp-method');
  if (hm === undefined) return mismatch('the Mcp-Method header is required');
  if (hm.trim() !== msg.method) {
    return mismatch(`Mcp-Method header "${hm.trim()}" does not match body method "${msg.method}"`);
  }
  const nameField = mcpNameField(msg.method);
  if (nameField) {
    const raw = header(headers, 'mcp-name');
    if (raw === undefined) return mismatch(`the Mcp-Name header is required for ${msg.method}`);
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return mismatch('Mcp-Name header value is malformed');
    const body = params?.[nameField];
    if (decoded !== body) {
      return mismatch(`Mcp-Name header "${decoded}" does not match params.${nameField} "${String(body)}"`);
    }
  }
  if (msg.method === 'tools/call' && typeof params?.name === 'string') {
    const bad = checkParamHeaders(headers, toolSchema(params.name), params.arguments);
    if (bad) return mismatch(bad);
  }
  if (!supported.includes(v) || !MODERN_VERSIONS.includes(v)) {
    const legacy = supported.filter((s) => !MODERN_VERSIONS.includes(s)).join(', ');
    return reject(
      400,
      rpcError(
        'UNSUPPORTED_VERSION',
        { requested: v, modern: MODERN_VERSIONS.join(', '), legacy },
        { supported: [...supported] },
      ),
    );
  }
  if (!MODERN_METHODS.has(msg.method))
    return reject(404, rpcError('METHOD_NOT_FOUND', { method: msg.method }));
  const info = meta?.[META.clientInfo];
  const level = meta?.[META.logLevel];
  return {
    ok: true,
    meta: {
      protocolVersion: v,
      clientInfo: info && typeof info === 'object' ? (info as ModernMeta['clientInfo']) : undefined,
      clientCapabilities: caps as Record<string, unknown>,
      logLevel: typeof level === 'string' && LOG_LEVELS.includes(level) ? level : undefined,
    },
  };
}

/** `Mcp-Param-*` against the arguments, for the tool's `x-mcp-header` annotations. */
function checkParamHeaders(headers: Headers, schema: unknown, args: unknown): string | undefined {
  const annotated = headerParams((schema as { inputSchema?: unknown } | undefined)?.inputSchema);
  for (const [name, path] of annotated) {
    const raw = header(headers, `mcp-param-${name}`);
    const body = at(args, path);
    const expected = body === null ? undefined : body;
    if (raw === undefined) {
      if (expected !== undefined)
        return `the Mcp-Param-${name} header is required (argument ${path.join('.')})`;
      continue;
    }
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return `Mcp-Param-${name} header value is malformed`;
    if (expected === undefined || !sameParam(decoded, expected)) {
      return `Mcp-Param-${name} header "${decoded}" does not match argument ${path.join('.')}`;
    }
  }
  return undefined;
}

/** The `requiredCapabilities` object of a -32021 error for a server-to-client method. */
export function capabilityFor(method: string): string | undefined {
  if (method === 'sampling/createMessage') return 'sampling';
  if (method === 'elicitation/create') return 'elicitation';
  if (method === 'roots/list') return 'roots';
  return undefined;
}
