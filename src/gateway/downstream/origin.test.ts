import { describe, expect, it } from 'vitest';
import { hostPart, RequestGuard } from './origin.js';

describe('RequestGuard', () => {
  const g = new RequestGuard(['gw.internal:8180', 'mcp.example.com'], ['https://app.example.com']);

  it('accepts loopback hosts on any port', () => {
    for (const h of [
      'localhost',
      'localhost:8180',
      '127.0.0.1:1',
      '[::1]:8180',
      '127.3.4.5',
      'a.localhost',
    ]) {
      expect(g.hostAllowed(h), h).toBe(true);
    }
  });

  it('rejects foreign hosts unless allowed', () => {
    expect(g.hostAllowed('evil.example:8180')).toBe(false);
    expect(g.hostAllowed('127.0.0.1.evil.com')).toBe(false);
    expect(g.hostAllowed('0.0.0.0:8180')).toBe(false);
    expect(g.hostAllowed('gw.internal:8180')).toBe(true);
    expect(g.hostAllowed('gw.internal:9999')).toBe(false);
    expect(g.hostAllowed('mcp.example.com:443')).toBe(true);
  });

  it('checks origins', () => {
    expect(g.originAllowed(undefined)).toBe(true);
    expect(g.originAllowed('http://localhost:3000')).toBe(true);
    expect(g.originAllowed('https://app.example.com')).toBe(true);
    expect(g.originAllowed('https://evil.example.com')).toBe(false);
    expect(g.originAllowed('null')).toBe(false);
    expect(new RequestGuard([], ['*']).originAllowed('https://any.where')).toBe(true);
  });

  it('splits host and port', () => {
    expect(hostPart('[::1]:80')).toBe('[::1]');
    expect(hostPart('Example.COM:80')).toBe('example.com');
  });
});
