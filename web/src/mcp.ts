// A small MCP client over streamable HTTP, for the Tools view's "try it": the call goes through the
// gateway's /mcp endpoint exactly as any MCP client's would. initialize → notifications/initialized
// → tools/call; a 404 (session expired, gateway restarted) starts a new session once.
import { authHeaders, HttpError, reportUnauthorized } from './api.js';
import { SseParser } from './sse.js';

const PROTOCOL = '2025-06-18';
let session: string | undefined;
let opening: Promise<string> | undefined;
let nextId = 1;

export interface ContentItem {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  uri?: string;
  name?: string;
  resource?: { uri: string; mimeType?: string; text?: string; blob?: string };
  [k: string]: unknown;
}

export interface CallResult {
  content?: ContentItem[];
  structuredContent?: unknown;
  isError?: boolean;
  [k: string]: unknown;
}

export function resetMcp(): void {
  const old = session;
  session = undefined;
  opening = undefined;
  if (old)
    void fetch('/mcp', { method: 'DELETE', headers: { 'mcp-session-id': old, ...authHeaders() } }).catch(
      () => {},
    );
}

interface RpcResponse {
  id?: number | string;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

async function post(
  message: Record<string, unknown>,
  sid?: string,
): Promise<{ res: Response; reply?: RpcResponse }> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...authHeaders(),
  };
  if (sid) {
    headers['mcp-session-id'] = sid;
    headers['mcp-protocol-version'] = PROTOCOL;
  }
  const res = await fetch('/mcp', { method: 'POST', headers, body: JSON.stringify(message) });
  if (res.status === 401) {
    reportUnauthorized();
    throw new HttpError(401, 'the gateway needs a token');
  }
  if (!('id' in message) || res.status === 202) return { res };
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream') && res.body) {
    // The gateway switches to SSE when progress or logs come first; the response is the message
    // carrying our id.
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const ev of parser.push(value)) {
        const msg = JSON.parse(ev.data) as RpcResponse;
        if (msg.id === message.id && ('result' in msg || 'error' in msg)) {
          void reader.cancel();
          return { res, reply: msg };
        }
      }
    }
    return { res };
  }
  const text = await res.text();
  try {
    return { res, reply: JSON.parse(text) as RpcResponse };
  } catch {
    throw new HttpError(res.status, text || `HTTP ${res.status}`);
  }
}

async function open(): Promise<string> {
  const { res, reply } = await post({
    jsonrpc: '2.0',
    id: nextId++,
    method: 'initialize',
    params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'gridctl-ui', version: '1' } },
  });
  const sid = res.headers.get('mcp-session-id');
  if (!res.ok || !sid)
    throw new HttpError(res.status, reply?.error?.message ?? `initialize failed (HTTP ${res.status})`);
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, sid);
  return sid;
}

async function sessionId(): Promise<string> {
  if (session) return session;
  opening ??= open().then(
    (sid) => {
      session = sid;
      return sid;
    },
    (err) => {
      opening = undefined;
      throw err;
    },
  );
  return opening;
}

export async function request(method: string, params: Record<string, unknown>): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const sid = await sessionId();
    const { res, reply } = await post({ jsonrpc: '2.0', id: nextId++, method, params }, sid);
    if (res.status === 404 && attempt === 0) {
      session = undefined;
      opening = undefined;
      continue;
    }
    if (!reply) throw new HttpError(res.status, `no response from the gateway (HTTP ${res.status})`);
    if (reply.error)
      throw new HttpError(res.status, `${reply.error.message} (${reply.error.code})`, reply.error);
    return reply.result;
  }
}

export function callTool(name: string, args: Record<string, unknown>): Promise<CallResult> {
  return request('tools/call', { name, arguments: args }) as Promise<CallResult>;
}
