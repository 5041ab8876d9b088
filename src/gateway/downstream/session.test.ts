import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Session, SessionRefused, SessionStore } from './session.js';

function made(r: Session | SessionRefused): Session {
  if (r instanceof SessionRefused) throw new Error(`refused: ${r.message}`);
  return r;
}

/** Mark a session busy, as the gateway does while it serves a request. */
function busy(s: Session): void {
  s.inflight.set('number:1', {
    session: s,
    id: 1,
    method: 'x',
    abort: new AbortController(),
    push: () => false,
  });
}

/** An open server-to-client stream on a response that goes nowhere. */
function streaming(s: Session): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  s.attachStream(res);
  return res;
}

describe('SessionStore', () => {
  it('evicts the least recently used idle session when full, instead of refusing', () => {
    const closed: string[] = [];
    const store = new SessionStore(60_000, 3, (s) => closed.push(s.id), 3);
    try {
      const [a, b, c] = [made(store.create(false)), made(store.create(false)), made(store.create(false))];
      a.lastSeen = 1_000;
      b.lastSeen = 500; // used least recently
      c.lastSeen = 2_000;
      const d = made(store.create(false));
      expect(closed).toEqual([b.id]);
      expect([...store.all()]).toEqual([a, c, d]);
      expect(store.stats()).toMatchObject({ total: 3, evicted: 1, refused: 0 });
    } finally {
      store.closeAll();
    }
  });

  it('never evicts a session with a stream or a request in flight; refuses honestly when all are live', () => {
    const store = new SessionStore(60_000, 2, () => {}, 2);
    try {
      const a = made(store.create(false));
      const b = made(store.create(false));
      streaming(a);
      busy(b);
      a.lastSeen = 0;
      b.lastSeen = 0;
      const r = store.create(false);
      expect(r).toBeInstanceOf(SessionRefused);
      const refused = r as SessionRefused;
      expect(refused.status).toBe(503);
      expect(refused.message).toBe(
        'Too many sessions: all 2 sessions of the gateway are in use (1 with an open stream, 1 with a request in flight), so none can be evicted; retry later, close clients you no longer use, or raise gateway.max_sessions',
      );
      // A request in flight frees its slot when it ends: retry soon.
      expect(refused.retryAfter).toBe(5);
      expect(refused.data).toEqual({ maxSessions: 2, streams: 1, busy: 1 });
      b.inflight.clear();
      streaming(b);
      // Only open streams hold the slots: nothing frees until a client goes away.
      expect((store.create(false) as SessionRefused).retryAfter).toBe(60);
      expect(store.stats()).toMatchObject({ total: 2, live: 2, evicted: 0, refused: 2 });
      expect(store.get(a.id)).toBe(a);
      expect(store.get(b.id)).toBe(b);
    } finally {
      store.closeAll();
    }
  });

  it("caps each client separately: a client recycles its own sessions, not other clients'", () => {
    const store = new SessionStore(60_000, 10, () => {}, 2);
    try {
      const other = made(store.create(false, 'claude-code'));
      other.lastSeen = 0; // the oldest of all, yet not the script's to evict
      const s1 = made(store.create(false, 'script'));
      const s2 = made(store.create(false, 'script'));
      s1.lastSeen = 10;
      s2.lastSeen = 20;
      const s3 = made(store.create(false, 'script'));
      expect(store.get(s1.id)).toBeUndefined();
      expect(store.get(other.id)).toBe(other);
      expect(store.stats().byClient).toEqual({ 'claude-code': 1, script: 2 });
      busy(s2);
      busy(s3);
      const r = store.create(false, 'script') as SessionRefused;
      expect(r.status).toBe(429);
      expect(r.message).toMatch(/^Too many sessions for client "script": all 2 of its sessions are in use/);
      expect(r.message).toMatch(/raise gateway.max_sessions_per_client$/);
      expect(r.data).toMatchObject({ client: 'script', maxSessionsPerClient: 2 });
      expect(store.create(false, 'claude-code')).toBeInstanceOf(Session);
      expect((store.create(false, '') as Session).accessId).toBe('');
    } finally {
      store.closeAll();
    }
  });

  it('keeps the per-client cap within the total', () => {
    const store = new SessionStore(60_000, 5, () => {}, 50);
    try {
      expect(store.perClient).toBe(5);
    } finally {
      store.closeAll();
    }
  });

  it("re-keys a session to its client at initialize, within that client's cap", () => {
    const store = new SessionStore(60_000, 10, () => {}, 1);
    try {
      const held = made(store.create(false, 'inspector'));
      busy(held);
      const legacy = made(store.create(true, ''));
      const r = store.bind(legacy, 'inspector');
      expect(r?.status).toBe(429);
      expect(legacy.accessId).toBe('');
      held.inflight.clear();
      expect(store.bind(legacy, 'inspector')).toBeUndefined();
      expect(store.get(held.id)).toBeUndefined(); // the idle one made room
      expect(legacy.accessId).toBe('inspector');
      expect(store.stats().byClient).toEqual({ inspector: 1 });
    } finally {
      store.closeAll();
    }
  });

  it('expires idle sessions, except those with a request in flight', () => {
    const store = new SessionStore(10, 10, () => {});
    try {
      const s = made(store.create(false));
      busy(s);
      store.sweep(Date.now() + 1000);
      expect(store.get(s.id)).toBe(s);
      s.inflight.clear();
      store.sweep(Date.now() + 1000);
      expect(store.get(s.id)).toBeUndefined();
      expect(store.stats()).toMatchObject({ total: 0, expired: 1, evicted: 0, byClient: {} });
    } finally {
      store.closeAll();
    }
  });

  it('never expires sessions by time with an idle timeout of 0', () => {
    const store = new SessionStore(0, 10, () => {});
    try {
      const s = made(store.create(false));
      store.sweep(Date.now() + 365 * 86_400_000);
      expect(store.get(s.id)).toBe(s);
    } finally {
      store.closeAll();
    }
  });
});

