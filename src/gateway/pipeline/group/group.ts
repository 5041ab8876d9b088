// Group sessions (/groups/<name>/mcp): a call names a tool as the group shows it; resolve it to the
// canonical name before anything else, or refuse a tool that is not a member.
import { callError } from '../../../errors/catalogue.js';
import type { Interceptor } from '../types.js';

export interface GroupResolver {
  /** The group's current view; undefined when the group no longer exists. */
  view(group: string): { resolve(name: string): string | undefined; readonly size: number } | undefined;
}

export function groupInterceptor(groups: GroupResolver): Interceptor {
  return (next) => (ctx) => {
    if (ctx.group === undefined) return next(ctx);
    const view = groups.view(ctx.group);
    if (!view) return Promise.resolve(callError('GROUP_GONE', { group: ctx.group }));
    const canonical = view.resolve(ctx.name);
    if (canonical === undefined) {
      return Promise.resolve(
        callError('GROUP_NOT_MEMBER', { tool: ctx.name, group: ctx.group, count: view.size }),
      );
    }
    ctx.name = canonical;
    return next(ctx);
  };
}
