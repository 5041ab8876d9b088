// Serves the web UI (built into dist/web by `npm run build`) from the gateway's own port.
// - Hashed assets under /assets/ are cached for a year (immutable); index.html is never cached,
//   so a new build is picked up on the next load.
// - Only files inside the web root are served: the path is decoded, normalised and checked to stay
//   inside it, and dotfiles, NUL bytes and backslashes are refused.
// - Client routes (/stack, /tools, ...) answer index.html; anything else is not ours and falls
//   through to the gateway, so /mcp, /sse, /health, /ready and /api/ keep their meaning.
// The shell itself carries no data, so it is served without inbound auth; the UI asks for the
// token when the API answers 401.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

/** dist/web relative to the package root; the same from src/api (tsx) and dist/api (built). */
export const WEB_ROOT = resolve(import.meta.dirname, '../../dist/web');

/** Top-level client routes of the single-page app; they all answer index.html. */
export const UI_ROUTES = [
  'stack',
  'tools',
  'logs',
  'usage',
  'traces',
  'spec',
  'variables',
  'pins',
  'library',
  'connections',
  'setup',
] as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// Everything the UI loads comes from this origin; images and audio from tool results are data: URLs.
const CSP = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' data: blob:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export interface StaticOptions {
  root?: string;
  /** How the UI should present a token (not secret: the 401 tells as much). */
  auth?: { type: 'bearer' | 'api_key'; header?: string };
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Returns a handler that serves GET/HEAD of UI paths and returns true, or returns false (and
 * writes nothing) for any path that is not the UI's.
 */
export function createStaticHandler(opts: StaticOptions = {}): StaticHandler {
  const root = resolve(opts.root ?? WEB_ROOT);
  let indexCache: { mtimeMs: number; body: Buffer } | undefined;

  const index = (): Buffer | undefined => {
    const file = join(root, 'index.html');
    if (!existsSync(file)) return undefined;
    const mtimeMs = statSync(file).mtimeMs;
    if (indexCache?.mtimeMs !== mtimeMs) {
      const auth = opts.auth ? `${opts.auth.type}${opts.auth.header ? ` ${opts.auth.header}` : ''}` : 'none';
      const html = readFileSync(file, 'utf8').replace(
        '<meta name="gridctl-auth" content="none">',
        `<meta name="gridctl-auth" content="${escapeAttr(auth)}">`,
      );
      indexCache = { mtimeMs, body: Buffer.from(html) };
    }
    return indexCache.body;
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const kind = classify(path);
    if (!kind) return false;
    if (kind === 'index') {
      const body = index();
      if (!body) {
        send(
          res,
          req,
          404,
          'text/plain; charset=utf-8',
          'no-store',
          'The web UI is not built (npm run build).',
        );
        return true;
      }
      send(res, req, 200, TYPES['.html']!, 'no-cache', body, { 'content-security-policy': CSP });
      return true;
    }
    const file = safeJoin(root, path);
    let size = -1;
    try {
      const st = file ? statSync(file) : undefined;
      if (st?.isFile()) size = st.size;
    } catch {
      // missing: 404 below
    }
    if (!file || size < 0) {
      send(res, req, 404, 'text/plain; charset=utf-8', 'no-store', 'Not found');
      return true;
    }
    const immutable = path.startsWith('/assets/');
    res.writeHead(200, {
      'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  };
}

/** 'index' for the app shell and client routes, 'file' for static files, undefined otherwise. */
export function classify(path: string): 'index' | 'file' | undefined {
  if (path === '/' || path === '/index.html') return 'index';
  const first = path.split('/')[1] ?? '';
  if ((UI_ROUTES as readonly string[]).includes(first)) return 'index';
  if (path.startsWith('/assets/') || path === '/favicon.svg') return 'file';
  return undefined;
}

/** The absolute file for a URL path, or undefined when it would leave the root or is hidden. */
export function safeJoin(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  if (decoded.split('/').some((seg) => seg.startsWith('.'))) return undefined;
  const file = resolve(root, `.${decoded}`);
  return file.startsWith(root + sep) ? file : undefined;
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  type: string,
  cache: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    'content-type': type,
    'content-length': buf.length,
    'cache-control': cache,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...extra,
  });
  res.end(req.method === 'HEAD' ? undefined : buf);
}

function escapeAttr(s: string): string {
  return s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}
