// Names the server and upstream tool a call is for, before policies run, so that scope and limits
// keyed by server see it. Unknown names pass on with no server: the terminal answers them.
import type { Interceptor } from '../types.js';

export interface ToolRouter {
  /** Owner of an exposed tool name, including tools withheld or on a server that is down. */
  route(name: string): { server: string; tool: string } | undefined;
}

export function routeInterceptor(router: ToolRouter): Interceptor {
  return (next) => (ctx) => {
    const r = router.route(ctx.name);
    if (r) {
      ctx.server = r.server;
      ctx.tool = r.tool;
    }
    return next(ctx);
  };
}
