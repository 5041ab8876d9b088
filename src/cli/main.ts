// Entry point: builds the command tree and runs it. Each command lives in its own file and stays
// thin: parse flags, call into config/controller/api, render the outcome.
import { Command, CommanderError } from 'commander';
import { readSecretsStdin } from '../controller/daemon-secrets.js';
import { VERSION } from '../version.js';
import { type CliContext, type CliIO, type CommandRegistrar, createContext } from './context.js';
import { hoistGlobals } from './globals.js';

// Commands load on demand: `gridctl status` should not pay for the gateway, the container client
// or the OpenAPI parser. Keyed by command name; the order is the order of `gridctl --help`.
const commands: Record<string, () => Promise<CommandRegistrar>> = {
  apply: async () => (await import('./apply.js')).registerApply,
  status: async () => (await import('./status.js')).registerStatus,
  destroy: async () => (await import('./destroy.js')).registerDestroy,
  logs: async () => (await import('./logs.js')).registerLogs,
  plan: async () => (await import('./plan.js')).registerPlan,
  pins: async () => (await import('./pins.js')).registerPins,
  limits: async () => (await import('./limits.js')).registerLimits,
  traces: async () => (await import('./traces.js')).registerTraces,
  optimize: async () => (await import('./optimize.js')).registerOptimize,
  reload: async () => (await import('./reload.js')).registerReload,
  serve: async () => (await import('./serve.js')).registerServe,
  stop: async () => (await import('./serve.js')).registerServe,
  validate: async () => (await import('./validate.js')).registerValidate,
  var: async () => (await import('./var.js')).registerVar,
  skill: async () => (await import('./skill.js')).registerSkill,
  init: async () => (await import('./init.js')).registerInit,
  auth: async () => (await import('./auth.js')).registerAuth,
  link: async () => (await import('./link.js')).registerLink,
  unlink: async () => (await import('./link.js')).registerLink,
  import: async () => (await import('./import.js')).registerImport,
  vault: async () => (await import('./var.js')).registerVar,
  doctor: async () => (await import('./doctor.js')).registerDoctor,
  info: async () => (await import('./info.js')).registerInfo,
  export: async () => (await import('./export.js')).registerExport,
  version: async () => (await import('./version.js')).registerVersion,
  completion: async () => (await import('./completion.js')).registerCompletion,
};

/** The registrars for `argv`: just the named command's, or all of them (help, unknown names). */
async function registrarsFor(argv: string[]): Promise<CommandRegistrar[]> {
  const name = argv[2];
  const load = name !== undefined ? commands[name] : undefined;
  const loaders = load ? [load] : Object.values(commands);
  return [...new Set(await Promise.all(loaders.map((l) => l())))];
}

/** Every command's registrar (completion scripts need the whole tree). */
export async function allRegistrars(): Promise<CommandRegistrar[]> {
  return [...new Set(await Promise.all(Object.values(commands).map((l) => l())))];
}

export function buildProgram(ctx: CliContext, registrars: CommandRegistrar[]): Command {
  const program = new Command('gridctl')
    .description('One MCP endpoint in front of many MCP servers, declared in one stack.yaml')
    .version(VERSION, '--version')
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  for (const register of registrars) register(program, ctx);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  }
  return program;
}

/**
 * A reader that goes away (`gridctl logs | head -1`) turns the next write into an EPIPE 'error' event,
 * which would crash with a stack trace. Nobody is left to read, so stop quietly: a long-running
 * command (a foreground gateway, `logs --follow`) the way it stops on SIGTERM, so its servers are
 * stopped too; anything else at once, with success (as a user wants under `set -o pipefail`).
 */
const guarded = new WeakSet<NodeJS.WritableStream>();
let pipeClosed = false;
export function exitQuietlyOnClosedPipe(stream: NodeJS.WritableStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (err: NodeJS.ErrnoException) => {
    // Writes after the first failure fail as "destroyed": part of the same closed pipe.
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    if (pipeClosed) return;
    pipeClosed = true;
    if (process.listenerCount('SIGTERM') > 0) process.kill(process.pid, 'SIGTERM');
    else process.exit(0);
  });
}

export async function main(
  argv: string[],
  io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
): Promise<number> {
  // A forked daemon gets its passphrase on stdin (controller/daemon-secrets.ts).
  const hoisted = hoistGlobals(argv, io.env);
  const secrets = await readSecretsStdin(hoisted.argv, hoisted.env, io.stdin ?? process.stdin);
  argv = secrets.argv;
  const ctx = createContext({ ...io, env: secrets.env });
  ctx.wholeProgram = async () => buildProgram(ctx, await allRegistrars());
  for (const stream of [io.stdout, io.stderr]) exitQuietlyOnClosedPipe(stream);
  const program = buildProgram(ctx, await registrarsFor(argv));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors exit 1 (commander already printed the message).
      return err.exitCode === 0 ? 0 : err.code === 'commander.help' ? 0 : 1;
    }
    throw err;
  }
  return ctx.exitCode;
}
