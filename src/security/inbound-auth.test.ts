import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authorized, isLoopback } from './inbound-auth.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('inbound auth', () => {
  it('accepts the right bearer token and nothing else', () => {
    const auth = { type: 'bearer' as const, token: 's3cret' };
    expect(authorized(req({ authorization: 'Bearer s3cret' }), auth)).toBe(true);
    expect(authorized(req({ authorization: 'Bearer s3cre' }), auth)).toBe(false);
    expect(authorized(req({ authorization: 's3cret' }), auth)).toBe(false);
    expect(authorized(req({}), auth)).toBe(false);
  });

  it('reads an api key from the configured header', () => {
    const auth = { type: 'api_key' as const, token: 'k1', header: 'X-API-Key' };
    expect(authorized(req({ 'x-api-key': 'k1' }), auth)).toBe(true);
    expect(authorized(req({ authorization: 'k1' }), auth)).toBe(false);
  });

  it('knows loopback binds', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('192.168.1.4')).toBe(false);
  });
});
