// Same-origin API calls with the session's token. The token lives in sessionStorage only: it is
// gone when the tab closes, and never reaches a URL.

const KEY = 'gridctl-token';

export interface AuthScheme {
  type: 'none' | 'bearer' | 'api_key';
  header: string;
}

function readScheme(): AuthScheme {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="gridctl-auth"]')?.content ?? 'none';
  const [type, header] = meta.split(' ');
  if (type === 'bearer') return { type, header: 'Authorization' };
  if (type === 'api_key') return { type, header: header || 'Authorization' };
  return { type: 'none', header: 'Authorization' };
}

export const scheme = readScheme();

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: the token lasts as long as this page
  }
  memoryToken = token;
  for (const fn of tokenListeners) fn();
}

let memoryToken: string | null = getToken();
const tokenListeners = new Set<() => void>();
export function onToken(fn: () => void): () => void {
  tokenListeners.add(fn);
  return () => tokenListeners.delete(fn);
}

export function authHeaders(): Record<string, string> {
  const t = memoryToken ?? getToken();
  if (!t) return {};
  if (scheme.type === 'api_key') return { [scheme.header]: t };
  return { Authorization: `Bearer ${t}` };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}
export function reportUnauthorized(): void {
  for (const fn of unauthorizedListeners) fn();
}

export async function api<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders() };
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(path, {
    ...init,
    body,
    headers: { ...headers, ...(init.headers as Record<string, string>) },
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (res.status === 401) {
    reportUnauthorized();
    throw new HttpError(401, 'the gateway needs a token');
  }
  if (!res.ok) {
    const msg =
      (parsed as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
    throw new HttpError(res.status, msg, parsed);
  }
  return parsed as T;
}
