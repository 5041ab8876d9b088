// LLM clients on the daemon's machine: which are installed and linked (GET /api/clients), and
// link / unlink / a preview of the change, for the web UI's Connections view. The work is
// src/link's, as for the CLI. Answers carry no file contents: a client's file may hold other
// servers' secrets, so a preview is the changed lines only (no context).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { clientEnv, DIALECTS, detected, dialectOf } from '../link/dialects.js';
import { lineDiff } from '../link/diff.js';
import { LinkError } from '../link/errors.js';
import { Ledger } from '../link/ledger.js';
import { type LinkOutcome, link, linkState, unlink } from '../link/linker.js';
import { ApiError, sendJson } from './errors.js';
import { appliedStack, checkWrite } from './stack-edit.js';
import type { StackView } from './view.js';

type Route = [
  method: string,
  pattern: RegExp,
  handler: (req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => Promise<void> | void,
];

export interface ClientsOptions {
  view: StackView;
  home?: string;
  env: NodeJS.ProcessEnv;
  /** Where this gateway listens, for the URL an entry points at. */
  gateway?: { port: number; host: string };
  readJson(req: IncomingMessage): Promise<unknown>;
}

interface LinkBody {
  name?: string;
  group?: string;
  client_id?: string;
  force?: boolean;
}

export function clientRoutes(o: ClientsOptions): Route[] {
  const ce = () => {
    const file = o.view.stackFile?.();
    return clientEnv(o.env, file ? dirname(file) : process.cwd());
  };
  const ledger = () => {
    if (!o.home) throw new ApiError('no_stack', 'this gateway has no home folder for the link ledger');
    return Ledger.open(o.home);
  };
  const declared = () => {
    const spec = o.view.appliedSpec?.() as { link?: unknown[] } | undefined;
    return (spec?.link ?? []).map((e) => (typeof e === 'string' ? { client: e } : (e as { client: string })));
  };
  const dialect = (slug: string) => {
    const d = dialectOf(decodeURIComponent(slug));
    if (!d) throw new ApiError('not_found', `no client "${slug}" (GET /api/clients lists them)`);
    return d;
  };
  // Writes to a client's file pass the same guard as writes to the stack file (stack-edit.ts).
  const guard = (req: IncomingMessage) => checkWrite(req, appliedStack(o.view)?.gateway?.allowed_hosts ?? []);
  const body = async (req: IncomingMessage): Promise<LinkBody> => {
    guard(req);
    const b = (await o.readJson(req)) as LinkBody | null;
    if (b === null || typeof b !== 'object' || Array.isArray(b))
      throw new ApiError('bad_request', 'expected a JSON object');
    for (const k of ['name', 'group', 'client_id'] as const) {
      if (b[k] !== undefined && (typeof b[k] !== 'string' || b[k] === '')) {
        throw new ApiError('bad_request', `"${k}" must be a non-empty string`);
      }
    }
    return b;
  };
  const at = () => {
    if (!o.gateway) throw new ApiError('no_stack', 'this gateway does not know its own address');
    return o.gateway;
  };
  const answer = (res: ServerResponse, out: LinkOutcome) => {
    if (out.action === 'conflict')
      throw new ApiError('conflict', out.message ?? "the entry is not gridctl's");
    const { before, after, ...rest } = out;
    sendJson(res, 200, { ...rest, diff: lineDiff(before, after, 0) });
  };
  const run = (fn: () => LinkOutcome) => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof LinkError) throw new ApiError('conflict', `${err.message} (${err.code})`);
      throw err;
    }
  };
  const linkWith = (slug: string, b: LinkBody, dryRun: boolean) =>
    run(() =>
      link(dialect(slug), ce(), ledger(), {
        ...at(),
        name: b.name,
        group: b.group,
        clientId: b.client_id,
        force: b.force === true,
        dryRun,
      }),
    );

  return [
    [
      'GET',
      /^\/api\/clients$/,
      (_req, res) => {
        const env = ce();
        const l = ledger();
        const decl = declared();
        sendJson(
          res,
          200,
          DIALECTS.map((d) => ({
            slug: d.slug,
            name: d.name,
            detected: detected(d, env),
            ...linkState(d, env, l),
            declared: decl.some((e) => e.client === d.slug),
            note: d.note,
          })),
        );
      },
    ],
    [
      'POST',
      /^\/api\/clients\/([^/]+)\/link\/preview$/,
      async (req, res, _url, [slug]) => answer(res, linkWith(slug!, await body(req), true)),
    ],
    [
      'POST',
      /^\/api\/clients\/([^/]+)\/link$/,
      async (req, res, _url, [slug]) => answer(res, linkWith(slug!, await body(req), false)),
    ],
    [
      'DELETE',
      /^\/api\/clients\/([^/]+)\/link$/,
      (req, res, url, [slug]) => {
        guard(req);
        answer(
          res,
          run(() =>
            unlink(dialect(slug!), ce(), ledger(), {
              name: url.searchParams.get('name') ?? undefined,
              group: url.searchParams.get('group') ?? undefined,
              force: url.searchParams.get('force') === 'true',
              dryRun: url.searchParams.get('dry_run') === 'true',
            }),
          ),
        );
      },
    ],
  ];
}
