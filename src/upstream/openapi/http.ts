// A tool call as an HTTP request: base URL, argument placement, auth, the response as MCP content.

import { coded } from '../../errors/coded.js';
import type { OpenApiAuth } from './config.js';
import type { OperationTool, ParamBinding } from './operations.js';
import { readCapped } from './spec.js';
import { type Fetch, tlsHint } from './tls.js';

type Obj = Record<string, unknown>;
export type Env = Record<string, string | undefined>;

/** The base URL every operation path is appended to. Throws with a reason when there is none. */
export function resolveBaseUrl(doc: Obj, override: string | undefined, specUrl: URL | undefined): string {
  let base: string | undefined;
  if (override !== undefined && override !== '') {
    base = override;
  } else if (typeof doc.swagger === 'string') {
    const host = typeof doc.host === 'string' ? doc.host : specUrl?.host;
    if (host) {
      const schemes = Array.isArray(doc.schemes) ? (doc.schemes as string[]) : [];
      const scheme =
        (specUrl && schemes.includes(specUrl.protocol.slice(0, -1))
          ? specUrl.protocol.slice(0, -1)
          : schemes[0]) ??
        specUrl?.protocol.slice(0, -1) ??
        'https';
      base = `${scheme}://${host}${typeof doc.basePath === 'string' ? doc.basePath : ''}`;
    }
  } else if (Array.isArray(doc.servers) && isObj(doc.servers[0]) && typeof doc.servers[0].url === 'string') {
    const server = doc.servers[0];
    // Server variables: their defaults.
    let url = server.url as string;
    const vars = isObj(server.variables) ? server.variables : {};
    url = url.replace(/\{([^}]+)\}/g, (m, v: string) => {
      const d = isObj(vars[v]) ? vars[v].default : undefined;
      return d === undefined ? m : String(d);
    });
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) base = url;
    else if (specUrl) base = new URL(url, specUrl).href;
    else
      throw coded(
        'OPENAPI_BASE_URL_INVALID',
        `servers[0].url "${url}" is relative and the spec is a file: set openapi.baseUrl`,
      );
  }
  if (base === undefined) {
    throw coded(
      'OPENAPI_BASE_URL_INVALID',
      'the spec names no server (servers[0].url or host): set openapi.baseUrl',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw coded('OPENAPI_BASE_URL_INVALID', `base URL "${base}" is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw coded('OPENAPI_BASE_URL_INVALID', `base URL "${base}" must be http:// or https://`);
  }
  return parsed.href.replace(/\/+$/, '');
}

/** Names the env vars an auth block needs; missing ones make connect() fail before any call. */
export function missingAuthEnv(auth: OpenApiAuth | undefined, env: Env): string[] {
  if (!auth) return [];
  const names: string[] = [];
  switch (auth.type) {
    case 'bearer':
      names.push(auth.tokenEnv);
      break;
    case 'header':
    case 'query':
      names.push(auth.valueEnv);
      break;
    case 'basic':
      names.push(auth.usernameEnv, auth.passwordEnv);
      break;
    case 'oauth2':
      names.push(auth.clientIdEnv, auth.clientSecretEnv);
      break;
  }
  return names.filter((n) => env[n] === undefined || env[n] === '');
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Adds credentials to a request; the OAuth 2 token is fetched once and reused until near expiry. */
export class Authenticator {
  private cached: CachedToken | undefined;
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly auth: OpenApiAuth | undefined,
    private readonly env: Env,
    private readonly timeoutMs: number,
  ) {}

  async apply(headers: Headers, url: URL): Promise<void> {
    const a = this.auth;
    if (!a) return;
    const v = (name: string) => this.env[name] ?? '';
    switch (a.type) {
      case 'bearer':
        headers.set('authorization', `Bearer ${v(a.tokenEnv)}`);
        break;
      case 'header':
        headers.set(a.header, v(a.valueEnv));
        break;
      case 'query':
        url.searchParams.set(a.paramName, v(a.valueEnv));
        break;
      case 'basic':
        headers.set(
          'authorization',
          `Basic ${Buffer.from(`${v(a.usernameEnv)}:${v(a.passwordEnv)}`).toString('base64')}`,
        );
        break;
      case 'oauth2':
        headers.set('authorization', `Bearer ${await this.oauthToken()}`);
        break;
    }
  }

  /** After a 401: forget a cached OAuth token so the next attempt fetches a fresh one. */
  invalidate(): boolean {
    if (this.auth?.type !== 'oauth2' || !this.cached) return false;
    this.cached = undefined;
    return true;
  }

  private oauthToken(): Promise<string> {
    if (this.cached && Date.now() < this.cached.expiresAt) return Promise.resolve(this.cached.token);
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchToken(): Promise<string> {
    const a = this.auth as Extract<OpenApiAuth, { type: 'oauth2' }>;
    const id = this.env[a.clientIdEnv] ?? '';
    const secret = this.env[a.clientSecretEnv] ?? '';
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (a.scopes && a.scopes.length > 0) form.set('scope', a.scopes.join(' '));
    let res: Response;
    try {
      res = await fetch(a.tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          // RFC 6749 §2.3.1: form-encode, then basic-auth.
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
        },
        body: form,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw coded('OPENAPI_AUTH_FAILED', `OAuth token request to ${a.tokenUrl} failed: ${causeOf(err)}`);
    }
    const { text } = await readCapped(res, 64 * 1024);
    if (!res.ok)
      throw coded('OPENAPI_AUTH_FAILED', `OAuth token request to ${a.tokenUrl} failed: HTTP ${res.status}`);
    let body: Obj;
    try {
      body = JSON.parse(text) as Obj;
    } catch {
      throw coded('OPENAPI_AUTH_FAILED', `OAuth token endpoint ${a.tokenUrl} did not answer JSON`);
    }
    if (typeof body.access_token !== 'string') {
      throw coded('OPENAPI_AUTH_FAILED', `OAuth token endpoint ${a.tokenUrl} answered without access_token`);
    }
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    // Renew 30 s early (or halfway, for very short lifetimes).
    const margin = Math.min(30, lifetime / 2);
    this.cached = { token: body.access_token, expiresAt: Date.now() + (lifetime - margin) * 1000 };
    return body.access_token;
  }
}

export interface CallResult {
  content: Obj[];
  structuredContent?: Obj;
  isError?: boolean;
}

export interface CallContext {
  baseUrl: string;
  auth: Authenticator;
  timeoutMs: number;
  maxResponseBytes: number;
  /** Aborts the HTTP request (caller cancelled, or the RPC-level timeout fired). */
  signal: AbortSignal;
  /** The fetch carrying openapi.tls (default: the global one). */
  fetch?: Fetch;
}

const toolError = (text: string): CallResult => ({ content: [{ type: 'text', text }], isError: true });

/** Perform one tool call. Never throws for HTTP or argument problems: those are tool errors. */
export async function callOperation(tool: OperationTool, args: Obj, ctx: CallContext): Promise<CallResult> {
  for (const p of tool.params) {
    if (p.required && (args[p.arg] === undefined || args[p.arg] === null)) {
      return toolError(`missing required ${p.in} parameter "${p.arg}"`);
    }
  }
  if (tool.body?.required && args[tool.body.arg] === undefined) {
    return toolError(`missing required request body "${tool.body.arg}"`);
  }

  let path = tool.path;
  const url = new URL(ctx.baseUrl);
  const headers = new Headers({ accept: 'application/json, */*;q=0.5' });
  const cookies: string[] = [];
  for (const p of tool.params) {
    const value = args[p.arg];
    if (value === undefined || value === null) continue;
    switch (p.in) {
      case 'path':
        path = path.split(`{${p.name}}`).join(encodeURIComponent(scalarText(value, p, ',')));
        break;
      case 'query':
        appendQuery(url.searchParams, p, value);
        break;
      case 'header':
        headers.set(p.name, scalarText(value, p, ','));
        break;
      case 'cookie':
        cookies.push(`${p.name}=${encodeURIComponent(scalarText(value, p, ','))}`);
        break;
      default:
        break;
    }
  }
  if (cookies.length > 0) headers.set('cookie', cookies.join('; '));
  const basePath = url.pathname.replace(/\/+$/, '');
  url.pathname = `${basePath}${path.startsWith('/') ? path : `/${path}`}`;

  let body: string | undefined;
  if (tool.body && args[tool.body.arg] !== undefined) {
    const value = args[tool.body.arg];
    headers.set('content-type', tool.body.mediaType);
    if (tool.body.encoding === 'json') body = JSON.stringify(value);
    else if (tool.body.encoding === 'form') body = formEncode(value);
    else body = typeof value === 'string' ? value : JSON.stringify(value);
  }

  const target = `${tool.method} ${url.origin}${url.pathname}`;
  const send = async (): Promise<Response> => {
    const attemptUrl = new URL(url);
    const attemptHeaders = new Headers(headers);
    await ctx.auth.apply(attemptHeaders, attemptUrl);
    return (ctx.fetch ?? fetch)(attemptUrl, {
      method: tool.method,
      headers: attemptHeaders,
      body,
      redirect: 'follow',
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]),
    });
  };

  let res: Response;
  try {
    res = await send();
    if (res.status === 401 && ctx.auth.invalidate()) {
      await res.body?.cancel();
      res = await send();
    }
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
    if ((err as Error).name === 'TimeoutError') {
      return toolError(`error: ${target} timed out after ${ctx.timeoutMs} ms`);
    }
    const hint = tlsHint(err);
    return toolError(`error: ${target} failed: ${causeOf(err)}${hint ? ` (${hint})` : ''}`);
  }

  let read: Awaited<ReturnType<typeof readCapped>>;
  try {
    read = await readCapped(res, ctx.maxResponseBytes);
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
    return toolError(`error: ${target}: reading the response failed: ${causeOf(err)}`);
  }
  const type = res.headers.get('content-type') ?? '';
  const note = read.truncated ? `\n[response truncated at ${ctx.maxResponseBytes} bytes]` : '';

  if (!res.ok) {
    const excerpt = read.text.length > 2000 ? `${read.text.slice(0, 2000)}…` : read.text;
    return toolError(
      `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}: ${excerpt}${note}`.trimEnd(),
    );
  }
  if (/^image\//i.test(type) && !read.truncated) {
    return {
      content: [{ type: 'image', data: read.bytes.toString('base64'), mimeType: type.split(';')[0] }],
    };
  }
  if (/\bjson\b/i.test(type) && !read.truncated && read.text.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(read.text);
      const result: CallResult = { content: [{ type: 'text', text: JSON.stringify(parsed, null, 2) }] };
      if (isObj(parsed)) result.structuredContent = parsed;
      return result;
    } catch {
      // not JSON after all: return it as it came
    }
  }
  const text =
    read.text === '' ? `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}` : read.text;
  return { content: [{ type: 'text', text: `${text}${note}` }] };
}

