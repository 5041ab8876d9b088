// The fetch every OAuth discovery, registration and token request goes through. The URLs it is
// handed come from the remote server (its WWW-Authenticate challenge, its metadata), so a hostile
// or compromised server could point gridctl at the cloud metadata service or another internal
// address: refuse link-local, unspecified and multicast targets (checked after DNS resolution),
// non-HTTP schemes, and cleartext HTTP anywhere but loopback. Redirects are not followed.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { OAuthErrorCode } from '../errors/oauth.js';

export class UnsafeTargetError extends Error {
  readonly code = 'OAUTH_UNSAFE_TARGET' satisfies OAuthErrorCode;
}

function v4Blocked(ip: string): string | undefined {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  if (a === 169 && b === 254) return 'link-local';
  if (a === 0) return 'unspecified';
  if (a >= 224) return 'multicast or reserved';
  return undefined;
}

function v6Blocked(ip: string): string | undefined {
  const low = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(low)?.[1];
  if (mapped) return v4Blocked(mapped);
  if (low === '::') return 'unspecified';
  if (/^fe[89ab]/.test(low)) return 'link-local';
  if (low.startsWith('ff')) return 'multicast';
  return undefined;
}

/** Why an IP address must not be contacted, or undefined when it may. */
export function blockedAddress(ip: string): string | undefined {
  return isIP(ip) === 4 ? v4Blocked(ip) : isIP(ip) === 6 ? v6Blocked(ip) : undefined;
}

function isLoopbackIp(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip === '::ffff:127.0.0.1';
}

/** Throws UnsafeTargetError unless `url` is a target OAuth traffic may go to. */
export async function assertSafeTarget(url: URL): Promise<void> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UnsafeTargetError(
      `refusing OAuth request to ${url.origin}: only https (or http on loopback) is used`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  for (const ip of addresses) {
    const why = blockedAddress(ip);
    if (why) throw new UnsafeTargetError(`refusing OAuth request to ${url.host}: ${ip} is a ${why} address`);
  }
  if (url.protocol === 'http:' && !(host === 'localhost' || addresses.every(isLoopbackIp))) {
    throw new UnsafeTargetError(
      `refusing OAuth request to ${url.origin}: cleartext http is allowed on loopback only`,
    );
  }
}

/** fetch() for OAuth traffic: safe targets only, no redirects followed, a deadline on every request. */
export const safeFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
  const url = new URL(String(input));
  await assertSafeTarget(url);
  return fetch(url, { ...init, redirect: 'manual', signal: init?.signal ?? AbortSignal.timeout(15_000) });
};
