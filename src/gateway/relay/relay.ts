// The relay: which downstream request each upstream message belongs to, and the requests sent
// upstream on a client's behalf (cancellation, progress, attribution, input_required rounds).
// The gateway owns the servers, sessions and subscriptions; the relay reads them through RelayDeps.
import { rpcError } from '../../errors/catalogue.js';
import type { Logger } from '../../logging/logger.js';
import { traced, type UpstreamEvent, upstreamChannel } from '../../observability/channels.js';
import { withTraceparent } from '../../observability/trace-context.js';
import {
  ErrorCode,
  type JsonRpcNotification,
  type JsonRpcRequest,
  RpcError,
} from '../../protocol/jsonrpc.js';
import type { UpstreamMessageContext, UpstreamRequestOptions } from '../../upstream/types.js';
import type { Obj } from '../catalogue/catalog.js';
import type { InFlight, Session } from '../downstream/session.js';
import { askStateless } from '../era/ask.js';
import { capabilityFor } from '../era/stateless.js';
import type { ManagedServer } from '../servers/managed-server.js';

export interface RelayDeps {
  /** Who publishes on the upstream channel (the gateway: observers keep gateways apart by it). */
  source: object;
  servers: ReadonlyMap<string, ManagedServer>;
  sessions: { all(): Iterable<Session> };
  /** `server\0uri` → subscribed sessions (the gateway's; the relay delivers and drops). */
  subscribers: Map<string, Set<Session>>;
  /** A server's resource URI as clients see it. */
  exposeUri(server: string, uri: string): string;
  broadcast(json: string, filter?: (s: Session) => boolean): void;
  log: Logger | undefined;
}

export class Relay {
  /** Upstream request id → the downstream request it serves (per server). */
  private readonly byUpstreamId = new Map<string, Map<string, InFlight>>();
  /** Requests in flight per server, oldest first (for routing unattributed server messages). */
  private readonly inflightByServer = new Map<string, Set<InFlight>>();

  constructor(private readonly deps: RelayDeps) {}

  /**
   * Send a request upstream on behalf of `f`. A modern server answering input_required to a
   * session client is answered here: its questions go to the client as real requests on the
   * session, and the request is retried with the answers (a bounded number of rounds).
   */
  async forward(
    f: InFlight,
    s: ManagedServer,
    method: string,
    params: Record<string, unknown>,
  ): Promise<unknown> {
    let result = await this.forwardOnce(f, s, method, params);
    for (let round = 1; !f.session.stateless && isInputRequired(result); round++) {
      if (round > MAX_INPUT_ROUNDS) {
        throw new RpcError(
          ErrorCode.InternalError,
          `server "${s.name}" still asked for input after ${MAX_INPUT_ROUNDS} rounds of ${method}`,
        );
      }
      const asked = (result.inputRequests ?? {}) as Record<string, { method?: unknown; params?: Obj }>;
      const answers: Obj = {};
      for (const [key, q] of Object.entries(asked)) {
        const m = String(q?.method ?? '');
        const cap = capabilityFor(m);
        if (cap && f.session.clientCapabilities[cap] === undefined) {
          throw new RpcError(
            ErrorCode.InvalidRequest,
            `server "${s.name}" needs the client capability "${cap}" (${m}) to complete ${method}, and this client did not declare it`,
          );
        }
        answers[key] = await f.session.request(m, q?.params, s.timeoutMs, f);
      }
      const { requestState: _old, ...rest } = params;
      params = {
        ...rest,
        inputResponses: answers,
        ...(typeof result.requestState === 'string' ? { requestState: result.requestState } : {}),
      };
      result = await this.forwardOnce(f, s, method, params);
    }
    return result;
  }

