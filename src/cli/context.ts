// What every command gets: where to write, whether colour is on, and a place to put its exit code.
// Commands never call process.exit, so tests can run them in-process.
import { styleText } from 'node:util';

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
}

export function createContext(io: CliIO): CliContext {
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  const color = !noColor && io.stdout.isTTY === true && io.env.TERM !== 'dumb';
  return {
    ...io,
    exitCode: 0,
    color,
    paint: (style, text) => (color ? styleText(style, text) : text),
  };
}
