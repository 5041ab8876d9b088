// Pieces shared by the HTTP-based upstreams (streamable HTTP and legacy SSE).
import { traceparentIn } from '../observability/trace-context.js';
import { ErrorCode, type RpcError } from '../protocol/jsonrpc.js';
import { messageOf, type RpcSession } from './session.js';

/** fetch(), with network failures turned into an RpcError that names the server and the URL. */
export async function fetchUpstream(
  session: RpcSession,
  url: string | URL,
  init: RequestInit,
): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    const why = cause ? messageOf(cause) : messageOf(err);
    throw session.error(ErrorCode.ConnectionClosed, `cannot reach ${String(url)}: ${why}`);
  }
}

/** An error for a non-2xx answer: the JSON-RPC error in the body when there is one, else the status. */
export async function httpError(session: RpcSession, res: Response, what: string): Promise<RpcError> {
  const body = await res.text().catch(() => '');
  if (res.status === 401 || res.status === 403) {
    return session.error(
      ErrorCode.InvalidRequest,
      `${what}: authentication required or refused (HTTP ${res.status})`,
      { status: res.status },
    );
  }
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown; data?: unknown } };
    const e = parsed.error;
    if (e && typeof e.code === 'number' && typeof e.message === 'string') {
      return session.error(e.code, `${e.message} (HTTP ${res.status})`, e.data);
    }
  } catch {
    // not JSON: fall through to the status line
  }
  const snippet = body.length > 300 ? `${body.slice(0, 300)}…` : body;
  return session.error(
    ErrorCode.InternalError,
    `${what}: HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`,
    {
      status: res.status,
    },
  );
}

export function isEventStream(res: Response): boolean {
  return (res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
}

/** The W3C trace context a message carries in `_meta` (set by the gateway's tracer), as a header. */
export function traceHeaders(msg: unknown): Record<string, string> {
  const tp = traceparentIn(msg);
  return tp ? { traceparent: tp } : {};
}
