// Live state of the call policies: who is connected with what scope, and the rate-limit buckets.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './errors.js';
import type { StackView } from './view.js';

type Route = [method: string, pattern: RegExp, handler: (req: IncomingMessage, res: ServerResponse) => void];

export function policyRoutes(view: StackView): Route[] {
  return [
    ['GET', /^\/api\/sessions$/, (_req, res) => sendJson(res, 200, view.sessions?.() ?? [])],
    ['GET', /^\/api\/sessions\/stats$/, (_req, res) => sendJson(res, 200, view.sessionStats?.() ?? {})],
    ['GET', /^\/api\/limits$/, (_req, res) => sendJson(res, 200, view.limits?.() ?? [])],
  ];
}
