// `gridctl var`: the encrypted variable store (set, get, list, delete, import, export, lock, unlock).
// Values never reach the terminal unless asked for (`get`, `list --show`, `export`), and never an
// error message. `var set KEY` without a value reads a hidden prompt on a terminal or stdin when
// piped, so the value stays out of shell history.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  assertKey,
  assertSetName,
  DotenvError,
  formatDotenv,
  isReferenceEncrypted,
  isValidKey,
  isVaultError,
  openVault,
  PASSPHRASE_ENV,
  parseDotenv,
  parseReferenceVault,
  REFERENCE_PASSPHRASE_ENV,
  referenceVaultDir,
  referenceVaultFile,
  type ScryptParams,
  type Vault,
  VaultError,
} from '../security/vault/index.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { table } from './render.js';

export const NEW_PASSPHRASE_ENV = 'GRIDCTL_VAULT_NEW_PASSPHRASE';

/** What the command reads from; a TTY gets hidden prompts, anything else is read to the end. */
export type VarInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };

export interface VarCommandDeps {
  /** Default: `ctx.stdin` when the context carries one, else process.stdin. */
  stdin?: VarInput;
  /** Hidden prompt (default: raw-mode reader on a TTY stdin, echoing nothing). */
  prompt?: (question: string) => Promise<string>;
  /** scrypt cost for new key wraps; tests only (the default is strong). */
  kdf?: ScryptParams;
}

class CliFailure extends Error {}

interface HomeOpts {
  home?: string;
}
interface SetOpts extends HomeOpts {
  set?: string;
}
interface SetFlags extends SetOpts {
  value?: string;
  type?: string;
  secret?: boolean;
  plaintext?: boolean;
}

// `--type`: the reference records a type with each value. This store keeps text (what `${var:KEY}`
// substitutes), so the type is a check at set time and is not remembered.
const TYPES = ['string', 'json', 'number', 'bool'] as const;

function checkTypeName(type: string): void {
  if (type === 'list') {
    throw new VaultError(
      'VAULT_TYPE_UNSUPPORTED',
      '--type list: the reference does not document how it encodes a list; store a JSON array with --type json [VAULT_TYPE_UNSUPPORTED]',
    );
  }
  if (!(TYPES as readonly string[]).includes(type)) {
    throw new VaultError(
      'VAULT_TYPE_UNSUPPORTED',
      `--type ${type}: use ${TYPES.join(', ')} [VAULT_TYPE_UNSUPPORTED]`,
    );
  }
}

