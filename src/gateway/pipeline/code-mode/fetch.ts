// The sandbox's fetch: HTTPS to public addresses only. Every address a name resolves to is checked
// before the connection is made, and the connection goes to the checked address (the lookup below
// is the socket's own), so a name cannot resolve to a public address for the check and a private
// one for the dial. Redirects are followed by hand so that each hop passes the same checks.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { coded } from '../../../errors/coded.js';

export const FETCH_LIMITS = { maxBytes: 1024 * 1024, timeoutMs: 10_000, maxRedirects: 10 } as const;

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** Why an address may not be dialled, or undefined when it may. */
export function refusedAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return `"${address}" is not an IP address`;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return refusedAddress(mapped[1] as string);
  const hit = family === 4 ? blocked.check(address, 'ipv4') : blocked.check(address, 'ipv6');
  return hit ? `${address} is a private, loopback, link-local or reserved address` : undefined;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function guardedLookup(hostname: string, options: { all?: boolean }, cb: LookupCallback): void {
  dnsLookup(hostname, { all: true }, (err, addresses) => {
    if (err) return cb(err, []);
    for (const a of addresses) {
      const why = refusedAddress(a.address);
      if (why)
        return cb(
          Object.assign(new Error(`fetch refused: ${hostname} resolves to ${why}`), { code: 'EREFUSED' }),
          [],
        );
    }
    if (options.all) return cb(null, addresses);
    const first = addresses[0] as LookupAddress;
    cb(null, first.address, first.family);
  });
}

const agent = new Agent({ connect: { lookup: guardedLookup as never }, connections: 16 });

export interface FetchReply {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Throws an Error whose message the script sees. */
export function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw coded('CODE_MODE_FETCH_REFUSED', `fetch refused: "${raw}" is not a URL`);
  }
  if (url.protocol !== 'https:')
    throw coded(
      'CODE_MODE_FETCH_REFUSED',
      `fetch refused: only https:// URLs are allowed, not ${url.protocol}//`,
    );
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // The lookup hook is not consulted for literal addresses, so they are checked here.
  if (isIP(host) !== 0) {
    const why = refusedAddress(host);
    if (why) throw coded('CODE_MODE_FETCH_REFUSED', `fetch refused: ${why}`);
  }
  return url;
}

/** `stop` ends the request early (the script ended). */
export async function sandboxFetch(raw: string, init: unknown, stop?: AbortSignal): Promise<FetchReply> {
  const opts = (init && typeof init === 'object' ? init : {}) as Record<string, unknown>;
  const method = typeof opts.method === 'string' ? opts.method.toUpperCase() : 'GET';
  const headers: Record<string, string> = {};
  if (opts.headers && typeof opts.headers === 'object') {
    for (const [k, v] of Object.entries(opts.headers as Record<string, unknown>)) headers[k] = String(v);
  }
  const body = opts.body === undefined || opts.body === null ? undefined : String(opts.body);
  const timeout = AbortSignal.timeout(FETCH_LIMITS.timeoutMs);
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
  let url = checkUrl(raw);
  for (let hop = 0; ; hop++) {
    let res: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      res = await undiciFetch(url, { method, headers, body, redirect: 'manual', signal, dispatcher: agent });
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      const msg = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
      throw coded(
        'CODE_MODE_FETCH_FAILED',
        msg.startsWith('fetch refused') ? msg : `fetch ${url.href} failed: ${msg}`,
      );
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      if (hop + 1 > FETCH_LIMITS.maxRedirects)
        throw coded(
          'CODE_MODE_FETCH_FAILED',
          `fetch ${raw}: more than ${FETCH_LIMITS.maxRedirects} redirects`,
        );
      url = checkUrl(new URL(location, url).href);
      continue;
    }
    const text = await readCapped(res, url.href);
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      out[k.toLowerCase()] = v;
    });
    return {
      ok: res.ok,
      status: res.status,
      statusText: res.statusText,
      url: url.href,
      headers: out,
      body: text,
    };
  }
}

async function readCapped(
  res: Response | Awaited<ReturnType<typeof undiciFetch>>,
  href: string,
): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > FETCH_LIMITS.maxBytes) {
      await reader.cancel();
      throw coded(
        'CODE_MODE_FETCH_FAILED',
        `fetch ${href}: the response is larger than ${FETCH_LIMITS.maxBytes} bytes`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
