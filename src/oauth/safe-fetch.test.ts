import { describe, expect, it } from 'vitest';
import { assertSafeTarget, blockedAddress } from './safe-fetch.js';

describe('OAuth target check', () => {
  it('blocks link-local, unspecified and multicast addresses, v4 and v6', () => {
    expect(blockedAddress('169.254.169.254')).toBe('link-local');
    expect(blockedAddress('0.0.0.0')).toBe('unspecified');
    expect(blockedAddress('224.0.0.1')).toBe('multicast or reserved');
    expect(blockedAddress('fe80::1')).toBe('link-local');
    expect(blockedAddress('::ffff:169.254.1.1')).toBe('link-local');
    expect(blockedAddress('::')).toBe('unspecified');
    expect(blockedAddress('127.0.0.1')).toBeUndefined();
    expect(blockedAddress('93.184.216.34')).toBeUndefined();
  });

  it('allows https, and http on loopback only', async () => {
    await expect(assertSafeTarget(new URL('http://127.0.0.1:9/x'))).resolves.toBeUndefined();
    await expect(assertSafeTarget(new URL('http://[::1]:9/x'))).resolves.toBeUndefined();
    await expect(assertSafeTarget(new URL('https://93.184.216.34/x'))).resolves.toBeUndefined();
    await expect(assertSafeTarget(new URL('http://93.184.216.34/x'))).rejects.toThrow(/cleartext http/);
    await expect(assertSafeTarget(new URL('file:///etc/passwd'))).rejects.toThrow(/only https/);
    await expect(assertSafeTarget(new URL('https://169.254.169.254/'))).rejects.toThrow(/link-local/);
    await expect(assertSafeTarget(new URL('https://[fe80::1]/'))).rejects.toThrow(/link-local/);
  });
});