  /** One request upstream on behalf of `f`: cancellation, progress and attribution wired. */
  forwardOnce(
    f: InFlight,
    s: ManagedServer,
    method: string,
    params: Record<string, unknown>,
  ): Promise<unknown> {
    if (!s.healthy) return Promise.reject(s.unavailableError());
    f.server = s.name;
    let set = this.inflightByServer.get(s.name);
    if (!set) {
      set = new Set();
      this.inflightByServer.set(s.name, set);
    }
    set.add(f);
    const opts: UpstreamRequestOptions = {
      signal: f.abort.signal,
      onRequestId: (id) => {
        let m = this.byUpstreamId.get(s.name);
        if (!m) {
          m = new Map();
          this.byUpstreamId.set(s.name, m);
        }
        m.set(String(id), f);
        f.upstreamId = String(id);
      },
    };
    const token = (params._meta as Obj | undefined)?.progressToken;
    if (typeof token === 'string' || typeof token === 'number') {
      opts.onProgress = (pp) => {
        const json = JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { ...pp, progressToken: token },
        });
        if (!f.push(json)) f.session.push(json);
      };
    }
    // The session: replica affinity. A tracer continues the trace upstream through `_meta`.
    return traced(
      upstreamChannel,
      (): UpstreamEvent => ({
        source: this.deps.source,
        f,
        server: s.name,
        method,
        startedAt: performance.now(),
      }),
      (ev) => {
        if (ev)
          opts.onReplica = (replica) =>
            Object.assign(ev, { replica, pickedAt: performance.timeOrigin + performance.now() });
        const sent = withTraceparent(params, ev?.traceparent);
        // A stateless client's call that may ask it mid-call: on the session held for its principal.
        if (f.session.stateless && f.ask)
          return s.requestHeld(f.session.accessId, method, sent, opts, f.session);
        return s.request(method, sent, opts, f.session);
      },
    );
  }

  untrack(f: InFlight): void {
    if (!f.server) return;
    this.inflightByServer.get(f.server)?.delete(f);
    const uid = f.upstreamId;
    if (uid !== undefined) {
      const m = this.byUpstreamId.get(f.server);
      if (m?.get(uid) === f) m.delete(uid);
    }
  }

  sessionClosed(session: Session): void {
    for (const key of session.subscriptions) {
      const set = this.deps.subscribers.get(key);
      if (set?.delete(session) && set.size === 0) {
        this.deps.subscribers.delete(key);
        const [server, uri] = key.split('\0') as [string, string];
        this.deps.servers
          .get(server)
          ?.request('resources/unsubscribe', { uri })
          .catch(() => {});
      }
    }
    session.subscriptions.clear();
  }

  /**
   * The downstream request an upstream message belongs to: by id when the transport carries it
   * (an HTTP response stream, a held session), else the newest call open on the shared connection,
   * but only while those calls are all one principal's: a question from a stdio server with two
   * clients' calls open could be either's, and guessing would hand one client's prompt, or its
   * answer, to the other. `ambiguous` then, and the message is refused or dropped.
   */
  private related(s: ManagedServer, ctx: UpstreamMessageContext): InFlight | 'ambiguous' | undefined {
    if (ctx.relatedRequestId !== undefined) {
      const f = this.byUpstreamId.get(s.name)?.get(String(ctx.relatedRequestId));
      if (f) return f;
      // An id a held session qualified belongs to that session's calls only.
      if (String(ctx.relatedRequestId).startsWith('held')) return undefined;
    }
    const set = this.inflightByServer.get(s.name);
    let last: InFlight | undefined;
    if (set) {
      for (const f of set) {
        if (f.session.closed || f.upstreamId?.startsWith('held')) continue;
        if (last && last.session.accessId !== f.session.accessId) return this.unattributed(s);
        last = f;
      }
    }
    return last;
  }

  /** Warned once per server: its questions cannot be attributed while several principals call it. */
  private readonly unattributedWarned = new Set<string>();
  private unattributed(s: ManagedServer): 'ambiguous' {
    if (!this.unattributedWarned.has(s.name)) {
      this.unattributedWarned.add(s.name);
      this.deps.log?.warn(
        `server "${s.name}" sent a message that names no call while several clients' calls were open on its shared connection; it was not passed on`,
        { code: 'ASK_UNATTRIBUTED', server: s.name },
      );
    }
    return 'ambiguous';
  }

  onUpstreamNotification(s: ManagedServer, msg: JsonRpcNotification, ctx: UpstreamMessageContext): void {
    const p = msg.params;
    switch (msg.method) {
      case 'notifications/resources/updated': {
        const uri = p?.uri;
        if (typeof uri !== 'string') return;
        const set = this.deps.subscribers.get(`${s.name}\0${uri}`);
        if (!set) return;
        const exposed = this.deps.exposeUri(s.name, uri);
        const json = JSON.stringify(exposed === uri ? msg : { ...msg, params: { ...p, uri: exposed } });
        for (const sess of set) sess.push(json);
        return;
      }
      case 'notifications/message': {
        const json = JSON.stringify(msg);
        const f = this.related(s, ctx);
        if (f === 'ambiguous') return;
        if (f) {
          if (f.session.wantsLog(p?.level) && !f.push(json)) f.session.push(json);
          return;
        }
        this.deps.broadcast(json, (sess) => sess.wantsLog(p?.level));
        return;
      }
      case 'notifications/progress':
        return; // progress for our calls arrives through onProgress; anything else has no owner
      default: {
        const f = this.related(s, ctx);
        if (!f || f === 'ambiguous') return;
        const json = JSON.stringify(msg);
        if (!f.push(json)) f.session.push(json);
      }
    }
  }

  onUpstreamRequest(s: ManagedServer, msg: JsonRpcRequest, ctx: UpstreamMessageContext): Promise<unknown> {
    const cap =
      msg.method === 'sampling/createMessage'
        ? 'sampling'
        : msg.method === 'elicitation/create'
          ? 'elicitation'
          : msg.method === 'roots/list'
            ? 'roots'
            : undefined;
    const rel = this.related(s, ctx);
    if (rel === 'ambiguous') {
      return Promise.reject(rpcError('ASK_UNATTRIBUTED', { server: s.name, method: msg.method }));
    }
    let f = rel;
    if (f?.session.stateless) return askStateless(s, msg, f, cap);
    let session = f?.session;
    if (!session && cap === 'roots') {
      // roots describe the client, not a call: ask the most recently active client that has them,
      // as long as every such client is one principal (else whose roots would be a guess).
      for (const sess of this.deps.sessions.all()) {
        if (sess.clientCapabilities.roots === undefined) continue;
        if (session && session.accessId !== sess.accessId) {
          this.unattributed(s);
          return Promise.reject(rpcError('ASK_UNATTRIBUTED', { server: s.name, method: msg.method }));
        }
        if (!session || sess.lastSeen >= session.lastSeen) session = sess;
      }
      f = undefined;
    }
    if (!session) {
      return Promise.reject(
        new RpcError(
          ErrorCode.InternalError,
          `no client session to handle ${msg.method} for server "${s.name}"`,
        ),
      );
    }
    if (cap && session.clientCapabilities[cap] === undefined) {
      return Promise.reject(
        new RpcError(
          ErrorCode.MethodNotFound,
          `the client (${session.clientInfo.name ?? 'unnamed'}) does not support ${cap}; ${msg.method} from server "${s.name}" cannot be relayed`,
        ),
      );
    }
    return session.request(msg.method, msg.params, s.timeoutMs, f);
  }
}

/** Rounds of input a modern server may ask for on one request of a session client. */
const MAX_INPUT_ROUNDS = 8;

function isInputRequired(r: unknown): r is Obj {
  return !!r && typeof r === 'object' && (r as Obj).resultType === 'input_required';
}
