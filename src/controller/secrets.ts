// The variable store as apply, reload and plan see it: `${var:KEY}` resolves from the store first,
// `secrets.sets` inject a set's keys as env into the workloads they name, and every stored value
// (and the stack's own credentials) is known to the redactor. A locked store is opened only for a
// stack that uses it: the others run without asking for its passphrase.
import { existsSync } from 'node:fs';
import { type LoadResult, loadStack, type Stack, type VariableResolver } from '../config/index.js';
import {
  isVaultError,
  openVault,
  redactor,
  resolverFor,
  type Vault,
  vaultFile,
} from '../security/vault/index.js';
import type { HomePaths } from '../state/paths.js';

export interface RunLoad {
  loaded: LoadResult;
  /** Masks every value of the store; identity when there is no store. */
  redact: (text: string) => string;
}

export class SecretsError extends Error {}

/** Loads a stack the way apply and reload must: store-backed expansion plus secret-set injection. */
export async function loadForRun(file: string, env: NodeJS.ProcessEnv, paths: HomePaths): Promise<RunLoad> {
  let vault: Vault | undefined;
  try {
    vault = await openStore(paths, env);
  } catch (err) {
    // A store that cannot be opened (locked, no or a wrong passphrase) only matters to a stack
    // that uses it; any other stack runs without it.
    if (!(err instanceof StoreClosed) || (await usesStore(file, env))) throw err;
  }
  let injectError: string | undefined;
  const loaded = await loadStack(file, {
    mode: 'apply',
    env,
    resolver: vault ? resolverFor(vault) : undefined,
    injectSecrets: (stack) => {
      injectError = injectSets(stack, vault);
    },
  });
  if (injectError) {
    loaded.ok = false;
    loaded.issues.push({
      severity: 'error',
      code: 'SECRET_SET_MISSING',
      field: 'secrets.sets',
      message: injectError,
      file,
    });
  }
  const values = [...(vault?.allValues() ?? []), ...(loaded.stack ? credentials(loaded.stack) : [])];
  return { loaded, redact: redactor(values) };
}

/**
 * Whether the stack references the store: `${var:KEY}` (the only lookups a validate-mode load
 * makes of its resolver) or `secrets.sets`. Only asked when the store is locked and cannot be opened.
 */
async function usesStore(file: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  let asked = false;
  const loaded = await loadStack(file, {
    mode: 'validate',
    env,
    resolver: {
      get: () => {
        asked = true;
        return undefined;
      },
    },
  });
  return asked || (loaded.stack?.secrets?.sets?.length ?? 0) > 0;
}

/**
 * The stack's own credentials (inbound token, downstream auth), however they were written
 * (`${var:}`, `$ENV` or literal): masked like stored values wherever the daemon's text goes.
 */
export function credentials(stack: Stack): string[] {
  const out: (string | undefined)[] = [
    stack.gateway?.auth?.token,
    ...Object.values(stack.gateway?.auth?.client_tokens ?? {}),
  ];
  for (const s of stack['mcp-servers']) out.push(s.auth?.token, s.auth?.value, s.auth?.client_secret);
  return out.filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * Lookups for a value resolved late (a git credential at clone time, written as `ref`). A locked
 * store that cannot be opened only fails a ref that names it (`${var:KEY}`); `$NAME` then reads
 * the environment alone.
 */
export async function storeResolver(
  root: string,
  env: NodeJS.ProcessEnv,
  ref: string,
): Promise<VariableResolver | undefined> {
  try {
    const vault = await openStore({ root }, env);
    return vault ? resolverFor(vault) : undefined;
  } catch (err) {
    if (err instanceof StoreClosed && !/\$\{(var|vault):/.test(ref)) return undefined;
    throw err;
  }
}

/** The store could not be opened for want of the right passphrase. */
class StoreClosed extends SecretsError {}

async function openStore(paths: Pick<HomePaths, 'root'>, env: NodeJS.ProcessEnv): Promise<Vault | undefined> {
  if (!existsSync(vaultFile(paths.root))) return undefined;
  try {
    return await openVault({ root: paths.root, env });
  } catch (err) {
    const message = `variable store: ${(err as Error).message}`;
    if (isVaultError(err, 'VAULT_LOCKED') || isVaultError(err, 'VAULT_BAD_PASSPHRASE'))
      throw new StoreClosed(message);
    if (isVaultError(err)) throw new SecretsError(message);
    throw err;
  }
}

/**
 * Adds each listed set's keys to the env of the servers and resources it names (all of them for a
 * bare name). Explicit `env` keys win; among sets, the first that supplies a key wins.
 * Returns an error message when a set is missing from the store.
 */
export function injectSets(stack: Stack, vault: Vault | undefined): string | undefined {
  const entries = stack.secrets?.sets ?? [];
  if (entries.length === 0) return undefined;
  const missing: string[] = [];
  const injected = new Map<object, Record<string, string>>();
  for (const entry of entries) {
    const name = typeof entry === 'string' ? entry : entry.name;
    const values = vault?.setValues(name) ?? {};
    if (Object.keys(values).length === 0) {
      missing.push(name);
      continue;
    }
    const scoped = typeof entry !== 'string';
    const servers = stack['mcp-servers'].filter((s) => !scoped || (entry.servers ?? []).includes(s.name));
    const resources = (stack.resources ?? []).filter(
      (r) => !scoped || (entry.resources ?? []).includes(r.name),
    );
    for (const workload of [...servers, ...resources]) {
      const acc = injected.get(workload) ?? {};
      for (const [k, v] of Object.entries(values)) if (!(k in acc)) acc[k] = v;
      injected.set(workload, acc);
    }
  }
  for (const [workload, values] of injected) {
    const w = workload as { env?: Record<string, string> };
    w.env = { ...values, ...w.env };
  }
  if (missing.length === 0) return undefined;
  return `secret set(s) ${missing.map((m) => `'${m}'`).join(', ')} not found in the variable store; add keys with \`gridctl var set --set ${missing[0]} KEY\``;
}
