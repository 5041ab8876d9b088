// Multi round-trip requests (MRTR) for modern clients in front of handshake-era servers. Such a
// server asks mid-call (sampling/createMessage, elicitation/create, roots/list) on its session;
// a modern client can only receive those as an `input_required` result and answers by retrying
// the original request with `inputResponses` and the `requestState` we issued. So the gateway
// holds the upstream call open between the rounds, and the state names the held call.
//
// The state is signed (HMAC-SHA256 with a key that lives as long as the held calls, i.e. the
// process) and binds the principal, the method, a digest of the request's parameters and an
// expiry: a state that was altered, replayed by another client, moved to another request or is
// past its time is refused.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { rpcError } from '../../errors/catalogue.js';
import { ErrorCode, RpcError } from '../../protocol/jsonrpc.js';

type Obj = Record<string, unknown>;

/** Methods on which a server may answer input_required. */
export const MRTR_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

const PREFIX = 'gridctl-mrtr.1.';

/** A digest of what identifies the request across rounds: its params minus the round's own fields. */
export function paramsDigest(params: Obj): string {
  const { _meta, inputResponses, requestState, ...rest } = params;
  void _meta;
  void inputResponses;
  void requestState;
  return createHash('sha256').update(stableJson(rest)).digest('base64url');
}

function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Obj;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

export interface StatePayload {
  /** Held call id ("" for a relayed state). */
  h: string;
  /** Relayed: the server whose state this wraps, and its state, byte for byte. */
  s?: string;
  u?: string;
  /** Principal (access id). */
  p: string;
  /** Method. */
  m: string;
  /** Params digest. */
  d: string;
  /** Expiry, epoch ms. */
  e: number;
}

export class StateSigner {
  private readonly key = randomBytes(32);

  sign(p: StatePayload): string {
    const body = Buffer.from(JSON.stringify(p)).toString('base64url');
    return `${PREFIX}${body}.${this.mac(body)}`;
  }

  /** Undefined when the state is not ours at all (no prefix); throws when it is ours but bad. */
  verify(
    state: string,
    principal: string,
    method: string,
    digest: string,
    now = Date.now(),
  ): StatePayload | undefined {
    if (!state.startsWith(PREFIX)) return undefined;
    const [body, mac] = state.slice(PREFIX.length).split('.');
    const refuse = (why: string) => rpcError('REQUEST_STATE_INVALID', { why });
    if (!body || !mac) throw refuse('is malformed');
    const want = Buffer.from(this.mac(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw refuse('failed verification');
    let p: StatePayload;
    try {
      p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StatePayload;
    } catch {
      throw refuse('is malformed');
    }
    if (p.e < now) throw refuse('has expired');
    if (p.p !== principal) throw refuse('was issued to another client');
    if (p.m !== method || p.d !== digest) throw refuse('belongs to another request');
    return p;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

interface Pending {
  method: string;
  params: Obj | undefined;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export type Round =
  | { kind: 'input'; inputRequests: Obj }
  | { kind: 'done'; value: unknown }
  | { kind: 'error'; error: unknown };

/**
 * One downstream request across its rounds: the upstream's questions queue here until the client
 * has them, the client's answers resolve them, and the call's outcome ends it.
 */
export class HeldCall {
  readonly id = randomBytes(12).toString('base64url');
  private readonly pending = new Map<string, Pending>();
  private outcome: Round | undefined;
  private wake: (() => void) | undefined;
  private next = 1;
  timer: NodeJS.Timeout | undefined;
  /** Where progress and log messages of the current round go. */
  push: (json: string) => boolean = () => false;

  /** An upstream question: resolves with the client's answer on a later round. */
  ask(method: string, params: Obj | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.set(`input-${this.next++}`, { method, params, resolve, reject });
      this.wake?.();
    });
  }

  settle(r: Round): void {
    if (this.outcome) return;
    this.outcome = r;
    this.wake?.();
  }

  /** The client's answers; unanswered questions are asked again in the next round. */
  answer(responses: unknown): void {
    if (!responses || typeof responses !== 'object') return;
    for (const [key, value] of Object.entries(responses as Obj)) {
      const p = this.pending.get(key);
      if (!p) continue;
      this.pending.delete(key);
      const err = value && typeof value === 'object' ? (value as Obj).error : undefined;
      if (err && typeof err === 'object') {
        const e = err as Obj;
        p.reject(
          new RpcError(
            typeof e.code === 'number' ? e.code : ErrorCode.InternalError,
            typeof e.message === 'string' ? e.message : 'client error',
          ),
        );
      } else p.resolve(value);
    }
  }

  /** Wait for this round's end: questions for the client, or the call's outcome. */
  async round(signal: AbortSignal): Promise<Round> {
    for (;;) {
      if (this.outcome) return this.outcome;
      if (this.pending.size > 0) {
        // Questions asked together reach the client together.
        await new Promise((r) => setImmediate(r));
        if (this.outcome) return this.outcome;
        const inputRequests: Obj = {};
        for (const [k, p] of this.pending) {
          inputRequests[k] =
            p.params === undefined ? { method: p.method } : { method: p.method, params: p.params };
        }
        return { kind: 'input', inputRequests };
      }
      if (signal.aborted) throw signal.reason;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.wake = undefined;
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** The client never came back (or went away): the upstream's questions fail, so its call ends. */
  abandon(reason: string): void {
    for (const p of this.pending.values()) p.reject(new RpcError(ErrorCode.InternalError, reason));
    this.pending.clear();
  }
}
