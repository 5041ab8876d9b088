import { describe, expect, it } from 'vitest';
import { Session, SessionStore } from './session.js';

describe('SessionStore', () => {
  it('refuses past the cap, and makes room by dropping idle sessions', () => {
    const closed: string[] = [];
    const store = new SessionStore(1000, 2, (s) => closed.push(s.id));
    try {
      const a = store.create(false)!;
      const b = store.create(false)!;
      expect(store.create(false)).toBeUndefined();
      a.lastSeen = Date.now() - 5000; // idle past the limit
      const c = store.create(false);
      expect(c).toBeDefined();
      expect(closed).toEqual([a.id]);
      expect(store.get(a.id)).toBeUndefined();
      expect(store.get(b.id)).toBe(b);
    } finally {
      store.closeAll();
    }
  });

  it('keeps idle sessions that have a request in flight', () => {
    const store = new SessionStore(10, 10, () => {});
    try {
      const s = store.create(false)!;
      s.inflight.set('number:1', {
        session: s,
        id: 1,
        method: 'x',
        abort: new AbortController(),
        push: () => false,
      });
      store.sweep(Date.now() + 1000);
      expect(store.get(s.id)).toBe(s);
      s.inflight.clear();
      store.sweep(Date.now() + 1000);
      expect(store.get(s.id)).toBeUndefined();
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
