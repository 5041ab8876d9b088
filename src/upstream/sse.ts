// The legacy HTTP+SSE transport (protocol 2024-11-05): GET opens an event stream whose first
// `endpoint` event names the URL to POST messages to; every server message arrives on the stream.

import { internal } from '../errors/coded.js';
import { ErrorCode, type JsonRpcMessage } from '../protocol/jsonrpc.js';
import { fetchUpstream, httpError, isEventStream, traceHeaders } from './http-common.js';
import { messageOf, RpcSession, type RpcSessionOptions } from './session.js';
import { SessionClient } from './session-client.js';
import { readSse, type SseEvent } from './sse-parser.js';
import type { UpstreamClient, UpstreamEvents, UpstreamInitOptions, UpstreamInitResult } from './types.js';

export interface SseUpstreamOptions extends RpcSessionOptions {
  /** The SSE stream URL (usually ending in /sse). */
  url: string;
  headers?: Record<string, string>;
  /** How long to wait for the `endpoint` event (default 30 s). */
  connectTimeoutMs?: number;
}

export class SseUpstream extends SessionClient implements UpstreamClient {
  readonly kind = 'sse' as const;
  readonly pid = undefined;
  private endpoint: URL | undefined;
  private readonly abort = new AbortController();
  private closing = false;

  constructor(
    name: string,
    private readonly opts: SseUpstreamOptions,
  ) {
    super(name);
  }

  async connect(events: UpstreamEvents, init: UpstreamInitOptions): Promise<UpstreamInitResult> {
    if (this.session) throw internal(`server "${this.name}": connect() called twice`);
    const session = new RpcSession(this.name, (msg) => this.post(msg), events, this.opts);
    this.session = session;
    try {
      await this.openStream(session);
      return await session.initialize(init);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.session?.close();
    // Dropping the stream is how this transport ends a session.
    this.abort.abort();
  }

  /** GET the stream and resolve once the server told us where to POST. */
  private async openStream(session: RpcSession): Promise<void> {
    const res = await fetchUpstream(session, this.opts.url, {
      method: 'GET',
      headers: { ...this.opts.headers, accept: 'text/event-stream' },
      signal: this.abort.signal,
    });
    if (!res.ok) throw await httpError(session, res, `GET ${this.opts.url}`);
    if (!isEventStream(res) || !res.body) {
      await res.body?.cancel();
      throw session.error(
        ErrorCode.InvalidRequest,
        `GET ${this.opts.url} did not answer with an event stream (content-type ${res.headers.get('content-type')})`,
      );
    }

    const timeoutMs = this.opts.connectTimeoutMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(session.error(ErrorCode.RequestTimeout, `no endpoint event within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onEvent = (e: SseEvent) => {
        if (e.event === 'endpoint') {
          if (this.endpoint) return;
          let endpoint: URL;
          try {
            endpoint = new URL(e.data, this.opts.url);
          } catch {
            clearTimeout(timer);
            reject(session.error(ErrorCode.InvalidRequest, `invalid endpoint "${e.data}"`));
            return;
          }
          // Never POST our traffic (and auth headers) to another origin than the one we trust.
          if (endpoint.origin !== new URL(this.opts.url).origin) {
            clearTimeout(timer);
            reject(session.error(ErrorCode.InvalidRequest, `endpoint ${endpoint.href} is on another origin`));
            return;
          }
          this.endpoint = endpoint;
          clearTimeout(timer);
          resolve();
          return;
        }
        if (e.event !== 'message' || e.data.length === 0) return;
        let msg: unknown;
        try {
          msg = JSON.parse(e.data);
        } catch {
          session.handleMessage(undefined);
          return;
        }
        session.handleMessage(msg);
      };
      readSse(res.body!, onEvent).then(
        () => {
          clearTimeout(timer);
          reject(session.error(ErrorCode.ConnectionClosed, 'event stream ended before the endpoint event'));
          if (!this.closing) session.close('event stream ended');
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(session.error(ErrorCode.ConnectionClosed, `event stream failed: ${messageOf(err)}`));
          if (!this.closing) session.close(`event stream failed: ${messageOf(err)}`);
        },
      );
    });
  }

  private async post(msg: JsonRpcMessage): Promise<void> {
    const session = this.session!;
    if (!this.endpoint) throw session.error(ErrorCode.ConnectionClosed, 'no endpoint yet');
    const res = await fetchUpstream(session, this.endpoint, {
      method: 'POST',
      headers: { ...this.opts.headers, 'content-type': 'application/json', ...traceHeaders(msg) },
      body: JSON.stringify(msg),
      signal: this.abort.signal,
    });
    if (!res.ok) throw await httpError(session, res, `POST ${'method' in msg ? msg.method : 'response'}`);
    // The answer comes on the stream; the body is only an acknowledgement.
    await res.body?.cancel();
  }
}
