// Code mode's sandbox: the model's JavaScript runs in QuickJS compiled to WebAssembly. The script
// shares no object, module loader or host API with the gateway: the only ways out are the host
// functions installed below (mcp.callTool, fetch, sleep, console, crypto.randomUUID), each passing
// plain JSON text. Every execute gets its own WebAssembly instance, so whatever a script does to its
// interpreter (an allocation bomb, a deep recursion) ends with that instance.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
  newQuickJSWASMModule,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSSyncVariant,
  RELEASE_SYNC,
  shouldInterruptAfterDeadline,
} from 'quickjs-emscripten';

export interface SandboxLimits {
  /** Wall clock for the whole script, including the inner calls it waits for. */
  timeoutMs: number;
  /** The interpreter's heap (QuickJS's own allocator limit). */
  memoryBytes: number;
}

/** What the script can reach. Each resolves with a JSON-encodable value or rejects with an Error. */
export interface SandboxHost {
  callTool(server: string, tool: string, args: unknown): Promise<unknown>;
  fetch(url: string, init: unknown): Promise<unknown>;
}

export type SandboxOutcome =
  | { ok: true; value: unknown; logs: string[] }
  | { ok: false; kind: 'syntax' | 'timeout' | 'memory' | 'runtime'; message: string; logs: string[] };

/** Interpreter stack: deep recursion becomes a catchable "stack overflow", not a host crash. */
const STACK_BYTES = 256 * 1024;
/** Console output kept per execute. */
const MAX_LOG_CHARS = 64 * 1024;

// Runs inside the sandbox before the script: wraps the raw host bridge (__host, then deleted) in
// the documented globals. Values cross as JSON text only.
const PRELUDE = `(() => {
  const h = globalThis.__host;
  delete globalThis.__host;
  const show = (x) => {
    if (typeof x === 'string') return x;
    try { const j = JSON.stringify(x); return j === undefined ? String(x) : j; } catch { return String(x); }
  };
  const log = (...a) => h.log(a.map(show).join(' '));
  globalThis.console = Object.freeze({ log, info: log, warn: log, error: log, debug: log });
  const call = (op, payload) => h.call(op, JSON.stringify(payload)).then((t) => JSON.parse(t));
  globalThis.mcp = Object.freeze({
    callTool: (server, tool, args) => call('tool', { server: String(server), tool: String(tool), args: args ?? {} }),
  });
  globalThis.sleep = (ms) => call('sleep', { ms: Number(ms) || 0 });
  const timers = new Set();
  let next = 0;
  globalThis.setTimeout = (fn, ms, ...a) => {
    const id = ++next;
    timers.add(id);
    sleep(ms).then(() => { if (timers.delete(id)) fn(...a); });
    return id;
  };
  globalThis.clearTimeout = (id) => { timers.delete(id); };
  globalThis.fetch = (url, init) => call('fetch', { url: String(url), init: init ?? {} }).then((r) => ({
    ok: r.ok, status: r.status, statusText: r.statusText, url: r.url, headers: r.headers,
    text: async () => r.body,
    json: async () => JSON.parse(r.body),
  }));
  globalThis.crypto = Object.freeze({ randomUUID: () => h.uuid() });
})();`;

class Timeout extends Error {}

let variant: Promise<QuickJSSyncVariant> | undefined;

/** QuickJS compiled once per process; each execute only instantiates it (about 5 ms, not 20-40). */
function compiled(): Promise<QuickJSSyncVariant> {
  variant ??= (async () => {
    const file = createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
    // The build's lib (src only, no DOM) types WebAssembly as a namespace only: the global is
    // reached, and the compiled module passed on, untyped.
    const wasm = (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<unknown> } })
      .WebAssembly;
    const wasmModule = await wasm.compile(await readFile(file));
    return newVariant(RELEASE_SYNC, { wasmModule } as Parameters<typeof newVariant>[1]);
  })();
  return variant;
}

