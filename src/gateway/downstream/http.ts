// Downstream transports on node:http: MCP streamable HTTP at /mcp (POST, GET, DELETE), legacy
// HTTP+SSE (GET /sse + POST /message?sessionId=), /health and /ready. The same transports serve
// tool groups at /groups/<name>/mcp and /groups/<name>/sse; the group is bound to the session when
// it is created. Bodies are parsed once; the core answers with a ready-made JSON string that is
// written as-is. Every route, /health and /ready included, passes the Host/Origin guard first.
//
// Client identity: `?client=<id>` on the endpoint URL, else the `X-Gridctl-Client-Id` header, else
// the client's clientInfo.name, bound to the session at initialize (pipeline/identity.ts). The URL
// wins because it is what the user wrote into that one client's configuration.
//
// Response mode for a POST request: the response is held until either the result is ready (then
// one JSON body, the common case) or something related to the request must reach the client first
// (progress, a log message, a sampling/elicitation request). In that case, if the client accepts
// text/event-stream, the response turns into an SSE stream carrying those messages and then the
// result. So clients pay for SSE only when it carries something.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactorOf } from '../../api/errors.js';
import {
  ErrorCode,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
} from '../../protocol/jsonrpc.js';
import { BATCH_VERSIONS, LATEST_PROTOCOL_VERSION, PROTOCOL_VERSIONS } from '../../protocol/versions.js';
import { tokenClientOf } from '../../security/inbound-auth.js';
import { isModern, MODERN_VERSIONS, type ModernMeta, validateModern } from '../era/stateless.js';
import { accessIdOf } from '../pipeline/identity.js';
import type { RequestGuard } from './origin.js';
import { openSse, Session, type SessionStore, sseEvent } from './session.js';

/** Session-era versions, newest first (the order initialize answers are chosen in). */
export const SUPPORTED_VERSIONS = [...PROTOCOL_VERSIONS].reverse();
export const LATEST_VERSION = LATEST_PROTOCOL_VERSION;
/** `/groups/<name>/mcp` or `/groups/<name>/sse`. */
const GROUP_PATH = /^\/groups\/([^/]+)\/(mcp|sse)$/;

export interface McpCore {
  readonly sessions: SessionStore;
  readonly guard: RequestGuard;
  readonly maxBodyBytes: number;
  readonly maxBatch: number;
  /** Whether a tool group of that name exists now (checked before any MCP handling). */
  hasGroup(name: string): boolean;
  initialize(session: Session, params: Record<string, unknown> | undefined): unknown;
  /** Serve one request; resolves with the serialised response. Never rejects. */
  /** `traceparent`: the W3C trace context header of the HTTP request that carried `msg`. */
  handleRequest(
    session: Session,
    msg: JsonRpcRequest,
    push: (json: string) => boolean,
    traceparent?: string,
  ): Promise<string>;
  handleNotification(session: Session, msg: JsonRpcNotification): void;
  /** Every version the endpoint serves, modern first (server/discover, -32022's `supported`). */
  readonly allVersions: readonly string[];
  /** A tool's listed definition by exposed name (its `x-mcp-header` annotations). */
  toolDefinition(name: string, group: string | undefined): unknown;
  /** Serve one modern-era request on its stand-in session: the HTTP status and the response. */
  handleStateless(
    session: Session,
    msg: JsonRpcRequest,
    meta: ModernMeta,
    push: (json: string) => boolean,
  ): Promise<{ status: number; json: string }>;
  /** Count a stateless client's request (status lists the client) until the returned call. */
  noteStateless(session: Session, listen: boolean): () => void;
  /** Serve a subscriptions/listen request: the response is the stream of what it asked for. */
  listen(session: Session, msg: JsonRpcRequest, res: ServerResponse): Promise<void>;
  health(): { status: number; body: unknown };
  ready(): { status: number; body: unknown };
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

export function errorJson(id: JsonRpcId | null, code: number, message: string, data?: unknown): string {
  const error = data === undefined ? { code, message } : { code, message, data };
  return JSON.stringify({ jsonrpc: '2.0', id, error });
}

function sendJson(res: ServerResponse, status: number, json: string, headers: Record<string, string> = {}) {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  // The one exit of JSON bodies: a failure reason quoting a stored secret leaves redacted.
  const body = redactorOf(res)(json);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}) {
  res.writeHead(status, headers);
  res.end();
}