/** Refuses a value that is not of `type`; the message never shows the value. */
function checkTyped(key: string, value: string, type: string): void {
  const ok =
    type === 'string' ||
    (type === 'number' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) ||
    (type === 'bool' && /^(true|false)$/.test(value.trim())) ||
    (type === 'json' && parsesAsJson(value));
  if (!ok) {
    const want =
      type === 'bool' ? 'true or false' : type === 'number' ? 'a number such as 42 or -1.5' : 'valid JSON';
    throw new VaultError(
      'VAULT_TYPE_MISMATCH',
      `${key}: --type ${type} needs ${want}; the value given is not (nothing was stored) [VAULT_TYPE_MISMATCH]`,
    );
  }
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function createRegisterVar(deps: VarCommandDeps = {}): CommandRegistrar {
  return (program, ctx) => {
    const input = (): VarInput =>
      deps.stdin ?? (ctx as CliContext & { stdin?: VarInput }).stdin ?? process.stdin;
    const isTTY = () => input().isTTY === true;
    const prompt = (q: string) => (deps.prompt ? deps.prompt(q) : hiddenPrompt(input(), ctx.stderr, q));

    /** Opens the store, asking for the passphrase on a terminal when it is locked. */
    async function open(opts: HomeOpts): Promise<Vault> {
      const root = homeFor(ctx, opts).root;
      const base = { root, env: ctx.env, ...(deps.kdf ? { kdf: deps.kdf } : {}) };
      try {
        return await openVault(base);
      } catch (err) {
        if (!isVaultError(err, 'VAULT_LOCKED')) throw err;
        if (!isTTY()) {
          throw new CliFailure(
            `the variable store is locked: set ${PASSPHRASE_ENV}, or run the command in a terminal to be asked for the passphrase`,
          );
        }
      }
      const passphrase = await prompt('Passphrase for the variable store: ');
      return openVault({ ...base, passphrase });
    }

    function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
      return async (...args: A) => {
        try {
          await fn(...args);
        } catch (err) {
          if (err instanceof CliFailure || isVaultError(err)) fail(ctx, err.message);
          else fail(ctx, err instanceof Error ? err.message : String(err));
        }
      };
    }

    const v = program
      .command('var')
      .alias('vault')
      // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file reference syntax, not a template
      .description('Manage the encrypted variable store referenced as ${var:KEY} in stack files');

    const sub = (spec: string, description: string): Command =>
      withHome(v.command(spec).description(description));

    sub('set <key> [value]', 'Store a variable (omit the value to be prompted, or pipe it on stdin)')
      .option('--set <name>', 'store it in this set instead of the default scope')
      .option('--value <value>', "the value (as the positional one; the reference's spelling)")
      .option('--type <type>', 'string | json | number | bool: refuse a value not of that type')
      .option('--secret', 'the value is a secret (always so: every stored value is masked)')
      .option('--plaintext', "refused: this store masks every value (the reference's unmasked variables)")
      .action(
        action(async (key: string, value: string | undefined, opts: SetFlags) => {
          assertKey(key);
          if (opts.plaintext) {
            throw new VaultError(
              'VAULT_PLAINTEXT_UNSUPPORTED',
              '--plaintext: every stored value is a secret here, masked in logs and API answers; put a value that need not be masked in stack.yaml or an environment variable instead [VAULT_PLAINTEXT_UNSUPPORTED]',
            );
          }
          if (opts.type !== undefined) checkTypeName(opts.type);
          if (opts.value !== undefined) {
            if (value !== undefined)
              throw new CliFailure('give the value once: as an argument or with --value');
            value = opts.value;
          }
          if (opts.set !== undefined) assertSetName(opts.set);
          if (value !== undefined) {
            ctx.stderr.write(
              `${ctx.paint('yellow', 'Warning:')} a value given on the command line can stay in your shell history; omit it to be prompted, or pipe it on stdin\n`,
            );
          } else if (isTTY()) {
            value = await prompt(`Value for ${key}: `);
          } else {
            value = stripOneNewline(await readAll(input()));
            if (value === '')
              throw new CliFailure('no value on stdin: pipe the value in, or run in a terminal to be asked');
          }
          if (opts.type !== undefined) checkTyped(key, value, opts.type);
          const vault = await open(opts);
          const created = !vault.exists;
          vault.set(key, value, opts.set);
          await vault.save();
          ctx.stdout.write(
            `Set ${key}${inSet(opts.set)}${opts.type ? ` (checked: a valid ${opts.type})` : ''}.\n`,
          );
          if (created) ctx.stderr.write(`${unlockedNote(vault.file)}\n`);
        }),
      );

    sub('get <key>', 'Print a variable’s value')
      .option('--set <name>', 'read it from this set')
      .option('--json', 'machine-readable output')
      .action(
        action(async (key: string, opts: SetOpts & { json?: boolean }) => {
          assertKey(key);
          const vault = await open(opts);
          const value = vault.get(key, opts.set);
          if (value === undefined) throw new CliFailure(notFound(key, opts.set));
          if (opts.json) ctx.stdout.write(`${JSON.stringify({ key, set: opts.set ?? null, value })}\n`);
          else ctx.stdout.write(`${value}\n`);
        }),
      );

    sub('list', 'List variable names (values only with --show)')
      .option('--set <name>', 'only this set')
      .option('--show', 'also print the values')
      .option('--json', 'machine-readable output')
      .action(
        action(async (opts: SetOpts & { show?: boolean; json?: boolean }) => {
          const vault = await open(opts);
          const scopes = opts.set !== undefined ? [opts.set] : [undefined, ...vault.sets()];
          const rows = scopes.flatMap((set) =>
            vault.keys(set).map((key) => ({
              key,
              set: set ?? null,
              ...(opts.show ? { value: vault.get(key, set)! } : {}),
            })),
          );
          if (opts.json) {
            const body = {
              file: vault.file,
              locked: vault.locked,
              protection: vault.locked ? 'passphrase' : 'none',
              variables: rows,
            };
            ctx.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
            return;
          }
          if (vault.exists && !vault.locked) ctx.stderr.write(`${unlockedNote(vault.file)}\n`);
          if (rows.length === 0) {
            ctx.stdout.write(
              opts.set !== undefined
                ? `No variables in set ${opts.set}.\n`
                : 'No variables stored. Add one with `gridctl var set KEY`.\n',
            );
            return;
          }
          const headers = opts.show ? ['KEY', 'SET', 'VALUE'] : ['KEY', 'SET'];
          const cells = rows.map((r) => [
            r.key,
            r.set ?? '-',
            ...(opts.show ? [oneLine(r.value ?? '')] : []),
          ]);
          ctx.stdout.write(table(headers, cells));
        }),
      );

    sub('delete <key>', 'Remove a variable')
      .option('--set <name>', 'remove it from this set')
      .action(
        action(async (key: string, opts: SetOpts) => {
          assertKey(key);
          const vault = await open(opts);
          if (!vault.delete(key, opts.set)) throw new CliFailure(notFound(key, opts.set));
          await vault.save();
          ctx.stdout.write(`Deleted ${key}${inSet(opts.set)}.\n`);
        }),
      );

    sub('import [file]', 'Import variables from a .env or .json file (`-` reads stdin)')
      .option('--set <name>', 'import into this set')
      .option('--format <format>', 'env | json (default: from the file name, else env)')
      .option(
        '--from-reference',
        "read the reference gridctl's vault, plaintext or encrypted (passphrase from $GRIDCTL_REFERENCE_VAULT_PASSPHRASE, else $GRIDCTL_VAULT_PASSPHRASE) (FILE, or its vault folder: $GRIDCTL_HOME/.gridctl/vault, else ~/.gridctl/vault)",
      )
      .action(
        action(
          async (file: string | undefined, opts: SetOpts & { format?: string; fromReference?: boolean }) => {
            if (opts.set !== undefined) assertSetName(opts.set);
            if (opts.fromReference) {
              if (opts.format !== undefined || opts.set !== undefined)
                throw new CliFailure(
                  "--from-reference reads the reference's own format and keeps each variable's set: drop --format and --set",
                );
              file = referenceVaultFile(file ?? referenceVaultDir(ctx.env));
            }
            if (file === undefined)
              throw new CliFailure('give the file to import (`-` for stdin), or --from-reference');
            const format = opts.fromReference
              ? 'reference'
              : (opts.format ?? (file.toLowerCase().endsWith('.json') ? 'json' : 'env'));
            if (format !== 'env' && format !== 'json' && format !== 'reference')
              throw new CliFailure(`--format ${format}: use env or json`);
            let text: string;
            try {
              text = file === '-' ? await readAll(input()) : await readFile(file, 'utf8');
            } catch (err) {
              throw new CliFailure(
                `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
              );
            }
            let entries: { key: string; value: string; set?: string }[];
            let plaintext = 0;
            try {
              if (format === 'reference') {
                let env = ctx.env;
                // As the reference does: the environment first, else a hidden prompt on a terminal.
                if (
                  file !== '-' &&
                  isTTY() &&
                  !env[REFERENCE_PASSPHRASE_ENV] &&
                  !env[PASSPHRASE_ENV] &&
                  isReferenceEncrypted(text)
                ) {
                  env = {
                    ...env,
                    [REFERENCE_PASSPHRASE_ENV]: await prompt("Passphrase of the reference's vault: "),
                  };
                }
                const vars = parseReferenceVault(text, file, env);
                for (const v of vars) if (v.set !== undefined) assertSetName(v.set);
                plaintext = vars.filter((v) => v.plaintext).length;
                entries = vars;
              } else {
                entries = (format === 'json' ? parseJsonVars(text, file) : parseDotenv(text)).map((e) => ({
                  ...e,
                  set: opts.set,
                }));
              }
            } catch (err) {
              if (err instanceof CliFailure || isVaultError(err)) throw err;
              if (err instanceof DotenvError)
                throw new CliFailure(`${file}: ${err.message}; nothing was imported`);
              throw err;
            }
            const vault = await open(opts);
            const created = !vault.exists;
            let added = 0;
            let updated = 0;
            const seen = new Set<string>();
            for (const { key, value, set } of entries) {
              const id = `${set ?? ''}\0${key}`;
              if (!seen.has(id)) {
                if (vault.get(key, set) === undefined) added++;
                else updated++;
                seen.add(id);
              }
              vault.set(key, value, set);
            }
            await vault.save();
            ctx.stdout.write(
              `Imported ${seen.size} variable(s)${inSet(opts.set)}${format === 'reference' ? ` from ${file}` : ''}: ${added} new, ${updated} updated.\n`,
            );
            if (plaintext > 0) {
              ctx.stderr.write(
                `Note: ${plaintext} of them were plaintext in the reference; every stored value is masked here.\n`,
              );
            }
            if (created) ctx.stderr.write(`${unlockedNote(vault.file)}\n`);
          },
        ),
      );

    sub('sets', 'List the variable sets and how many keys each holds')
      .option('--json', 'machine-readable output')
      .action(
        action(async (opts: HomeOpts & { json?: boolean }) => {
          const vault = await open(opts);
          const sets = vault.sets().map((name) => ({ name, keys: vault.keys(name).length }));
          if (opts.json) ctx.stdout.write(`${JSON.stringify(sets)}\n`);
          else if (sets.length === 0)
            ctx.stdout.write('No variable sets (create one with `gridctl var set KEY --set NAME`).\n');
          else for (const st of sets) ctx.stdout.write(`${st.name}  ${st.keys} key(s)\n`);
        }),
      );

    sub('export', 'Print variables in .env format (values in clear)')
      .option('--set <name>', 'export this set (default: the variables outside any set)')
      .action(
        action(async (opts: SetOpts) => {
          if (opts.set !== undefined) assertSetName(opts.set);
          const vault = await open(opts);
          const vars = opts.set !== undefined ? vault.setValues(opts.set) : valuesOfDefault(vault);
          ctx.stdout.write(formatDotenv(vars));
        }),
      );

    sub(
      'lock',
      `Protect the store with a passphrase, or change it (reads ${PASSPHRASE_ENV} without a terminal)`,
    ).action(
      action(async (opts: HomeOpts) => {
        const vault = await open(opts);
        const wasLocked = vault.locked;
        const passphrase = await newPassphrase(wasLocked);
        await vault.lock(passphrase);
        ctx.stdout.write(
          wasLocked
            ? `Changed the passphrase of ${vault.file}.\n`
            : `Locked ${vault.file} with a passphrase. Keep it safe: without it the values cannot be recovered.\n` +
                `Daemons and CI unlock it with ${PASSPHRASE_ENV}.\n`,
        );
      }),
    );

    sub('unlock', 'Remove the passphrase (keeps the variables; the data key is then stored in plain)').action(
      action(async (opts: HomeOpts) => {
        const vault = await open(opts);
        if (!vault.locked) {
          ctx.stdout.write('The store is not locked; nothing to do.\n');
          return;
        }
        await vault.unlock();
        ctx.stdout.write(`Removed the passphrase. ${unlockedNote(vault.file)}\n`);
      }),
    );

    async function newPassphrase(wasLocked: boolean): Promise<string> {
      const fromEnv =
        nonEmpty(ctx.env[NEW_PASSPHRASE_ENV]) ?? (wasLocked ? undefined : nonEmpty(ctx.env[PASSPHRASE_ENV]));
      if (fromEnv !== undefined) return fromEnv;
      if (!isTTY()) {
        throw new CliFailure(
          wasLocked
            ? `the store is already locked: to change its passphrase without a terminal, set ${NEW_PASSPHRASE_ENV}`
            : `no passphrase: run the command in a terminal to be asked, or set ${PASSPHRASE_ENV}`,
        );
      }
      const first = await prompt(wasLocked ? 'New passphrase: ' : 'Passphrase: ');
      const second = await prompt('Repeat the passphrase: ');
      if (first !== second) throw new CliFailure('the passphrases do not match; nothing was changed');
      return first;
    }
  };
}

export const registerVar: CommandRegistrar = createRegisterVar();

function valuesOfDefault(vault: Vault): Record<string, string> {
  return Object.fromEntries(vault.keys().map((k) => [k, vault.get(k)!]));
}

function unlockedNote(file: string): string {
  return (
    `Note: the store is not locked: its data key is stored in plain beside the data, so anyone who can read ` +
    `${file} can read the values. Run \`gridctl var lock\` to protect it with a passphrase.`
  );
}

function inSet(set: string | undefined): string {
  return set === undefined ? '' : ` in set ${set}`;
}

function notFound(key: string, set: string | undefined): string {
  return `no variable ${key}${inSet(set)}: list them with \`gridctl var list\``;
}

function oneLine(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function stripOneNewline(s: string): string {
  return s.endsWith('\r\n') ? s.slice(0, -2) : s.endsWith('\n') ? s.slice(0, -1) : s;
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from a TTY in raw mode, echoing nothing. Ctrl-C or Ctrl-D on an empty line cancels. */
export function hiddenPrompt(
  input: VarInput,
  output: NodeJS.WritableStream,
  question: string,
): Promise<string> {
  if (input.isTTY !== true || typeof input.setRawMode !== 'function') {
    return Promise.reject(new CliFailure('cannot ask for a secret: stdin is not a terminal'));
  }
  output.write(question);
  return new Promise((resolve, reject) => {
    let buf = '';
    const finish = () => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(buf);
          return;
        }
        if (ch === '\u0003' || (ch === '\u0004' && buf === '')) {
          finish();
          reject(new CliFailure('cancelled; nothing was changed'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') buf = [...buf].slice(0, -1).join('');
        else if (ch === '\u0015') buf = '';
        else if (ch >= ' ') buf += ch;
      }
    };
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}

/** `{"KEY": "value", ...}`: a flat object; numbers and booleans are stored as their text. */
function parseJsonVars(text: string, file: string): { key: string; value: string; line: number }[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CliFailure(`${file}: not valid JSON (${(err as Error).message}); nothing was imported`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new CliFailure(`${file}: expected an object of names and values; nothing was imported`);
  }
  return Object.entries(data).map(([key, v]) => {
    if (!isValidKey(key)) {
      throw new CliFailure(
        `${file}: invalid variable name ${JSON.stringify(key)} (letters, digits and underscores, like API_TOKEN); nothing was imported`,
      );
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new CliFailure(
        `${file}: the value of ${key} is not a string, number or boolean; nothing was imported`,
      );
    }
    return { key, value: String(v), line: 0 };
  });
}
