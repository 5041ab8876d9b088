// Stack-file routes for the web UI's Spec view and stackless wizard:
//   GET  /api/stack/source   the stack file as text, its hash, its issues, and drift (file vs applied)
//   POST /api/stack/plan     {yaml}        → issues + diff against the applied stack; writes nothing
//   POST /api/stack/apply    {yaml, hash}  → write the stack file, then reload
//   GET  /api/stacks                       → saved stacks in <home>/stacks
//   POST /api/stacks         {name, yaml, overwrite?} → validate, then save <home>/stacks/<name>.yaml
//
// Text is loaded through the same pipeline as a file (loadStack) by writing it to a private
// temporary file in the stack file's folder, so relative paths and `extends` resolve exactly as
// they will after the write (falling back to a private temp folder if that folder is read-only).
// The temporary name never matches the watched file, so the watcher does not fire.
//
// Writes are guarded beyond inbound auth, because a stack file names commands to run:
// - the body must be application/json (a cross-site form or text/plain POST cannot send it without
//   a CORS preflight, which the API never grants);
// - Host must be loopback or listed in gateway.allowed_hosts (DNS rebinding);
// - a browser's Origin must be the same origin as Host, or loopback;
// - apply refuses with 409 if the file changed on disk since the UI read it (hash), writes
//   atomically (temp + rename, same mode), and keeps the previous text in <file>.bak;
// - the stack's name cannot change through apply (that needs destroy + apply).
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { diffStacks, type StackDiff } from '../config/diff.js';
import { type Issue, loadStack, type Stack } from '../config/index.js';
import { RequestGuard } from '../gateway/downstream/origin.js';
import { readJsonObject } from './body.js';
import { ApiError, ApiErrorStatus, sendJson } from './errors.js';
import type { StackView } from './view.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_YAML = 512 * 1024;

export interface PlanBody {
  ok: boolean;
  issues: Issue[];
  diff: StackDiff | null;
  /** Set when the edited stack renames the stack (not appliable through reload). */
  nameChange?: { from: string; to: string };
}

/** The applied stack (the view keeps it untyped). */
export function appliedStack(view: StackView): Stack | undefined {
  return (view.appliedSpec?.() as Stack | undefined) ?? undefined;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Loads YAML text as if it were `target`, without touching `target`. */
export async function loadText(
  text: string,
  target: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ok: boolean; stack?: Stack; issues: Issue[] }> {
  const tmpName = `.${basename(target)}.check-${randomBytes(6).toString('hex')}.yaml`;
  let file = join(dirname(target), tmpName);
  let cleanup = () => rmSync(file, { force: true });
  try {
    writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
  } catch {
    const dir = mkdtempSync(join(tmpdir(), 'gridctl-plan-'));
    file = join(dir, basename(target));
    writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  }
  try {
    const loaded = await loadStack(file, { mode: 'validate', env });
    const issues = loaded.issues.map((i) => (i.file === file ? { ...i, file: target } : i));
    return { ok: loaded.ok, stack: loaded.stack, issues };
  } finally {
    cleanup();
  }
}

export async function planText(text: string, target: string, applied: Stack | undefined): Promise<PlanBody> {
  const loaded = await loadText(text, target);
  if (!loaded.ok || !loaded.stack) return { ok: false, issues: loaded.issues, diff: null };
  const body: PlanBody = { ok: true, issues: loaded.issues, diff: diffStacks(applied, loaded.stack) };
  if (applied && applied.name !== loaded.stack.name) {
    body.nameChange = { from: applied.name, to: loaded.stack.name };
    body.ok = false;
  }
  return body;
}

/** Rejects writes a browser was tricked into sending (see the header comment). */
export function checkWrite(req: IncomingMessage, allowedHosts: readonly string[] = []): void {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new ApiError('bad_request', 'expected Content-Type: application/json');
  const guard = new RequestGuard(allowedHosts, []);
  const host = req.headers.host;
  if (!guard.hostAllowed(host)) throw forbidden(`host ${host} is not allowed`);
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let same = false;
    try {
      same = new URL(origin).host.toLowerCase() === (host ?? '').toLowerCase();
    } catch {
      same = false;
    }
    if (!same && !guard.originAllowed(origin)) throw forbidden(`origin ${origin} is not allowed`);
  }
}

class Forbidden extends ApiError {}
function forbidden(message: string): ApiError {
  return new Forbidden('bad_request', message);
}

export async function readBody(
  req: IncomingMessage,
  max = MAX_YAML + 4096,
): Promise<Record<string, unknown>> {
  return readJsonObject(req, max);
}

function yamlOf(body: Record<string, unknown>): string {
  if (typeof body.yaml !== 'string') throw new ApiError('bad_request', 'expected {"yaml": "<stack text>"}');
  if (body.yaml.length > MAX_YAML) throw new ApiError('bad_request', `stack text over ${MAX_YAML} bytes`);
  return body.yaml;
}

type Route = [
  method: string,
  pattern: RegExp,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
];

