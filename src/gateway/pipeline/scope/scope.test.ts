import { describe, expect, it } from 'vitest';
import { callCtx, recordingNext, textOf } from '../test-context.js';
import { ClientScopes, type ClientsPolicy, scopeInterceptor } from './scope.js';

const policy: ClientsPolicy = {
  default: 'deny',
  profiles: {
    'claude-code': { aliases: ['Claude Code CLI'], servers: ['fs'], tools: [] },
    reviewer: { tools: ['git__log', 'fs__read'] },
    everything: {},
    both: { servers: ['git'], tools: ['git__log'] },
  },
};

describe('client scope', () => {
  it('without a clients block lets everyone reach everything', () => {
    const s = new ClientScopes(undefined);
    expect(s.open).toBe(true);
    expect(s.of('anyone').all).toBe(true);
  });

  it('denies unknown and anonymous clients under default deny, allows them under default allow', () => {
    const deny = new ClientScopes(policy);
    expect(deny.of('stranger').none).toBe(true);
    expect(deny.of('').none).toBe(true);
    const allow = new ClientScopes({ ...policy, default: 'allow' });
    expect(allow.of('stranger').all).toBe(true);
    expect(allow.of('claude-code').all).toBe(false); // a matching profile still narrows
  });

  it('matches profile keys and aliases after normalisation', () => {
    const s = new ClientScopes(policy);
    expect(s.of('claude-code-cli').profile).toBe('claude-code');
    expect(s.of('claude-code').profile).toBe('claude-code');
  });

  it('servers only: every tool, prompt and resource of those servers', () => {
    const sc = new ClientScopes(policy).of('claude-code');
    expect(sc.tool('fs__read', 'fs')).toBe(true);
    expect(sc.tool('git__log', 'git')).toBe(false);
    expect(sc.server('fs')).toBe(true);
    expect(sc.server('git')).toBe(false);
  });

  it('tools only: exactly those tools; prompts and resources of their servers only', () => {
    const sc = new ClientScopes(policy).of('reviewer');
    expect(sc.tool('git__log', 'git')).toBe(true);
    expect(sc.tool('git__push', 'git')).toBe(false);
    expect(sc.server('git')).toBe(true);
    expect(sc.server('mail')).toBe(false);
  });

  it('servers and tools: the listed tools, within the listed servers', () => {
    const sc = new ClientScopes(policy).of('both');
    expect(sc.tool('git__log', 'git')).toBe(true);
    expect(sc.tool('git__push', 'git')).toBe(false);
  });

  it('an empty profile allows everything', () => {
    expect(new ClientScopes(policy).of('everything').all).toBe(true);
  });

  it('the interceptor denies with a readable isError result and never calls next', async () => {
    const next = recordingNext();
    const h = scopeInterceptor(new ClientScopes(policy))(next);
    const denied = await h(callCtx({ accessId: 'reviewer', name: 'git__push', server: 'git' }));
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain('"git__push" is not in this client\'s access scope');
    expect(denied._meta).toEqual({ 'io.gridctl/error': { code: 'SCOPE_DENIED' } });
    expect(next.calls).toHaveLength(0);
    const ok = await h(callCtx({ accessId: 'reviewer', name: 'git__log', server: 'git' }));
    expect(textOf(ok)).toBe('ran git__log');
  });
});
