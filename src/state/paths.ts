// Where gridctl keeps its files. GRIDCTL_HOME (or --home) replaces ~/.gridctl entirely, so tests and
// parallel installs stay isolated.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { nameProblem } from '../config/names.js';
import type { RuntimeErrorCode } from '../errors/runtime.js';

export interface HomePaths {
  root: string;
  stateDir: string;
  logsDir: string;
  stateFile(stack: string): string;
  lockFile(stack: string): string;
  logFile(stack: string): string;
  serverLogFile(stack: string, server: string): string;
}

/** A file name (one path component) is at most 255 bytes on Linux and macOS file systems. */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * A name that cannot become a file name under the home: a stack or server name given on the command
 * line or read back from a state file, not one that passed `validate` (those are far shorter).
 */
export class HomePathError extends Error {
  readonly code = 'HOME_PATH_INVALID' satisfies RuntimeErrorCode;
}

/**
 * `<name><suffix>` as one file name: names with `/`, `..` or other characters that names may not
 * have would reach outside their folder, and an overlong one fails every open with ENAMETOOLONG.
 */
export function fileNameFor(what: string, name: string, suffix: string): string {
  const problem = nameProblem(name);
  const file = `${name}${suffix}`;
  if (problem) throw new HomePathError(`${what} name "${shorten(name)}" cannot name a file: it ${problem}`);
  if (Buffer.byteLength(file) > MAX_FILE_NAME_BYTES) {
    throw new HomePathError(
      `${what} name "${shorten(name)}" cannot name a file: it is ${name.length} characters, more than a file name may have (${MAX_FILE_NAME_BYTES - suffix.length})`,
    );
  }
  return file;
}

const shorten = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

export function resolveHome(opts: { home?: string; env?: NodeJS.ProcessEnv } = {}): HomePaths {
  const env = opts.env ?? process.env;
  const raw = opts.home ?? env.GRIDCTL_HOME;
  const root = raw ? (isAbsolute(raw) ? raw : resolve(raw)) : join(homedir(), '.gridctl');
  const stateDir = join(root, 'state');
  const logsDir = join(root, 'logs');
  return {
    root,
    stateDir,
    logsDir,
    stateFile: (stack) => join(stateDir, fileNameFor('stack', stack, '.json')),
    lockFile: (stack) => join(stateDir, fileNameFor('stack', stack, '.lock')),
    logFile: (stack) => join(logsDir, fileNameFor('stack', stack, '.log')),
    serverLogFile: (stack, server) =>
      join(logsDir, fileNameFor('stack', stack, ''), fileNameFor('server', server, '.log')),
  };
}