type Classified =
  | { kind: 'request'; msg: JsonRpcRequest }
  | { kind: 'notification'; msg: JsonRpcNotification }
  | { kind: 'response'; msg: Record<string, unknown> }
  | { kind: 'invalid'; id: JsonRpcId | null; code: number; message: string };

function validId(id: unknown): id is JsonRpcId {
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/** Shape checks only (no payload validation): enough to route and answer. */
export function classify(m: unknown): Classified {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    return {
      kind: 'invalid',
      id: null,
      code: ErrorCode.InvalidRequest,
      message: 'Invalid Request: not an object',
    };
  }
  const o = m as Record<string, unknown>;
  const id = validId(o.id) ? o.id : null;
  if (o.jsonrpc !== '2.0') {
    return {
      kind: 'invalid',
      id,
      code: ErrorCode.InvalidRequest,
      message: 'Invalid Request: jsonrpc must be "2.0"',
    };
  }
  if ('method' in o) {
    if (typeof o.method !== 'string' || o.method === '') {
      return {
        kind: 'invalid',
        id,
        code: ErrorCode.InvalidRequest,
        message: 'Invalid Request: method must be a string',
      };
    }
    if (
      o.params !== undefined &&
      (o.params === null || typeof o.params !== 'object' || Array.isArray(o.params))
    ) {
      return {
        kind: 'invalid',
        id,
        code: ErrorCode.InvalidParams,
        message: 'Invalid params: must be an object',
      };
    }
    if (o.id === undefined) return { kind: 'notification', msg: o as unknown as JsonRpcNotification };
    if (!validId(o.id)) {
      return {
        kind: 'invalid',
        id: null,
        code: ErrorCode.InvalidRequest,
        message: 'Invalid Request: id must be a string or a number',
      };
    }
    return { kind: 'request', msg: o as unknown as JsonRpcRequest };
  }
  if (('result' in o || 'error' in o) && (validId(o.id) || o.id === null))
    return { kind: 'response', msg: o };
  return { kind: 'invalid', id, code: ErrorCode.InvalidRequest, message: 'Invalid Request: no method' };
}

/** A POST's response: JSON unless something must be streamed before the result. */
class PostResponse {
  private sse = false;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly acceptsSse: boolean,
  ) {}

  readonly push = (json: string): boolean => {
    if (this.done || !this.acceptsSse || this.res.destroyed) return false;
    if (!this.sse) {
      openSse(this.res);
      this.sse = true;
    }
    return sseEvent(this.res, json);
  };

  finish(json: string, status = 200): void {
    if (this.done) return;
    this.done = true;
    if (this.sse) {
      sseEvent(this.res, json);
      this.res.end();
    } else {
      sendJson(this.res, status, json);
    }
  }
}

/** The explicit client id of a request: `?client=` wins over `X-Gridctl-Client-Id`. */
const traceHeader = (req: IncomingMessage): string | undefined => {
  const v = req.headers.traceparent;
  return typeof v === 'string' ? v : undefined;
};

export function explicitClientId(req: IncomingMessage, url: URL): string | undefined {
  // A token bound to a client (gateway.auth.client_tokens) decides: the client cannot claim another id.
  const bound = tokenClientOf(req);
  if (bound) return bound;
  const q = url.searchParams.get('client');
  if (q?.trim()) return q;
  const h = req.headers['x-gridctl-client-id'];
  return typeof h === 'string' && h.trim() ? h : undefined;
}

