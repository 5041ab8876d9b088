// One JSON error shape for every API route: {"error": {"code": "...", "message": "..."}}.
// Codes are stable strings; the HTTP status is derived from the code in one table.
import type { ServerResponse } from 'node:http';

export const ApiErrorStatus = {
  not_found: 404,
  method_not_allowed: 405,
  bad_request: 400,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  no_stack: 503,
  reload_failed: 400,
  internal: 500,
} as const;

export type ApiErrorCode = keyof typeof ApiErrorStatus;

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
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
