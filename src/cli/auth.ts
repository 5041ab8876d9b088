// `gridctl auth login|status|logout`: sign in to remote MCP servers declared `auth: {type: oauth}`.
// The daemon runs the flow (src/oauth); this only asks it for the URL, opens it, and waits.
import { spawn } from 'node:child_process';
import { parseDuration } from '../config/index.js';
import { beginLogin, logout, oauthServers, stackOf, waitAuthorized } from '../controller/oauth-client.js';
import { coded } from '../errors/coded.js';
import type { CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { table } from './render.js';

/** Opens a URL in the desktop's browser, best effort (none on a server: the URL is printed anyway). */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener: the printed URL is the way
  }
}

export const registerAuth: CommandRegistrar = (program, ctx) => {
  const auth = program.command('auth').description('Sign in to remote MCP servers that use OAuth');

  withHome(auth.command('login'))
    .description('Sign in to a server with auth: {type: oauth} in the browser; the daemon keeps the grant')
    .argument('<server>', 'server name')
    .option('--stack <name>', 'the running stack (when several have this server)')
    .option('--no-browser', 'print the URL instead of opening a browser')
    .option('--timeout <duration>', 'how long to wait for the sign-in', '5m')
    .option('--format <format>', 'text or json (one JSON line with the URL, one with the result)', 'text')
    .action(
      async (
        server: string,
        opts: { home?: string; stack?: string; browser: boolean; timeout: string; format: string },
      ) => {
        const paths = homeFor(ctx, opts);
        const json = opts.format === 'json';
        try {
          const timeoutMs = parseDuration(opts.timeout);
          const state = await stackOf(paths, server, opts.stack);
          const { url, expires_at } = await beginLogin(state, server);
          if (json) ctx.stdout.write(`${JSON.stringify({ event: 'url', server, url, expires_at })}\n`);
          else ctx.stdout.write(`Sign in to ${server} at:\n\n  ${url}\n\nWaiting (until ${expires_at})…\n`);
          if (opts.browser) openBrowser(url);
          const done = await waitAuthorized(
            state,
            server,
            Math.min(timeoutMs, Date.parse(expires_at) - Date.now()),
          );
          if (!done) {
            if (json) ctx.stdout.write(`${JSON.stringify({ event: 'timeout', server })}\n`);
            fail(
              ctx,
              `no sign-in to ${server} within ${opts.timeout}; run \`gridctl auth login ${server}\` again`,
            );
            return;
          }
          if (json) ctx.stdout.write(`${JSON.stringify({ event: 'authorized', ...done })}\n`);
          else ctx.stdout.write(`${ctx.paint('green', '✓')} Signed in to ${server}; it reconnects now.\n`);
        } catch (err) {
          fail(ctx, (err as Error).message);
        }
      },
    );

  withHome(auth.command('status'))
    .description('Show which oauth servers are signed in (exit 1 when one needs a sign-in)')
    .argument('[server]', 'only this server')
    .option('--stack <name>', 'only this running stack')
    .option('--json', 'machine-readable output')
    .action(async (server: string | undefined, opts: { home?: string; stack?: string; json?: boolean }) => {
      const paths = homeFor(ctx, opts);
      try {
        const all = await oauthServers(paths, opts.stack);
        const rows = all.flatMap(({ state, servers }) =>
          servers
            .filter((s) => !server || s.server === server)
            .map((s) => ({ stack: state.stack_name, ...s })),
        );
        if (server && rows.length === 0)
          throw coded('OAUTH_SERVER_UNKNOWN', `no running stack has an oauth server '${server}'`);
        if (opts.json) ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else if (rows.length === 0) ctx.stdout.write('No server uses auth: {type: oauth}.\n');
        else
          ctx.stdout.write(
            table(
              ['STACK', 'SERVER', 'GRANT', 'AUTH', 'STATE', 'EXPIRES', 'REFRESH'],
              rows.map((r) => [
                r.stack,
                r.server,
                r.grant,
                r.authorized ? ctx.paint('green', 'authorized') : ctx.paint('yellow', 'needs auth'),
                r.state ?? '-',
                r.expires_at ?? '-',
                r.refreshable ? 'yes' : 'no',
              ]),
            ),
          );
        if (rows.some((r) => !r.authorized)) ctx.exitCode = 1;
      } catch (err) {
        fail(ctx, (err as Error).message, 2);
      }
    });

  withHome(auth.command('logout'))
    .description("Forget a server's grant; it needs a sign-in again")
    .argument('<server>', 'server name')
    .option('--stack <name>', 'the running stack (when several have this server)')
    .action(async (server: string, opts: { home?: string; stack?: string }) => {
      const paths = homeFor(ctx, opts);
      try {
        const state = await stackOf(paths, server, opts.stack);
        await logout(state, server);
        ctx.stdout.write(`Signed out of ${server}.\n`);
      } catch (err) {
        fail(ctx, (err as Error).message);
      }
    });
};
