// MCP streamable HTTP client: every message is a POST; answers come back as JSON or as an SSE
// stream on that POST; an optional GET stream carries server-initiated messages; DELETE ends the
// session. Uses the global fetch (undici) so connections are kept alive between calls.

import { internal } from '../errors/coded.js';
import { ErrorCode, type JsonRpcMessage } from '../protocol/jsonrpc.js';
import { encodeHeaderValue, headerParams, mcpNameField } from '../protocol/mcp-headers.js';
import { fetchUpstream, httpError, isEventStream, traceHeaders } from './http-common.js';
import { messageOf, RpcSession, type RpcSessionOptions } from './session.js';
import { SessionClient } from './session-client.js';
import { readSse } from './sse-parser.js';
import type {
  UpstreamAuth,
  UpstreamClient,
  UpstreamEvents,
  UpstreamInitOptions,
  UpstreamInitResult,
  UpstreamRequestOptions,
} from './types.js';

export interface StreamableHttpUpstreamOptions extends RpcSessionOptions {
  url: string;
  /** Sent on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** OAuth: a header per request, and a chance to sign in when the server answers 401. */
  auth?: UpstreamAuth;
}

/** How long to wait before re-opening a dropped stream when the server gives no `retry`. */
const DEFAULT_RETRY_MS = 1000;
const MAX_RESUME_ATTEMPTS = 5;

export class StreamableHttpUpstream extends SessionClient implements UpstreamClient {
  readonly kind = 'http' as const;
  readonly pid = undefined;
  private sessionId: string | undefined;
  /** Modern era: each request's own fetch, aborted to cancel it. */
  private readonly inflight = new Map<string, AbortController>();
  /** Modern era: per tool, the arguments its x-mcp-header annotations mirror into headers. */
  private readonly headerParams = new Map<string, Map<string, string[]>>();
  private readonly abort = new AbortController();
  private closing = false;

  constructor(
    name: string,
    private readonly opts: StreamableHttpUpstreamOptions,
  ) {
    super(name);
  }