function scalarText(value: unknown, p: ParamBinding, sep: string): string {
  if (p.json) return JSON.stringify(value);
  if (Array.isArray(value)) return value.map((v) => scalarText(v, p, sep)).join(sep);
  if (isObj(value)) return JSON.stringify(value);
  return String(value);
}

const SEPARATORS: Record<string, string> = { csv: ',', ssv: ' ', tsv: '\t', pipes: '|', form: ',' };

function appendQuery(search: URLSearchParams, p: ParamBinding, value: unknown): void {
  if (p.json) {
    search.append(p.name, JSON.stringify(value));
  } else if (Array.isArray(value)) {
    if (p.explode && p.style === 'form') for (const v of value) search.append(p.name, scalarText(v, p, ','));
    else search.append(p.name, value.map((v) => scalarText(v, p, ',')).join(SEPARATORS[p.style] ?? ','));
  } else if (isObj(value)) {
    if (p.style === 'deepObject') {
      for (const [k, v] of Object.entries(value)) search.append(`${p.name}[${k}]`, scalarText(v, p, ','));
    } else if (p.explode) {
      for (const [k, v] of Object.entries(value)) search.append(k, scalarText(v, p, ','));
    } else {
      search.append(p.name, Object.entries(value).flat().map(String).join(','));
    }
  } else {
    search.append(p.name, String(value));
  }
}

function formEncode(value: unknown): string {
  const form = new URLSearchParams();
  if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const item of v) form.append(k, String(item));
      else form.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
  }
  return form.toString();
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? cause : err instanceof Error ? err : undefined;
  const code = (inner as NodeJS.ErrnoException | undefined)?.code;
  const msg = inner?.message ?? String(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
