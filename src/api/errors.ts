// One JSON error shape for every API route: {"error": {"code": "...", "message": "..."}}.
// Codes are stable strings; the HTTP status comes with the code from the catalogue (src/errors/api.ts).
import type { ServerResponse } from 'node:http';
import { API_ERRORS, type ApiErrorCode } from '../errors/api.js';

/** The HTTP status of each code (src/errors/api.ts). */
export const ApiErrorStatus = Object.fromEntries(
  Object.entries(API_ERRORS).map(([code, e]) => [code, e.http]),
) as { readonly [C in ApiErrorCode]: (typeof API_ERRORS)[C]['http'] };

export type { ApiErrorCode };

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// Every body the gateway's HTTP server sends passes the redactor the request was bound to, so a
// stored secret inside any string (a failure reason, an error message, a spec) never leaves, whichever
// route produced it. The server binds each response first thing (bindRedactor); only the one route
// that reveals a value on purpose uses sendRevealed.
const redactors = new WeakMap<ServerResponse, (text: string) => string>();

export function bindRedactor(res: ServerResponse, redact: (text: string) => string): void {
  redactors.set(res, redact);
}

/** The redactor bound to this response (identity when none is). */
export function redactorOf(res: ServerResponse): (text: string) => string {
  return redactors.get(res) ?? ((t) => t);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  writeJson(res, status, redactorOf(res)(JSON.stringify(body)));
}

/** A body that carries a stored value on purpose (GET /api/var/KEY with reveal): not redacted. */
export function sendRevealed(res: ServerResponse, status: number, body: unknown): void {
  writeJson(res, status, JSON.stringify(body));
}

function writeJson(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, ApiErrorStatus[err.code], { error: { code: err.code, message: err.message } });
}
