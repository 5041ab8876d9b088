// Code mode: clients see two tools, `search` (find tools in the caller's universe) and `execute`
// (run JavaScript that calls them). This interceptor answers those two names; every call a script
// makes re-enters the whole pipeline as an inner call, so scope, groups, rate limits, pins, caps and
// formats apply to it exactly as to a direct call. Direct `server__tool` calls pass through.

import { coded } from '../../../errors/coded.js';
import type { Obj } from '../../catalogue/catalog.js';
import { resultCap } from '../result-cap/result-cap.js';
import type { CallContext, CallHandler, Interceptor, ToolResult } from '../types.js';
import { sandboxFetch } from './fetch.js';
import { runSandbox, type SandboxLimits } from './sandbox.js';

export const MAX_CODE_BYTES = 64 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;
/** Scripts running at once, gateway-wide: bounds the heaps to this many times the memory limit. */
export const MAX_RUNNING = 8;

export const CODE_MODE_TOOLS: readonly Obj[] = [
  {
    name: 'search',
    description:
      'Search the tools available through this gateway. Matches the query (case-insensitive substring) against tool names, descriptions and input parameter names; an empty query lists every tool. Returns each match with its name, description and input schema.',
    inputSchema: {
      type: 'object',
      properties: {
        query: {
          type: 'string',
          description: 'Text to look for in tool names, descriptions and parameter names.',
        },
      },
      required: ['query'],
    },
  },
  {
    name: 'execute',
    description:
      'Run JavaScript that calls the gateway\'s tools. `await mcp.callTool("server", "tool", {args})` calls the tool <server>__<tool> and resolves with its structured result, its text parsed as JSON, or the raw text; a failing call throws. Calls run in parallel with Promise.all. Also available: console.log, sleep(ms), setTimeout, crypto.randomUUID() and fetch (HTTPS to public addresses only). No require, import, filesystem or process access. The result is the value of the last expression (return a Promise, e.g. an async IIFE, to await it) followed by the console output.',
    inputSchema: {
      type: 'object',
      properties: { code: { type: 'string', description: 'JavaScript to run.' } },
      required: ['code'],
    },
  },
];

export const CODE_MODE_TOOLS_JSON = JSON.stringify(CODE_MODE_TOOLS);

export const CODE_MODE_INSTRUCTIONS =
  'Code mode is on: this gateway lists two tools instead of every server\'s tools. Call `search` with a few words to find tools (name, description, input schema), then `execute` with JavaScript that calls them: `const r = await mcp.callTool("server", "tool", {...})`. Wrap awaits in an async IIFE, e.g. `(async () => { const [a, b] = await Promise.all([...]); return {a, b}; })()`; the returned value and console.log output come back as the result.';

export interface CodeModeOptions {
  /** code_mode_timeout in milliseconds. */
  timeoutMs: number;
  memoryBytes: number;
  /** gateway.maxToolResultBytes (0: its default): execute's own answer is capped like any result. */
  maxResultBytes?: number;
}

export interface CodeModeDeps {
  /** The tools the caller may call, scoped and group-rewritten; undefined when its group is gone. */
  universe(ctx: CallContext): readonly Obj[] | undefined;
  /**
   * One inner call through the whole pipeline, on behalf of the outer call's session; `signal`
   * ends it when the script ends (a timeout, or a call the script never awaited).
   */
  call(outer: CallContext, params: Obj, signal: AbortSignal): Promise<ToolResult>;
}

export function codeMode(opts: CodeModeOptions, deps: CodeModeDeps): Interceptor {
  // This stage answers before the pipeline's own result cap, so it applies the same cap itself.
  const capped = resultCap({ maxBytes: opts.maxResultBytes ?? 0 });
  let running = 0;
  const run = async (ctx: CallContext, code: unknown): Promise<ToolResult> => {
    if (running >= MAX_RUNNING) {
      return failure(`${MAX_RUNNING} code-mode scripts are already running on this gateway`, HINTS.busy);
    }
    running++;
    try {
      return await execute(ctx, code, opts, deps);
    } finally {
      running--;
    }
  };
  return (next: CallHandler) => async (ctx) => {
    if (ctx.inner || (ctx.requested !== 'search' && ctx.requested !== 'execute')) return next(ctx);
    const args = (ctx.params.arguments ?? {}) as Obj;
    if (ctx.requested === 'search') {
      const tools = deps.universe(ctx);
      if (!tools) return next(ctx); // the group is gone: let the pipeline say so
      return text(search(tools, typeof args.query === 'string' ? args.query : ''));
    }
    return capped(() => run(ctx, args.code))(ctx);
  };
}

