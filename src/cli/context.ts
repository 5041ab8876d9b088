// What every command gets: where to write, whether colour is on, and a place to put its exit code.
// Commands never call process.exit, so tests can run them in-process.
import { styleText } from 'node:util';
import type { Command } from 'commander';

/** Adds one command (or a family) to the program; each command file exports one. */
export type CommandRegistrar = (program: Command, ctx: CliContext) => void;

export interface CliIO {
  /** Where prompts read from; defaults to process.stdin. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CliContext extends CliIO {
  exitCode: number;
  /** Colour only on a TTY, and never when NO_COLOR is set (https://no-color.org). */
  color: boolean;
  paint(style: Parameters<typeof styleText>[0], text: string): string;
  /**
   * From now on every string written to stdout and stderr passes `redact` (the variable store's
   * redactor, once a command has opened the store): the CLI's one way out, not each call site.
   */
  setRedactor(redact: (text: string) => string): void;
  /**
   * The program with every command registered (completion scripts walk it). Set by main(), which
   * owns the command table, so command files never import main.ts.
   */
  wholeProgram?: () => Promise<Command>;
}

export function createContext(io: CliIO): CliContext {
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  const color = !noColor && io.stdout.isTTY === true && io.env.TERM !== 'dumb';
  let redact = (text: string) => text;
  return {
    ...io,
    stdout: redacting(io.stdout, (t) => redact(t)),
    stderr: redacting(io.stderr, (t) => redact(t)),
    exitCode: 0,
    color,
    paint: (style, text) => (color ? styleText(style, text) : text),
    setRedactor: (r) => {
      redact = r;
    },
  };
}

/** The stream itself (isTTY, events, readline all work), with string writes redacted. */
function redacting<S extends NodeJS.WritableStream>(stream: S, redact: (text: string) => string): S {
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...a: unknown[]) => boolean)(
            typeof chunk === 'string' ? redact(chunk) : chunk,
            ...rest,
          );
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