export async function runSandbox(
  code: string,
  host: SandboxHost,
  limits: SandboxLimits,
): Promise<SandboxOutcome> {
  const logs: string[] = [];
  let logChars = 0;
  const deadline = Date.now() + limits.timeoutMs;
  const qjs = await newQuickJSWASMModule(await compiled());
  const rt = qjs.newRuntime();
  rt.setMemoryLimit(limits.memoryBytes);
  rt.setMaxStackSize(STACK_BYTES);
  rt.setInterruptHandler(shouldInterruptAfterDeadline(deadline));
  const vm = rt.newContext();
  let finished = false;

  const pump = () => {
    if (!finished) rt.executePendingJobs();
  };

  const bridge = vm.newObject();
  vm.newFunction('log', (line) => {
    const text = vm.getString(line);
    if (logChars < MAX_LOG_CHARS) {
      logs.push(
        logChars + text.length > MAX_LOG_CHARS ? `${text.slice(0, MAX_LOG_CHARS - logChars)}…` : text,
      );
      if (logChars + text.length >= MAX_LOG_CHARS) logs.push('[console output truncated]');
    }
    logChars += text.length;
  }).consume((f) => vm.setProp(bridge, 'log', f));
  vm.newFunction('uuid', () => vm.newString(randomUUID())).consume((f) => vm.setProp(bridge, 'uuid', f));
  vm.newFunction('call', (opHandle, payloadHandle) => {
    const op = vm.getString(opHandle);
    const payload = JSON.parse(vm.getString(payloadHandle)) as Record<string, unknown>;
    const deferred = vm.newPromise();
    hostOp(op, payload, host, deadline).then(
      (value) => {
        if (finished) return;
        vm.newString(JSON.stringify(value ?? null)).consume((v) => deferred.resolve(v));
        deferred.dispose();
        pump();
      },
      (err: unknown) => {
        if (finished) return;
        vm.newError(err instanceof Error ? err.message : String(err)).consume((e) => deferred.reject(e));
        deferred.dispose();
        pump();
      },
    );
    return deferred.handle;
  }).consume((f) => vm.setProp(bridge, 'call', f));
  vm.setProp(vm.global, '__host', bridge);
  bridge.dispose();
  vm.unwrapResult(vm.evalCode(PRELUDE, 'prelude.js')).dispose();

  let outcome: SandboxOutcome;
  try {
    const evaluated = vm.evalCode(code, 'script.js');
    if (evaluated.error) {
      outcome = failure(vm, evaluated.error, logs, limits);
    } else {
      let value = evaluated.value;
      if (isThenable(vm, value)) {
        const settled = vm.resolvePromise(value);
        value.dispose();
        pump();
        const r = await raceDeadline(settled, deadline);
        if (r.error) {
          finished = true;
          return failure(vm, r.error, logs, limits);
        }
        value = r.value;
      }
      const dumped = vm.typeof(value) === 'undefined' ? undefined : vm.dump(value);
      value.dispose();
      outcome = { ok: true, value: dumped, logs };
    }
  } catch (err) {
    if (!(err instanceof Timeout)) throw err;
    outcome = { ok: false, kind: 'timeout', message: timeoutMessage(limits), logs };
  }
  // The instance is not disposed: QuickJS asserts that no handle is left, which a timed-out script
  // (host calls still out) cannot promise. Unreferenced, the whole WebAssembly instance, heap
  // included, goes to the garbage collector.
  finished = true;
  return outcome;
}

function isThenable(vm: QuickJSContext, h: QuickJSHandle): boolean {
  if (vm.typeof(h) !== 'object') return false;
  return vm.getProp(h, 'then').consume((t) => vm.typeof(t) === 'function');
}

async function raceDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

function hostOp(
  op: string,
  p: Record<string, unknown>,
  host: SandboxHost,
  deadline: number,
): Promise<unknown> {
  switch (op) {
    case 'tool':
      return host.callTool(p.server as string, p.tool as string, p.args);
    case 'fetch':
      return host.fetch(p.url as string, p.init);
    case 'sleep': {
      // A sleep past the deadline never wakes: the timeout answers first, and the timer does not
      // hold the process open.
      const ms = Math.max(0, p.ms as number);
      if (Date.now() + ms > deadline) return new Promise(() => {});
      return new Promise((resolve) => setTimeout(() => resolve(null), ms).unref());
    }
    default:
      return Promise.reject(new Error(`unknown host operation ${op}`));
  }
}

function timeoutMessage(limits: SandboxLimits): string {
  return `execution timed out after ${limits.timeoutMs / 1000} s`;
}

function failure(
  vm: QuickJSContext,
  errHandle: QuickJSHandle,
  logs: string[],
  limits: SandboxLimits,
): SandboxOutcome {
  const e = vm.dump(errHandle) as { name?: string; message?: string; stack?: string } | string;
  if (typeof e !== 'object' || e === null)
    return { ok: false, kind: 'runtime', message: `Uncaught ${String(e)}`, logs };
  const message = e.message ?? String(e);
  const at = /script\.js:(\d+):(\d+)/.exec(e.stack ?? '');
  if (e.name === 'SyntaxError') {
    const where = at ? ` at line ${at[1]}, column ${at[2]}` : '';
    return { ok: false, kind: 'syntax', message: `syntax error${where}: ${message}`, logs };
  }
  if (e.name === 'InternalError' && message === 'interrupted') {
    return { ok: false, kind: 'timeout', message: timeoutMessage(limits), logs };
  }
  if (e.name === 'InternalError' && (message === 'out of memory' || message === 'string too long')) {
    const mib = Math.round(limits.memoryBytes / (1024 * 1024));
    return { ok: false, kind: 'memory', message: `the script ran out of memory (limit ${mib} MiB)`, logs };
  }
  const where = at ? ` (line ${at[1]}, column ${at[2]})` : '';
  return { ok: false, kind: 'runtime', message: `${e.name ?? 'Error'}: ${message}${where}`, logs };
}
