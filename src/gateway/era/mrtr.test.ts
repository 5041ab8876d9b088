import { describe, expect, it } from 'vitest';
import { HeldCall, paramsDigest, StateSigner } from './mrtr.js';

describe('requestState signing', () => {
  const signer = new StateSigner();
  const d = paramsDigest({ name: 't', arguments: { a: 1 } });
  const state = signer.sign({ h: 'call-1', p: 'alice', m: 'tools/call', d, e: 10_000 });

  it('verifies what it signed and refuses anything else, naming why', () => {
    expect(signer.verify(state, 'alice', 'tools/call', d, 5_000)?.h).toBe('call-1');
    expect(signer.verify('someone-elses-state', 'alice', 'tools/call', d, 5_000)).toBeUndefined();
    const refuse = (s: string, who = 'alice', method = 'tools/call', digest = d, now = 5_000) => {
      try {
        signer.verify(s, who, method, digest, now);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(refuse(`${state.slice(0, -2)}xx`)).toContain('failed verification');
    expect(refuse(state, 'bob')).toContain('was issued to another client');
    expect(refuse(state, 'alice', 'prompts/get')).toContain('belongs to another request');
    expect(refuse(state, 'alice', 'tools/call', paramsDigest({ name: 't', arguments: { a: 2 } }))).toContain(
      'belongs to another request',
    );
    expect(refuse(state, 'alice', 'tools/call', d, 20_000)).toContain('has expired');
    expect(refuse(new StateSigner().sign({ h: 'x', p: 'alice', m: 'tools/call', d, e: 10_000 }))).toContain(
      'failed verification',
    );
  });

  it('the digest ignores the round fields and key order', () => {
    expect(paramsDigest({ b: 1, a: { y: 2, x: 1 } })).toBe(
      paramsDigest({ a: { x: 1, y: 2 }, b: 1, _meta: { z: 1 }, inputResponses: {}, requestState: 's' }),
    );
  });
});

describe('HeldCall rounds', () => {
  it('questions asked together come together; answers resolve them; the outcome ends the call', async () => {
    const call = new HeldCall();
    const signal = new AbortController().signal;
    const a = call.ask('elicitation/create', { message: 'a?' });
    const b = call.ask('sampling/createMessage', { maxTokens: 1 });
    const r1 = await call.round(signal);
    expect(r1).toEqual({
      kind: 'input',
      inputRequests: {
        'input-1': { method: 'elicitation/create', params: { message: 'a?' } },
        'input-2': { method: 'sampling/createMessage', params: { maxTokens: 1 } },
      },
    });
    call.answer({ 'input-1': { action: 'accept' }, unknown: {} });
    await expect(a).resolves.toEqual({ action: 'accept' });
    // The unanswered question is asked again.
    expect(Object.keys(((await call.round(signal)) as { inputRequests: object }).inputRequests)).toEqual([
      'input-2',
    ]);
    call.answer({ 'input-2': { error: { code: -1, message: 'no model' } } });
    await expect(b).rejects.toThrow('no model');
    call.settle({ kind: 'done', value: { ok: true } });
    expect(await call.round(signal)).toEqual({ kind: 'done', value: { ok: true } });
  });
});
