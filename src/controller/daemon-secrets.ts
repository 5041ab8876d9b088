// Secrets the parent `apply` hands to the daemon it forks, through the child's stdin instead of its
// environment: a process's initial environment stays readable in /proc/<pid>/environ by every
// process of the same user (the servers the daemon starts included) for as long as it runs.
// No imports: main.ts loads this before any command.

/** The forked child reads its secrets (a JSON object of variables) from stdin: see readSecretsStdin. */
export const SECRETS_STDIN_FLAG = '--secrets-stdin';

/**
 * In the forked child: removes SECRETS_STDIN_FLAG from argv and returns `env` plus the variables
 * read from stdin (kept in memory only, never in the process's own environment).
 */
export async function readSecretsStdin(
  argv: string[],
  env: NodeJS.ProcessEnv,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<{ argv: string[]; env: NodeJS.ProcessEnv }> {
  if (!argv.includes(SECRETS_STDIN_FLAG)) return { argv, env };
  let text = '';
  for await (const chunk of stdin) text += chunk.toString();
  const secrets = JSON.parse(text) as Record<string, string>;
  return { argv: argv.filter((a) => a !== SECRETS_STDIN_FLAG), env: { ...env, ...secrets } };
}
