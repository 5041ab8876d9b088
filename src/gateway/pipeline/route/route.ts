// Names the server and upstream tool a call is for, before policies run, so that scope and limits
// keyed by server see it. Unknown names pass on with no server: the terminal answers them.
import type { CallContext, Interceptor } from '../types.js';

export interface ToolRouter {
  /**
   * Owner of an exposed tool name, including tools withheld or on a server that is down; `ctx`
   * names the caller (whose catalogue may be its own: a held session's per-session list).
   */
  route(name: string, ctx?: CallContext): { server: string; tool: string } | undefined;
}

export function routeInterceptor(router: ToolRouter): Interceptor {
  return (next) => (ctx) => {
    const r = router.route(ctx.name, ctx);
    if (r) {
      ctx.server = r.server;
      ctx.tool = r.tool;
    }
    return next(ctx);
  };
}