function clientNameOf(params: Record<string, unknown> | undefined): string | undefined {
  const info = params?.clientInfo;
  if (!info || typeof info !== 'object') return undefined;
  const name = (info as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

export function createHandler(core: McpCore) {
  /** Legacy SSE sessions: the explicit id of their GET /sse, applied at initialize on /message. */
  const legacyExplicit = new WeakMap<Session, string | undefined>();

  const forbidden = (res: ServerResponse, what: string, probe: boolean) =>
    probe
      ? sendJson(res, 403, JSON.stringify({ error: `Forbidden: ${what}` }))
      : sendJson(res, 403, errorJson(null, ErrorCode.ConnectionClosed, `Forbidden: ${what}`));

  const cors = (req: IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    return {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Expose-Headers': 'Mcp-Session-Id, MCP-Protocol-Version',
      Vary: 'Origin',
    };
  };

  const lookup = (req: IncomingMessage, res: ServerResponse, id: JsonRpcId | null): Session | undefined => {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid !== 'string' || sid === '') {
      sendJson(
        res,
        400,
        errorJson(id, ErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header required'),
      );
      return undefined;
    }
    const s = core.sessions.get(sid);
    if (!s || s.legacy) {
      sendJson(
        res,
        404,
        errorJson(id, ErrorCode.InvalidRequest, 'Session not found (unknown or expired); initialize again'),
      );
      return undefined;
    }
    const v = req.headers['mcp-protocol-version'];
    if (typeof v === 'string' && !SUPPORTED_VERSIONS.includes(v)) {
      sendJson(
        res,
        400,
        errorJson(id, ErrorCode.InvalidRequest, `Bad Request: unsupported MCP-Protocol-Version "${v}"`, {
          supported: SUPPORTED_VERSIONS,
        }),
      );
      return undefined;
    }
    s.touch();
    return s;
  };

  const readJson = async (
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ ok: true; value: unknown } | { ok: false }> => {
    let body: Buffer;
    try {
      body = await readBody(req, core.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        sendJson(
          res,
          413,
          errorJson(
            null,
            ErrorCode.InvalidRequest,
            `Request body exceeds the limit of ${core.maxBodyBytes} bytes`,
          ),
          { Connection: 'close' },
        );
      } else if (!res.headersSent) {
        sendJson(res, 400, errorJson(null, ErrorCode.ParseError, 'Parse error: could not read the body'));
      }
      return { ok: false };
    }
    try {
      return { ok: true, value: JSON.parse(body.toString('utf8')) };
    } catch {
      sendJson(res, 400, errorJson(null, ErrorCode.ParseError, 'Parse error: body is not valid JSON'));
      return { ok: false };
    }
  };

  const createSession = (
    res: ServerResponse,
    legacy: boolean,
    id: JsonRpcId | null,
    group: string | undefined,
    accessId: string,
  ): Session | undefined => {
    const s = core.sessions.create(legacy, accessId);
    if (s instanceof Session) {
      s.group = group;
      return s;
    }
    sendJson(res, s.status, errorJson(id, ErrorCode.ConnectionClosed, s.message, s.data), {
      'Retry-After': String(s.retryAfter),
    });
    return undefined;
  };

  const postMcp = async (req: IncomingMessage, res: ServerResponse, url: URL, group?: string) => {
    const parsed = await readJson(req, res);
    if (!parsed.ok) return;
    const value = parsed.value;
    const accept = String(req.headers.accept ?? '');
    const acceptsSse = accept.includes('text/event-stream');
    if (Array.isArray(value)) return postBatch(req, res, value);
    const c = classify(value);
    if (c.kind === 'invalid') return sendJson(res, 400, errorJson(c.id, c.code, c.message));
    // A request carrying the modern `_meta` is served statelessly, initialize included (a 404 there).
    const modern =
      c.kind !== 'response' &&
      req.headers['mcp-session-id'] === undefined &&
      isModern(req.headers, c.msg.method, c.msg.params, SUPPORTED_VERSIONS);
    if (modern) {
      // Modern era: no session. A notification has nothing to answer (cancellation is closing
      // the request's stream).
      if (c.kind === 'notification') return sendEmpty(res, 202, cors(req));
      if (c.kind === 'request') return postStateless(req, res, url, group, c.msg, acceptsSse);
    }
    if (c.kind === 'request' && c.msg.method === 'initialize') {
      const accessId = accessIdOf(explicitClientId(req, url), clientNameOf(c.msg.params));
      const session = createSession(res, false, c.msg.id, group, accessId);
      if (!session) return;
      let body: string;
      try {
        body = JSON.stringify({
          jsonrpc: '2.0',
          id: c.msg.id,
          result: core.initialize(session, c.msg.params),
        });
      } catch (err) {
        session.close();
        return sendJson(res, 200, errorJson(c.msg.id, ErrorCode.InvalidParams, (err as Error).message));
      }
      return sendJson(res, 200, body, { 'Mcp-Session-Id': session.id, ...cors(req) });
    }
    const session = lookup(req, res, c.kind === 'request' ? c.msg.id : null);
    if (!session) return;
    if (c.kind === 'notification') {
      core.handleNotification(session, c.msg);
      return sendEmpty(res, 202, cors(req));
    }
    if (c.kind === 'response') {
      session.answer(c.msg);
      return sendEmpty(res, 202, cors(req));
    }
    for (const [k, v] of Object.entries(cors(req))) res.setHeader(k, v);
    const out = new PostResponse(res, acceptsSse);
    out.finish(await core.handleRequest(session, c.msg, out.push, traceHeader(req)));
    session.touch(); // a long call ends now: its session was in use until this moment
  };

  const postStateless = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    group: string | undefined,
    msg: JsonRpcRequest,
    acceptsSse: boolean,
  ) => {
    const checked = validateModern(req.headers, msg, core.allVersions, (name) =>
      core.toolDefinition(name, group),
    );
    if (!checked.ok) {
      const r = checked.rejection;
      return sendJson(res, r.status, errorJson(r.id, r.code, r.message, r.data), cors(req));
    }
    const meta = checked.meta;
    // A stand-in for the pipeline (identity, scope, group, capabilities), never stored.
    const session = new Session(false, () => {});
    session.stateless = true;
    session.protocolVersion = meta.protocolVersion;
    session.clientInfo = meta.clientInfo ?? {};
    session.clientCapabilities = meta.clientCapabilities;
    session.logLevel = meta.logLevel;
    session.group = group;
    session.accessId = accessIdOf(explicitClientId(req, url), meta.clientInfo?.name);
    // Closing the response stream is the cancellation of the request (upstream too).
    const seen = core.noteStateless(session, msg.method === 'subscriptions/listen');
    res.on('close', () => {
      seen();
      if (!res.writableFinished) session.close();
    });
    for (const [k, v] of Object.entries(cors(req))) res.setHeader(k, v);
    if (msg.method === 'subscriptions/listen') return core.listen(session, msg, res);
    const out = new PostResponse(res, acceptsSse);
    try {
      const r = await core.handleStateless(session, msg, meta, out.push);
      out.finish(r.json, r.status);
    } finally {
      seen();
    }
  };

  const postBatch = async (req: IncomingMessage, res: ServerResponse, items: unknown[]) => {
    if (items.length === 0) {
      return sendJson(res, 400, errorJson(null, ErrorCode.InvalidRequest, 'Invalid Request: empty batch'));
    }
    if (items.length > core.maxBatch) {
      return sendJson(
        res,
        400,
        errorJson(
          null,
          ErrorCode.InvalidRequest,
          `Invalid Request: batch of ${items.length} exceeds ${core.maxBatch}`,
        ),
      );
    }
    const session = lookup(req, res, null);
    if (!session) return;
    if (!BATCH_VERSIONS.has(session.protocolVersion)) {
      return sendJson(
        res,
        400,
        errorJson(
          null,
          ErrorCode.InvalidRequest,
          `Invalid Request: JSON-RPC batches are not supported in protocol version ${session.protocolVersion}`,
        ),
      );
    }
    const answers: Promise<string>[] = [];
    for (const item of items) {
      const c = classify(item);
      if (c.kind === 'invalid') answers.push(Promise.resolve(errorJson(c.id, c.code, c.message)));
      else if (c.kind === 'notification') core.handleNotification(session, c.msg);
      else if (c.kind === 'response') session.answer(c.msg);
      else if (c.msg.method === 'initialize') {
        answers.push(
          Promise.resolve(
            errorJson(c.msg.id, ErrorCode.InvalidRequest, 'initialize must not be part of a batch'),
          ),
        );
      } else answers.push(core.handleRequest(session, c.msg, (j) => session.push(j), traceHeader(req)));
    }
    if (answers.length === 0) return sendEmpty(res, 202);
    sendJson(res, 200, `[${(await Promise.all(answers)).join(',')}]`);
    session.touch();
  };

  /** GET and DELETE are session operations: a modern client (no session) gets 405, as the spec says. */
  const modernSessionOp = (req: IncomingMessage, res: ServerResponse): boolean => {
    const v = req.headers['mcp-protocol-version'];
    if (
      req.headers['mcp-session-id'] !== undefined ||
      typeof v !== 'string' ||
      !MODERN_VERSIONS.includes(v.trim())
    )
      return false;
    sendJson(
      res,
      405,
      errorJson(
        null,
        ErrorCode.MethodNotFound,
        `${req.method} /mcp is a session operation; protocol version ${v.trim()} has no sessions (POST each request)`,
      ),
      { Allow: 'POST', ...cors(req) },
    );
    return true;
  };

  const getMcp = (req: IncomingMessage, res: ServerResponse) => {
    if (modernSessionOp(req, res)) return;
    if (!String(req.headers.accept ?? '').includes('text/event-stream')) {
      return sendJson(
        res,
        406,
        errorJson(null, ErrorCode.InvalidRequest, 'Not Acceptable: GET /mcp needs Accept: text/event-stream'),
      );
    }
    const session = lookup(req, res, null);
    if (!session) return;
    openSse(res, cors(req));
    session.attachStream(res);
  };

  const deleteMcp = (req: IncomingMessage, res: ServerResponse) => {
    if (modernSessionOp(req, res)) return;
    const session = lookup(req, res, null);
    if (!session) return;
    session.close();
    sendEmpty(res, 200, cors(req));
  };

  const getSse = (req: IncomingMessage, res: ServerResponse, url: URL, group?: string) => {
    const explicit = explicitClientId(req, url);
    // clientInfo comes later (initialize on /message); until then only the explicit id is known.
    const session = createSession(res, true, null, group, accessIdOf(explicit, undefined));
    if (!session) return;
    legacyExplicit.set(session, explicit);
    openSse(res, cors(req));
    session.attachStream(res);
    sseEvent(res, `/message?sessionId=${session.id}`, 'endpoint');
  };

  const postMessage = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const sid = url.searchParams.get('sessionId');
    if (!sid)
      return sendJson(
        res,
        400,
        errorJson(null, ErrorCode.InvalidRequest, 'Bad Request: sessionId query parameter required'),
      );
    const session = core.sessions.get(sid);
    if (!session?.legacy) {
      return sendJson(
        res,
        404,
        errorJson(null, ErrorCode.InvalidRequest, 'Session not found (unknown or closed)'),
      );
    }
    const parsed = await readJson(req, res);
    if (!parsed.ok) return;
    session.touch();
    const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    if (items.length === 0 || items.length > core.maxBatch) {
      return sendJson(res, 400, errorJson(null, ErrorCode.InvalidRequest, 'Invalid Request: bad batch size'));
    }
    const classified = items.map(classify);
    const firstBad = classified.find((c) => c.kind === 'invalid');
    if (items.length === 1 && firstBad?.kind === 'invalid') {
      return sendJson(res, 400, errorJson(firstBad.id, firstBad.code, firstBad.message));
    }
    sendEmpty(res, 202, cors(req));
    const push = (j: string) => session.push(j);
    for (const c of classified) {
      if (c.kind === 'invalid') push(errorJson(c.id, c.code, c.message));
      else if (c.kind === 'notification') core.handleNotification(session, c.msg);
      else if (c.kind === 'response') session.answer(c.msg);
      else if (c.msg.method === 'initialize') {
        const accessId = accessIdOf(legacyExplicit.get(session), clientNameOf(c.msg.params));
        const refused = core.sessions.bind(session, accessId);
        if (refused) {
          push(errorJson(c.msg.id, ErrorCode.ConnectionClosed, refused.message, refused.data));
          session.close();
          return;
        }
        try {
          push(
            JSON.stringify({ jsonrpc: '2.0', id: c.msg.id, result: core.initialize(session, c.msg.params) }),
          );
        } catch (err) {
          push(errorJson(c.msg.id, ErrorCode.InvalidParams, (err as Error).message));
        }
      } else
        void core.handleRequest(session, c.msg, push, traceHeader(req)).then((j) => {
          session.touch();
          push(j);
        });
    }
  };

  const boundTo = (req: IncomingMessage, group: string): boolean => {
    const sid = req.headers['mcp-session-id'];
    return typeof sid === 'string' && core.sessions.get(sid)?.group === group;
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    // The target is a path on our own origin: `new URL('//x', base)` would read x as a host name
    // (and throw on an empty one, turning `GET //` into a 500).
    const target = req.url ?? '/';
    const url = new URL(
      target.startsWith('/') ? `http://gateway.invalid${target}` : target,
      'http://gateway.invalid',
    );
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const probe = path === '/health' || path === '/ready';
    let isMcp = path === '/mcp';
    let group: string | undefined;
    let isSse = path === '/sse';
    if (!probe && !isMcp && !isSse && path !== '/message') {
      const m = GROUP_PATH.exec(path);
      if (!m) return sendJson(res, 404, JSON.stringify({ error: `not found: ${path}` }));
      group = m[1]!;
      isMcp = m[2] === 'mcp';
      isSse = !isMcp;
    }
    // Probes too: a DNS-rebinding page must not read which servers failed.
    if (!core.guard.hostAllowed(req.headers.host))
      return forbidden(res, `Host "${req.headers.host}" is not allowed`, probe);
    if (!core.guard.originAllowed(req.headers.origin))
      return forbidden(res, `Origin "${req.headers.origin}" is not allowed`, probe);
    if (probe) {
      if (method !== 'GET' && method !== 'HEAD') return sendEmpty(res, 405, { Allow: 'GET, HEAD' });
      const r = path === '/health' ? core.health() : core.ready();
      return sendJson(res, r.status, JSON.stringify(r.body));
    }
    if (group !== undefined && !core.hasGroup(group) && !boundTo(req, group)) {
      // Before any MCP handling, so no session is created. Sessions opened on a group that a
      // reload removed still get through, and are told the group no longer exists.
      return sendJson(res, 404, JSON.stringify({ error: `unknown group "${group}"` }));
    }
    if (method === 'OPTIONS') {
      return sendEmpty(res, 204, {
        ...cors(req),
        'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
        'Access-Control-Allow-Headers': [
          'Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID, X-Gridctl-Client-Id',
          // Mcp-Param-<name> headers are named by the tools, so the ones asked for are allowed.
          ...String(req.headers['access-control-request-headers'] ?? '')
            .split(',')
            .map((h) => h.trim())
            .filter((h) => /^mcp-param-[\w-]+$/i.test(h)),
        ].join(', '),
        'Access-Control-Max-Age': '600',
      });
    }
    if (isMcp) {
      if (method === 'POST') return postMcp(req, res, url, group);
      if (method === 'GET') return getMcp(req, res);
      if (method === 'DELETE') return deleteMcp(req, res);
      return sendEmpty(res, 405, { Allow: 'GET, POST, DELETE, OPTIONS' });
    }
    if (isSse) return method === 'GET' ? getSse(req, res, url, group) : sendEmpty(res, 405, { Allow: 'GET' });
    return method === 'POST' ? postMessage(req, res, url) : sendEmpty(res, 405, { Allow: 'POST' });
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((err: unknown) => {
      // Last line of defence: answer, never crash the process.
      if (!res.headersSent)
        sendJson(
          res,
          500,
          errorJson(null, ErrorCode.InternalError, `Internal error: ${(err as Error)?.message ?? err}`),
        );
      else if (!res.writableEnded) res.end();
    });
  };
}
