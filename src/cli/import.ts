// `gridctl import [CLIENT]`: the MCP servers configured in LLM clients become servers of a stack
// file, with plaintext secrets moved into the variable store. The work is in src/link/import.ts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { coded } from '../errors/coded.js';
import { CLIENT_SLUGS, clientEnv, DIALECTS, detected, resolveClient } from '../link/dialects.js';
import { lineDiff } from '../link/diff.js';
import { LinkError } from '../link/errors.js';
import {
  appendServers,
  dedupe,
  existingNames,
  type Found,
  isPlainSecret,
  moveSecrets,
  readClient,
  type Skipped,
  writeStack,
} from '../link/import.js';
import { Ledger } from '../link/ledger.js';
import { isVaultError, openVault, PASSPHRASE_ENV, redactor } from '../security/vault/index.js';
import type { CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';

interface ImportFlags {
  all?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  file: string;
  name?: string[];
  vault: boolean;
  json?: boolean;
  home?: string;
}

export const registerImport: CommandRegistrar = (program, ctx) => {
  withHome(program.command('import'))
    .description("Add the MCP servers configured in an LLM client's config to a stack file")
    .argument('[client]', `one of: ${CLIENT_SLUGS.join(', ')}`)
    .option('-a, --all', 'every client detected on this machine')
    .option('--dry-run', 'show what would be added without writing anything')
    .option('-y, --yes', 'no questions (import never asks; accepted for scripts written for the reference)')
    .option('-f, --file <stack.yaml>', 'stack file to append to (created when missing)', 'stack.yaml')
    .option('-n, --name <server...>', 'only these servers (entry names in the client)')
    .option('--no-vault', 'keep plaintext secrets in the stack file instead of the variable store')
    .option('--json', 'machine-readable output')
    .action(async (client: string | undefined, flags: ImportFlags) => {
      const paths = homeFor(ctx, flags);
      const ce = clientEnv(ctx.env, ctx.cwd);
      const stackFile = resolve(ctx.cwd, flags.file);
      try {
        if (!client && !flags.all) throw coded('CLI_USAGE', 'name a client to import from, or pass --all');
        const clients = client ? [resolveClient(client)] : DIALECTS.filter((d) => detected(d, ce));
        const ledger = Ledger.open(paths.root);
        const found: Found[] = [];
        const skipped: Skipped[] = [];
        for (const d of clients) {
          const r = readClient(d, ce, ledger);
          found.push(...r.found);
          skipped.push(...r.skipped);
        }
        const wanted = flags.name ? found.filter((f) => flags.name!.includes(f.server.name)) : found;
        // Names already in the stack: a server defined the same way is not added twice.
        const present = existingNames(stackFile);
        const fresh = wanted.filter((f) => {
          if (!present.includes(f.server.name)) return true;
          skipped.push({ client: f.client, name: f.server.name, reason: `already in ${flags.file}` });
          return false;
        });
        const { servers, duplicates } = dedupe(fresh, present);
        // No stored or plaintext value is printed, whatever the flags.
        const plain = servers.flatMap((f) =>
          Object.entries(f.server.env ?? {}).flatMap(([k, v]) => (isPlainSecret(k, v) ? [v] : [])),
        );
        ctx.setRedactor(redactor(plain));

        let moved: string[] = [];
        let save: (() => Promise<void>) | undefined;
        if (flags.vault && plain.length > 0) {
          const pending = new Map<string, string>();
          const vault = flags.dryRun ? undefined : await openStore(paths.root, ctx.env);
          moved = moveSecrets(
            servers.map((f) => f.server),
            {
              has: (k) => pending.has(k) || vault?.get(k) !== undefined,
              set: (k, v) => {
                pending.set(k, v);
                vault?.set(k, v);
              },
            },
          );
          if (vault) save = () => vault.save();
        }
        const before = existingText(stackFile);
        const after =
          servers.length > 0
            ? appendServers(
                stackFile,
                servers.map((f) => f.server),
              )
            : before;
        let backup: string | undefined;
        if (!flags.dryRun && servers.length > 0) {
          await save?.();
          backup = await writeStack(stackFile, after, ctx.env);
        }
        if (flags.json) {
          ctx.stdout.write(
            `${JSON.stringify(
              {
                file: stackFile,
                dry_run: flags.dryRun === true,
                added: servers.map((f) => ({
                  name: f.server.name,
                  client: f.client,
                  from: f.file,
                  dropped: f.dropped,
                })),
                duplicates: duplicates.map((f) => ({ name: f.server.name, client: f.client })),
                skipped,
                variables: moved,
                backup,
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        for (const s of skipped) ctx.stderr.write(`skipped ${s.client}: ${s.name} (${s.reason})\n`);
        for (const f of servers) {
          if (f.dropped.length > 0) {
            ctx.stderr.write(
              `${ctx.paint('yellow', 'Warning:')} ${f.server.name}: not imported: ${f.dropped.join(', ')} (add them by hand)\n`,
            );
          }
        }
        if (servers.length === 0) {
          ctx.stdout.write(`Nothing to import into ${flags.file}.\n`);
          return;
        }
        const list = servers.map((f) => `${f.server.name} (${f.client})`).join(', ');
        ctx.stdout.write(
          `${flags.dryRun ? 'Would add' : 'Added'} ${servers.length} server(s) to ${flags.file}: ${list}\n`,
        );
        if (moved.length > 0) {
          ctx.stdout.write(
            `${flags.dryRun ? 'Would move' : 'Moved'} ${moved.length} secret(s) into the variable store: ${moved.join(', ')}\n`,
          );
        }
        if (flags.dryRun) ctx.stdout.write(lineDiff(before, after).replace(/^/gm, '    '));
        if (backup) ctx.stdout.write(`  backup: ${backup}\n`);
      } catch (err) {
        if (err instanceof LinkError) fail(ctx, `${err.message} (${err.code})`);
        else fail(ctx, (err as Error).message);
      }
    });
};

async function openStore(root: string, env: NodeJS.ProcessEnv) {
  try {
    return await openVault({ root, env });
  } catch (err) {
    if (isVaultError(err, 'VAULT_LOCKED')) {
      throw coded(
        'VAULT_LOCKED',
        `the variable store is locked: set ${PASSPHRASE_ENV} to move secrets into it, or pass --no-vault to keep them in the stack file`,
      );
    }
    throw err;
  }
}

function existingText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