/** The reference's matching: a case-insensitive substring of the name, description or a parameter name. */
export function search(tools: readonly Obj[], query: string): string {
  const q = query.trim().toLowerCase();
  const hits = tools.filter((t) => {
    if (q === '') return true;
    if (String(t.name).toLowerCase().includes(q)) return true;
    if (typeof t.description === 'string' && t.description.toLowerCase().includes(q)) return true;
    const props = (t.inputSchema as Obj | undefined)?.properties;
    return (
      props !== null &&
      typeof props === 'object' &&
      Object.keys(props).some((k) => k.toLowerCase().includes(q))
    );
  });
  const shown = hits.map((t) => ({
    name: t.name,
    description: t.description ?? '',
    inputSchema: t.inputSchema,
  }));
  const matching = q === '' ? '' : ` matching '${query.trim()}'`;
  return `Found ${hits.length} tool(s)${matching} (out of ${tools.length} total):\n${JSON.stringify(shown, null, 2)}`;
}

const HINTS = {
  syntax:
    'Fix the JavaScript at that line and column. Top-level await is not supported: wrap the code in (async () => { ... })().',
  timeout:
    'The script ran past code_mode_timeout. Make fewer or faster calls, run independent calls together with Promise.all, and avoid endless loops.',
  memory:
    'The script used more memory than code mode allows. Process data in smaller pieces and keep only what the answer needs.',
  size: 'Send less code: move data out of the script and fetch it with tool calls instead.',
  denied: 'Use `search` to see which tools this client may call.',
  busy: 'Retry in a moment, or do more in one script (Promise.all) instead of many scripts at once.',
  runtime: "Check the error above; `search` shows each tool's exact name and input schema.",
} as const;

async function execute(
  ctx: CallContext,
  code: unknown,
  opts: CodeModeOptions,
  deps: CodeModeDeps,
): Promise<ToolResult> {
  if (typeof code !== 'string' || code.trim() === '') {
    return failure('the `code` argument is required: a string of JavaScript', HINTS.runtime);
  }
  const bytes = Buffer.byteLength(code);
  if (bytes > MAX_CODE_BYTES) {
    return failure(`the code is ${bytes} bytes; code mode accepts at most ${MAX_CODE_BYTES}`, HINTS.size);
  }
  const limits: SandboxLimits = { timeoutMs: opts.timeoutMs, memoryBytes: opts.memoryBytes };
  const ended = new AbortController();
  const out = await runSandbox(
    code,
    {
      callTool: (server, tool, args) => innerCall(ctx, deps, server, tool, args, ended.signal),
      fetch: (url, init) => sandboxFetch(url, init, ended.signal),
    },
    limits,
  ).finally(() => ended.abort(new Error('the code-mode script ended')));
  const consoleText = out.logs.length > 0 ? `\n\n--- Console Output ---\n${out.logs.join('\n')}` : '';
  if (!out.ok) {
    const hint =
      out.kind === 'runtime' && /access scope|not in group/i.test(out.message)
        ? HINTS.denied
        : HINTS[out.kind];
    return failure(out.message, hint, consoleText);
  }
  if (out.value === undefined && out.logs.length === 0) return text('(no output)');
  const value =
    out.value === undefined ? '' : typeof out.value === 'string' ? out.value : JSON.stringify(out.value);
  return text(out.value === undefined ? consoleText.trimStart() : value + consoleText);
}

/** One mcp.callTool from the script: the result as a script value, or a thrown Error. */
async function innerCall(
  ctx: CallContext,
  deps: CodeModeDeps,
  server: string,
  tool: string,
  args: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  const name = server === '' ? tool : `${server}__${tool}`;
  let result: ToolResult;
  try {
    result = await deps.call(ctx, { name, arguments: args ?? {} }, signal);
  } catch (err) {
    throw coded('CODE_MODE_TOOL_FAILED', `${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const texts = ((result.content ?? []) as Obj[])
    .filter((c) => c.type === 'text' && typeof c.text === 'string')
    .map((c) => c.text as string);
  if (result.isError === true)
    throw coded('CODE_MODE_TOOL_FAILED', `tool error: ${texts.join('\n') || `${name} failed`}`);
  if (result.structuredContent !== undefined) return result.structuredContent;
  const first = texts.find((t) => t.trim() !== '');
  if (first === undefined) return null;
  try {
    return JSON.parse(first);
  } catch {
    return first;
  }
}

function text(t: string): ToolResult {
  return { content: [{ type: 'text', text: t }] };
}

function failure(message: string, hint: string, consoleText = ''): ToolResult {
  return {
    content: [{ type: 'text', text: `Error: ${message}\n\nHint: ${hint}${consoleText}` }],
    isError: true,
  };
}
