// REST routes for tool-schema pins (see docs/pins.md):
//   GET    /api/pins                   every server: pinned tools (hash, pinned_at, findings) and drift
//   GET    /api/pins/<server>          one server (the same shape; `pins diff` reads it)
//   POST   /api/pins/<server>/approve  re-pin what the server serves now; withheld tools come back at once
//                                      body {"expect": "<live_hash>"} optional: approve only that diff
//   DELETE /api/pins/<server>          forget the server's pins (a live server is pinned afresh)
// Changes refuse foreign browser origins and non-loopback Host names (DNS rebinding) unless listed,
// and POST wants a JSON body, so a web page cannot approve a rug-pull behind the user's back.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PIN_ERRORS } from '../errors/pins.js';
import { RequestGuard } from '../gateway/downstream/origin.js';
import {
  type ApproveResult,
  PinError,
  type PinManager,
  type PinsReport,
  type ServerPinReport,
} from '../security/pins/index.js';
import { readJsonObject } from './body.js';
import { ApiError, sendJson } from './errors.js';

export interface PinsView {
  report(): PinsReport;
  server(name: string): ServerPinReport | undefined;
  approve(name: string, expect?: string): Promise<ApproveResult>;
  reset(name: string): Promise<{ server: string; repinned: boolean }>;
  /** Host names accepted on changes besides loopback ones (the stack's gateway.allowed_hosts). */
  allowedHosts?(): readonly string[];
}

type Route = [
  method: string,
  pattern: RegExp,
  handler: (req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => Promise<void> | void,
];

/** Adapts the pin manager and the gateway (which must re-read what is withheld) to the API. */
export function pinsView(
  pins: PinManager,
  gateway: { pinsChanged(): void },
  allowedHosts: () => readonly string[] = () => [],
): PinsView {
  const mapped = async <T>(fn: () => T): Promise<T> => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof PinError) throw new ApiError(PIN_ERRORS[err.code].api, err.message);
      throw err;
    }
  };
  return {
    report: () => pins.report(),
    server: (name) => (pins.has(name) ? pins.serverReport(name) : undefined),
    approve: async (name, expect) => {
      const r = await mapped(() => pins.approve(name, expect));
      gateway.pinsChanged();
      await pins.flush();
      return r;
    },
    reset: async (name) => {
      const r = await mapped(() => pins.reset(name));
      gateway.pinsChanged();
      await pins.flush();
      return r;
    },
    allowedHosts,
  };
}

/** A change must come from an allowed Host and a same-origin or allowed Origin (also used by skills). */
export function checkChange(req: IncomingMessage, view: { allowedHosts?(): readonly string[] }): void {
  const guard = new RequestGuard(view.allowedHosts?.() ?? [], []);
  const host = req.headers.host;
  if (!guard.hostAllowed(host)) throw new ApiError('bad_request', `host ${host} is not allowed`);
  const origin = req.headers.origin;
  if (origin !== undefined && !guard.originAllowed(origin)) {
    let same = false;
    try {
      same = new URL(origin).host.toLowerCase() === (host ?? '').toLowerCase();
    } catch {
      same = false;
    }
    if (!same) throw new ApiError('bad_request', `origin ${origin} is not allowed`);
  }
}

/** A JSON object body with `Content-Type: application/json` (a plain form cannot send one). */
export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new ApiError('bad_request', 'expected Content-Type: application/json');
  return readJsonObject(req, 64 * 1024, 'request body too large');
}

export function pinRoutes(view: { pins?: PinsView }): Route[] {
  const pins = (): PinsView => {
    if (!view.pins) throw new ApiError('no_stack', 'schema pinning is not available (no stack loaded)');
    return view.pins;
  };
  const one = (raw: string | undefined): ServerPinReport => {
    const name = decodeURIComponent(raw ?? '');
    const r = pins().server(name);
    if (!r) throw new ApiError('not_found', `no pins and no tools known for server "${name}"`);
    return r;
  };
  return [
    ['GET', /^\/api\/pins$/, (_req, res) => sendJson(res, 200, pins().report())],
    ['GET', /^\/api\/pins\/([^/]+)$/, (_req, res, _url, [name]) => sendJson(res, 200, one(name))],
    ['GET', /^\/api\/pins\/([^/]+)\/diff$/, (_req, res, _url, [name]) => sendJson(res, 200, one(name))],
    [
      'POST',
      /^\/api\/pins\/([^/]+)\/approve$/,
      async (req, res, _url, [name]) => {
        const v = pins();
        checkChange(req, v);
        const body = await readBody(req);
        if (body.expect !== undefined && typeof body.expect !== 'string')
          throw new ApiError('bad_request', '"expect" must be a server hash string');
        sendJson(
          res,
          200,
          await v.approve(decodeURIComponent(name ?? ''), body.expect as string | undefined),
        );
      },
    ],
    [
      'DELETE',
      /^\/api\/pins\/([^/]+)$/,
      async (req, res, _url, [name]) => {
        const v = pins();
        checkChange(req, v);
        sendJson(res, 200, await v.reset(decodeURIComponent(name ?? '')));
      },
    ],
  ];
}