describe('Session', () => {
  it('fails a server-to-client request at once when there is no stream', async () => {
    const s = new Session(false, () => {});
    await expect(s.request('roots/list', undefined, 1000)).rejects.toThrow(/no open stream/);
  });

  it('matches client answers to its requests, errors included', async () => {
    const s = new Session(false, () => {});
    const sent: string[] = [];
    const via = {
      session: s,
      id: 1,
      method: 'tools/call',
      abort: new AbortController(),
      push: (j: string) => sent.push(j) > 0,
    };
    const ok = s.request('sampling/createMessage', { a: 1 }, 1000, via);
    const bad = s.request('elicitation/create', {}, 1000, via);
    const [m1, m2] = sent.map((j) => JSON.parse(j) as { id: number; method: string });
    expect(m1?.method).toBe('sampling/createMessage');
    expect(s.answer({ jsonrpc: '2.0', id: m1!.id, result: { model: 'm' } })).toBe(true);
    expect(s.answer({ jsonrpc: '2.0', id: m2!.id, error: { code: -1, message: 'declined' } })).toBe(true);
    expect(s.answer({ jsonrpc: '2.0', id: 999, result: {} })).toBe(false);
    await expect(ok).resolves.toEqual({ model: 'm' });
    await expect(bad).rejects.toThrow('declined');
  });

  it('filters log messages by the level the client set', () => {
    const s = new Session(false, () => {});
    expect(s.wantsLog('debug')).toBe(true);
    s.logLevel = 'warning';
    expect(s.wantsLog('debug')).toBe(false);
    expect(s.wantsLog('error')).toBe(true);
  });

  it('rejects pending requests and aborts calls when closed', async () => {
    let closed = false;
    const s = new Session(false, () => {
      closed = true;
    });
    const ac = new AbortController();
    s.inflight.set('number:1', { session: s, id: 1, method: 'x', abort: ac, push: () => true });
    const pending = s.request('roots/list', undefined, 1000, s.inflight.get('number:1'));
    s.close();
    await expect(pending).rejects.toThrow(/closed/);
    expect(ac.signal.aborted).toBe(true);
    expect(closed).toBe(true);
  });
});