  async connect(events: UpstreamEvents, init: UpstreamInitOptions): Promise<UpstreamInitResult> {
    if (this.session) throw internal(`server "${this.name}": connect() called twice`);
    const session = new RpcSession(this.name, (msg) => this.post(msg), events, this.opts);
    this.session = session;
    try {
      const result = await session.open(init, false);
      // The modern era has no GET stream (change notifications come from subscriptions/listen).
      if (!session.modern) this.openGetStream(undefined, 0);
      return result;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  override request(
    method: string,
    params: Record<string, unknown> | undefined,
    opts?: UpstreamRequestOptions,
  ): Promise<unknown> {
    const p = super.request(method, params, opts);
    // A modern server's tools name arguments to mirror into Mcp-Param-* headers (x-mcp-header).
    if (method === 'tools/list' && this.session?.modern) {
      return p.then((r) => {
        for (const t of ((r as { tools?: unknown[] })?.tools ?? []) as Array<Record<string, unknown>>) {
          if (typeof t?.name === 'string') this.headerParams.set(t.name, headerParams(t.inputSchema));
        }
        return r;
      });
    }
    return p;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.session?.close();
    this.abort.abort();
    if (this.sessionId && !this.session?.modern) {
      // Tell the server the session is over; a server that does not support it answers 405.
      await fetch(this.opts.url, {
        method: 'DELETE',
        headers: await this.authed(this.headers()),
        signal: AbortSignal.timeout(2000),
      })
        .then((res) => res.body?.cancel())
        .catch(() => {});
    }
  }

  private headers(extra?: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = { ...this.opts.headers, ...extra };
    const modern = this.session?.modern;
    if (modern) {
      h['mcp-protocol-version'] = modern.version;
      return h;
    }
    if (this.sessionId) h['mcp-session-id'] = this.sessionId;
    const version = this.session?.initResult?.protocolVersion;
    if (version) h['mcp-protocol-version'] = version;
    return h;
  }

  /** The modern era mirrors the method, the name and annotated arguments into headers. */
  private mirrored(msg: JsonRpcMessage): Record<string, string> {
    if (!this.session?.modern || !('method' in msg)) return {};
    const h: Record<string, string> = { 'mcp-method': msg.method };
    const p = (msg.params ?? {}) as Record<string, unknown>;
    const field = mcpNameField(msg.method);
    const name = field === undefined ? undefined : p[field];
    if (typeof name === 'string') h['mcp-name'] = encodeHeaderValue(name);
    if (msg.method === 'tools/call' && typeof p.name === 'string') {
      for (const [header, path] of this.headerParams.get(p.name) ?? []) {
        let v: unknown = p.arguments;
        for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
        const str =
          typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
        if (str !== undefined) h[`mcp-param-${header}`] = encodeHeaderValue(str);
      }
    }
    return h;
  }

  /** The headers plus the current Authorization from `auth`, if any. */
  private async authed(h: Record<string, string>): Promise<Record<string, string>> {
    const value = await this.opts.auth?.authorization().catch(() => undefined);
    return value ? { ...h, authorization: value } : h;
  }

  /** fetch with the auth hook: on a 401 it may sign in, and the request goes once more. */
  private async send(init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    const session = this.session!;
    const first = await fetchUpstream(session, this.opts.url, {
      ...init,
      headers: await this.authed(init.headers),
    });
    if (first.status !== 401 || !this.opts.auth) return first;
    await first.body?.cancel();
    // A failed sign-in (needs a person, token refused) is the request's error, with its code.
    await this.opts.auth.unauthorized(first).catch((err: unknown) => {
      const code = (err as { code?: string }).code;
      // A live session that now needs a person to sign in (grant revoked) is over: the gateway
      // reconnects it, and the reconnect shows `needs auth`.
      if (code === 'OAUTH_NEEDS_AUTH' && session.initResult && !this.closing) {
        setImmediate(() => session.close(messageOf(err)));
      }
      throw session.error(ErrorCode.InvalidRequest, messageOf(err), { status: 401, code });
    });
    return fetchUpstream(session, this.opts.url, { ...init, headers: await this.authed(init.headers) });
  }

  private async post(msg: JsonRpcMessage): Promise<void> {
    const session = this.session!;
    const modern = session.modern !== undefined;
    if (modern && 'method' in msg && msg.method === 'notifications/cancelled') {
      // Closing the request's response stream is the modern era's cancellation.
      this.inflight.get(String(msg.params?.requestId))?.abort();
      return;
    }
    const requestId = 'method' in msg && 'id' in msg ? msg.id : undefined;
    let signal = this.abort.signal;
    if (modern && requestId !== undefined) {
      const own = new AbortController();
      this.inflight.set(String(requestId), own);
      signal = AbortSignal.any([this.abort.signal, own.signal]);
    }
    const res = await this.send({
      method: 'POST',
      headers: this.headers({
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...traceHeaders(msg),
        ...this.mirrored(msg),
      }),
      body: JSON.stringify(msg),
      signal,
    }).catch((err: unknown) => {
      if (requestId !== undefined) this.inflight.delete(String(requestId));
      throw err;
    });
    const sid = res.headers.get('mcp-session-id');
    if (sid && !modern) this.sessionId = sid;

    if (!res.ok) {
      if (requestId !== undefined) this.inflight.delete(String(requestId));
      const err = await httpError(session, res, `POST ${msg && 'method' in msg ? msg.method : 'response'}`);
      if (res.status === 404 && this.sessionId && !this.closing) {
        // The server forgot our session: nothing sent on it can succeed any more.
        session.close(`session ${this.sessionId} expired or unknown to the server (HTTP 404)`);
      }
      throw err;
    }
    if (res.status === 202 || requestId === undefined) {
      if (requestId !== undefined) this.inflight.delete(String(requestId));
      await res.body?.cancel();
      return;
    }
    if (isEventStream(res) && res.body) {
      // Resolve now; the answer (and anything related to it) arrives on the stream.
      this.consumeRequestStream(res.body, requestId);
      return;
    }
    this.inflight.delete(String(requestId));
    const text = await res.text();
    if (text.length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw session.error(
        ErrorCode.ParseError,
        `invalid JSON in response to ${'method' in msg ? msg.method : ''}`,
      );
    }
    session.handleMessage(parsed, { relatedRequestId: requestId });
  }

  /** Messages on a POST's stream relate to that request; if it drops early, resume with Last-Event-ID. */
  private consumeRequestStream(body: ReadableStream<Uint8Array>, requestId: string | number): void {
    const session = this.session!;
    let lastEventId: string | undefined;
    let retryMs = DEFAULT_RETRY_MS;
    const onEvent = (e: { event: string; data: string; id?: string; retry?: number }) => {
      if (e.id !== undefined) lastEventId = e.id;
      if (e.retry !== undefined) retryMs = e.retry;
      this.dispatch(e, requestId);
    };
    const run = async () => {
      let stream: ReadableStream<Uint8Array> | undefined = body;
      for (let attempt = 0; stream; attempt++) {
        await readSse(stream, onEvent).catch(() => {});
        stream = undefined;
        if (this.closing || !session.hasPending(requestId)) return;
        if (lastEventId === undefined || attempt >= MAX_RESUME_ATTEMPTS) break;
        // The first resume goes at once: a server that closed the stream on purpose (polling)
        // has the answer ready, and waiting its `retry:` hint turns a fast call into a long hang.
        // Only a failed resume backs off.
        if (attempt > 0) await delay(retryMs, this.abort.signal);
        stream = await this.resume(lastEventId).catch(() => undefined);
      }
      session.failRequest(
        requestId,
        session.error(ErrorCode.ConnectionClosed, 'response stream ended before the response arrived'),
      );
    };
    run()
      .catch((err: unknown) =>
        session.failRequest(requestId, session.error(ErrorCode.InternalError, messageOf(err))),
      )
      .finally(() => this.inflight.delete(String(requestId)));
  }

  /** The optional GET stream for server-initiated messages; re-opened while the session lives. */
  private openGetStream(lastEventId: string | undefined, failures: number): void {
    const session = this.session!;
    const run = async () => {
      let lastId = lastEventId;
      let retryMs = DEFAULT_RETRY_MS;
      const headers = this.headers({ accept: 'text/event-stream' });
      if (lastId !== undefined) headers['last-event-id'] = lastId;
      const res = await this.send({
        method: 'GET',
        headers,
        signal: this.abort.signal,
      });
      if (res.status === 405 || res.status === 404 || !res.ok || !isEventStream(res) || !res.body) {
        // The server offers no GET stream: that is allowed; server messages then only ride on POSTs.
        await res.body?.cancel();
        return;
      }
      await readSse(res.body, (e) => {
        if (e.id !== undefined) lastId = e.id;
        if (e.retry !== undefined) retryMs = e.retry;
        this.dispatch(e, undefined);
      }).catch(() => {});
      if (this.closing || session.isClosed) return;
      await delay(retryMs, this.abort.signal);
      if (!this.closing) this.openGetStream(lastId, 0);
    };
    run().catch((err: unknown) => {
      if (this.closing || session.isClosed) return;
      // Unreachable: retry a few times, then report the server as gone.
      if (failures >= 3) session.close(messageOf(err));
      else
        delay(DEFAULT_RETRY_MS, this.abort.signal).then(() => this.openGetStream(lastEventId, failures + 1));
    });
  }

  private async resume(lastEventId: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const res = await this.send({
      method: 'GET',
      headers: this.headers({ accept: 'text/event-stream', 'last-event-id': lastEventId }),
      signal: this.abort.signal,
    });
    if (!res.ok || !isEventStream(res) || !res.body) {
      await res.body?.cancel();
      return undefined;
    }
    return res.body;
  }

  private dispatch(e: { event: string; data: string }, relatedRequestId: string | number | undefined): void {
    // Priming events (empty data) only carry an id for resumption.
    if (e.event !== 'message' || e.data.length === 0) return;
    let msg: unknown;
    try {
      msg = JSON.parse(e.data);
    } catch {
      this.session!.handleMessage(undefined);
      return;
    }
    this.session!.handleMessage(msg, relatedRequestId === undefined ? {} : { relatedRequestId });
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
