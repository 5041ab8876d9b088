// The tasks extension (io.modelcontextprotocol/tasks) across several upstreams. A server that
// creates a task answers tools/call with a CreateTaskResult naming its own taskId; two servers may
// well both have a "task-1". So the gateway hands the client a taskId of its own: the owning
// server, the server's taskId and the principal, HMAC-signed (like requestState). tasks/get,
// tasks/update and tasks/cancel (and, for handshake-era sessions, tasks/result and tasks/list)
// carry it back; the gateway checks it, sends the server its own id and puts ours back in the
// answer. A taskId that is not ours, was altered or belongs to another client is an unknown task.
// A 2025 upstream's tasks/list names every task of its (shared) upstream session, so the gateway
// also remembers which client each task was created for and lists only that client's own.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { rpcError } from '../../errors/catalogue.js';
import type { RpcError } from '../../protocol/jsonrpc.js';
import { STATELESS_TASK_METHODS } from '../../protocol/mcp-headers.js';

type Obj = Record<string, unknown>;

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The extension's methods on the stateless surface (tasks/result and tasks/list are gone there). */
export const MODERN_TASK_METHODS = STATELESS_TASK_METHODS;

/** Methods that name one task by `params.taskId`, in either era. */
export const TASK_ID_METHODS = new Set(['tasks/get', 'tasks/update', 'tasks/cancel', 'tasks/result']);

const PREFIX = 'gridctl-task.1.';
const RELATED_TASK = 'io.modelcontextprotocol/related-task';

interface TaskRef {
  /** Owning server. */
  s: string;
  /** The server's own taskId. */
  t: string;
  /** Principal (access id). */
  p: string;
}

/** How long an owner is remembered for a task that states no TTL, and how many are remembered. */
const DEFAULT_OWNER_TTL_MS = 24 * 3600_000;
const MAX_OWNERS = 10_000;

export class TaskIds {
  private readonly key = randomBytes(32);
  /** `server\0taskId` → the principal it was created for, until the task's TTL ends. */
  private readonly owners = new Map<string, { p: string; until: number }>();

  /** Our taskId for a task just created for `principal`, who alone will see it in tasks/list. */
  issue(server: string, taskId: string, principal: string, ttlMs?: number): string {
    const now = Date.now();
    const key = `${server}\0${taskId}`;
    this.owners.delete(key);
    this.owners.set(key, { p: principal, until: now + (ttlMs ?? DEFAULT_OWNER_TTL_MS) });
    // Oldest first (insertion order): drop the expired and, past the cap, the oldest.
    for (const [k, o] of this.owners) {
      if (o.until > now && this.owners.size <= MAX_OWNERS) break;
      this.owners.delete(k);
    }
    return this.wrap(server, taskId, principal);
  }

  /** Whether `server`'s task was created through this gateway for `principal` (and is not expired). */
  ownedBy(server: string, taskId: string, principal: string): boolean {
    const o = this.owners.get(`${server}\0${taskId}`);
    return !!o && o.p === principal && o.until > Date.now();
  }

  /** Our taskId for the server's `taskId`, bound to the principal that created the task. */
  wrap(server: string, taskId: string, principal: string): string {
    const body = Buffer.from(
      JSON.stringify({ s: server, t: taskId, p: principal } satisfies TaskRef),
    ).toString('base64url');
    return `${PREFIX}${body}.${this.mac(body)}`;
  }

  /** The owner and the server's taskId, or undefined for any id that is not ours for this principal. */
  unwrap(id: unknown, principal: string): { server: string; taskId: string } | undefined {
    if (typeof id !== 'string' || !id.startsWith(PREFIX)) return undefined;
    const [body, mac] = id.slice(PREFIX.length).split('.');
    if (!body || !mac) return undefined;
    const want = Buffer.from(this.mac(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    try {
      const r = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TaskRef;
      if (r.p !== principal || typeof r.s !== 'string' || typeof r.t !== 'string') return undefined;
      return { server: r.s, taskId: r.t };
    } catch {
      return undefined;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** Whether the client declared the extension (in this request's `_meta` or its session). */
export function declaresTasks(caps: Obj | undefined): boolean {
  const ext = caps?.extensions;
  return !!ext && typeof ext === 'object' && (ext as Obj)[TASKS_EXTENSION] !== undefined;
}

export function tasksNotDeclared(method: string): RpcError {
  return rpcError(
    'TASKS_NOT_DECLARED',
    { method, extension: TASKS_EXTENSION },
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
  );
}

export function unknownTask(taskId: unknown): RpcError {
  return rpcError('TASK_UNKNOWN', { task: String(taskId) });
}

/**
 * A result naming the server's task (CreateTaskResult, DetailedTask, a 2025 CreateTaskResult's
 * nested `task`, a tasks/list page): the same result with our taskIds in place of the server's.
 */
export function wrapTaskIds(result: Obj, wrap: (taskId: string) => string): Obj {
  let out = result;
  if (typeof result.taskId === 'string') out = { ...out, taskId: wrap(result.taskId) };
  const nested = result.task as Obj | undefined;
  if (nested && typeof nested === 'object' && typeof nested.taskId === 'string') {
    out = { ...out, task: { ...nested, taskId: wrap(nested.taskId) } };
  }
  // 2025-11-25 tasks/result: the tool result names its task in `_meta`.
  const meta = result._meta as Obj | undefined;
  const related = meta?.[RELATED_TASK] as Obj | undefined;
  if (related && typeof related.taskId === 'string') {
    out = { ...out, _meta: { ...meta, [RELATED_TASK]: { ...related, taskId: wrap(related.taskId) } } };
  }
  if (Array.isArray(result.tasks)) {
    out = {
      ...out,
      tasks: (result.tasks as Obj[]).map((t) =>
        t && typeof t.taskId === 'string' ? { ...t, taskId: wrap(t.taskId) } : t,
      ),
    };
  }
  return out;
}

/** The TTL a CreateTaskResult states (2026 `ttlMs`, 2025 `task.ttl`), in ms. */
export function taskTtlMs(result: Obj): number | undefined {
  const nested = result.task as Obj | undefined;
  const ttl = typeof result.ttlMs === 'number' ? result.ttlMs : nested?.ttl;
  return typeof ttl === 'number' && ttl > 0 ? ttl : undefined;
}

/** Whether a tools/call result created a task (2026: resultType task; 2025: a nested `task`). */
export function createsTask(result: unknown): result is Obj {
  if (!result || typeof result !== 'object') return false;
  const r = result as Obj;
  return (
    (r.resultType === 'task' && typeof r.taskId === 'string') ||
    (!!r.task && typeof r.task === 'object' && typeof (r.task as Obj).taskId === 'string')
  );
}