export function stackEditRoutes(view: StackView, home: string | undefined): Route[] {
  const allowedHosts = () => appliedStack(view)?.gateway?.allowed_hosts ?? [];
  const stackFile = () => {
    const f = view.stackFile?.();
    if (!f) throw new ApiError('no_stack', 'no stack file is loaded');
    return f;
  };
  let applying: Promise<unknown> = Promise.resolve();

  const guarded = (fn: (req: IncomingMessage, res: ServerResponse) => Promise<void>) => {
    return async (req: IncomingMessage, res: ServerResponse) => {
      try {
        checkWrite(req, allowedHosts());
      } catch (err) {
        if (err instanceof Forbidden) {
          sendJson(res, ApiErrorStatus.forbidden, { error: { code: 'forbidden', message: err.message } });
          return;
        }
        throw err;
      }
      await fn(req, res);
    };
  };

  return [
    [
      'GET',
      /^\/api\/stack\/source$/,
      async (_req, res) => {
        const file = stackFile();
        const text = readFileSync(file, 'utf8');
        const plan = await planText(text, file, appliedStack(view));
        sendJson(res, 200, { file, text, hash: sha256(text), ...plan });
      },
    ],
    [
      'POST',
      /^\/api\/stack\/plan$/,
      guarded(async (req, res) => {
        const text = yamlOf(await readBody(req));
        const file = view.stackFile?.() ?? join(home ?? tmpdir(), 'stacks', 'new.yaml');
        sendJson(res, 200, await planText(text, file, appliedStack(view)));
      }),
    ],
    [
      'POST',
      /^\/api\/stack\/apply$/,
      guarded(async (req, res) => {
        const body = await readBody(req);
        const text = yamlOf(body);
        if (typeof body.hash !== 'string')
          throw new ApiError('bad_request', 'expected {"yaml", "hash"} (hash from GET /api/stack/source)');
        const file = stackFile();
        if (!view.reload) throw new ApiError('no_stack', 'this gateway cannot reload');
        const run = applying.then(async () => {
          const current = readFileSync(file, 'utf8');
          if (sha256(current) !== body.hash) {
            sendJson(res, ApiErrorStatus.stack_modified, {
              error: {
                code: 'stack_modified',
                message: `${file} changed on disk since it was read; reload it`,
              },
            });
            return;
          }
          const plan = await planText(text, file, appliedStack(view));
          if (!plan.ok) {
            sendJson(res, ApiErrorStatus.invalid_stack, {
              error: { code: 'invalid_stack', message: 'the edited stack is not valid' },
              plan,
            });
            return;
          }
          const tmp = join(dirname(file), `.${basename(file)}.write-${randomBytes(6).toString('hex')}`);
          writeFileSync(tmp, text, { mode: statSync(file).mode & 0o777 });
          copyFileSync(file, `${file}.bak`);
          renameSync(tmp, file);
          const reload = await view.reload!();
          sendJson(res, reload.success ? 200 : 502, {
            written: file,
            backup: `${file}.bak`,
            hash: sha256(text),
            reload,
          });
        });
        applying = run.catch(() => undefined);
        await run;
      }),
    ],
    [
      'GET',
      /^\/api\/stacks$/,
      (_req, res) => {
        if (!home) throw new ApiError('no_stack', 'no home directory');
        const dir = join(home, 'stacks');
        let names: string[] = [];
        try {
          names = readdirSync(dir)
            .filter((f) => f.endsWith('.yaml') && !f.startsWith('.'))
            .map((f) => f.slice(0, -5))
            .sort();
        } catch {
          names = [];
        }
        sendJson(res, 200, { dir, stacks: names });
      },
    ],
    [
      'POST',
      /^\/api\/stacks$/,
      guarded(async (req, res) => {
        if (!home) throw new ApiError('no_stack', 'no home directory');
        const body = await readBody(req);
        const text = yamlOf(body);
        const name = body.name;
        if (typeof name !== 'string' || !NAME.test(name))
          throw new ApiError(
            'bad_request',
            'name: letters, digits, ".", "_" or "-" (up to 64), starting with a letter or digit',
          );
        const dir = join(home, 'stacks');
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const file = join(dir, `${name}.yaml`);
        let exists = false;
        try {
          exists = statSync(file).isFile();
        } catch {
          exists = false;
        }
        if (exists && body.overwrite !== true)
          throw new ApiError('conflict', `a saved stack '${name}' already exists`);
        const loaded = await loadText(text, file);
        if (!loaded.ok) {
          sendJson(res, ApiErrorStatus.invalid_stack, {
            error: { code: 'invalid_stack', message: 'the stack is not valid' },
            issues: loaded.issues,
          });
          return;
        }
        const tmp = join(dir, `.${name}.yaml.write-${randomBytes(6).toString('hex')}`);
        writeFileSync(tmp, text, { mode: 0o600 });
        renameSync(tmp, file);
        sendJson(res, 201, { name, file, issues: loaded.issues });
      }),
    ],
  ];
}
