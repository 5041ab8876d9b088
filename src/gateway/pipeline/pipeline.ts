// The call pipeline: every tools/call, from a client or from inside code mode, runs the same
// interceptors in the order declared here, ending in the gateway's forward. Policies swap whole on
// reload (a new CallPipeline built from the old one keeps unchanged rate-limit buckets).
import type { SkillsPolicy } from '../../skills/policy.js';
import type { Obj } from '../catalogue/catalog.js';
import { type CodeModeOptions, codeMode } from './code-mode/code-mode.js';
import { compose } from './compose.js';
import { type GroupResolver, groupInterceptor } from './group/group.js';
import { converts, type Format, outputFormat } from './output-format/output-format.js';
import { RateLimiter, type RateLimitSpec, rateLimitInterceptor } from './rate-limit/rate-limit.js';
import { resultCap } from './result-cap/result-cap.js';
import { routeInterceptor, type ToolRouter } from './route/route.js';
import { ClientScopes, type ClientsPolicy, scopeInterceptor } from './scope/scope.js';
import type { CallContext, CallHandler, Interceptor, ToolResult } from './types.js';
import { ListViews } from './views.js';

/** The stack's call policies, as the controller maps them from stack.yaml. */
export interface CallPolicies {
  /** The `clients:` block; undefined = no block, every client sees everything. */
  clients?: ClientsPolicy;
  rateLimits?: readonly RateLimitSpec[];
  /** gateway.maxToolResultBytes; 0 or absent: 65536. */
  maxToolResultBytes?: number;
  /** gateway.output_format; absent: json (no conversion). */
  outputFormat?: Format;
  /** mcp-servers[].output_format, for the servers that set one. */
  serverFormats?: Readonly<Record<string, Format>>;
  /** gateway.code_mode on (or `apply --code-mode`); absent: off. */
  codeMode?: CodeModeOptions;
  /** The `skills:` block: which active skills are served; absent: all of them. */
  skills?: SkillsPolicy;
}

export interface PipelineDeps {
  groups: GroupResolver;
  router: ToolRouter;
  terminal: CallHandler;
  /** Code mode's view of the caller's tools (the same views tools/list serves). */
  universe(ctx: CallContext, views: ListViews): readonly Obj[] | undefined;
  /** Code mode's inner calls: a new call through the whole pipeline for the outer call's session. */
  callInner(outer: CallContext, params: Obj, signal: AbortSignal): Promise<ToolResult>;
}

export class CallPipeline {
  readonly handler: CallHandler;
  readonly scopes: ClientScopes;
  readonly limiter: RateLimiter;
  readonly views: ListViews;
  /** Names of the interceptors in effect, in call order (status and tests). */
  readonly stages: string[];

  constructor(
    deps: PipelineDeps,
    readonly policies: CallPolicies,
    previous?: CallPipeline,
  ) {
    this.scopes = new ClientScopes(policies.clients);
    this.limiter = new RateLimiter(policies.rateLimits ?? [], previous?.limiter);
    this.views = new ListViews(this.scopes);
    // The declared order. A policy with nothing configured is left out, so an unconfigured
    // gateway pays for none of them.
    const code = policies.codeMode;
    const stages: [string, Interceptor | undefined][] = [
      // First: `search` and `execute` are answered before any name resolution; the script's calls
      // come back in at the top as inner calls and pass through.
      [
        'code-mode',
        code
          ? codeMode(
              { ...code, maxResultBytes: policies.maxToolResultBytes ?? 0 },
              {
                universe: (ctx) => deps.universe(ctx, this.views),
                call: (outer, params, signal) => deps.callInner(outer, params, signal),
              },
            )
          : undefined,
      ],
      ['group', groupInterceptor(deps.groups)],
      ['route', routeInterceptor(deps.router)],
      ['scope', this.scopes.open ? undefined : scopeInterceptor(this.scopes)],
      ['rate-limit', this.limiter.empty ? undefined : rateLimitInterceptor(this.limiter)],
      // Results come back through these in reverse: the cap first, then conversion, so a cut JSON
      // text (no longer parseable) is passed through rather than converted.
      ['output-format', converting(policies) ? outputFormat(formatOptions(policies)) : undefined],
      ['result-cap', resultCap({ maxBytes: policies.maxToolResultBytes ?? 0 })],
    ];
    const active = stages.filter((s): s is [string, Interceptor] => s[1] !== undefined);
    this.stages = active.map(([name]) => name);
    this.handler = compose(
      active.map(([, i]) => i),
      deps.terminal,
    );
  }
}

function formatOptions(p: CallPolicies) {
  return { format: p.outputFormat ?? 'json', perServer: new Map(Object.entries(p.serverFormats ?? {})) };
}

function converting(p: CallPolicies): boolean {
  return converts(p.outputFormat) || Object.values(p.serverFormats ?? {}).some(converts);
}
