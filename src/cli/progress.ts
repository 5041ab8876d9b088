// Progress as a list of steps: a spinner line on a TTY, plain lines otherwise (logs, CI, pipes).
import type { Reporter } from '../controller/stack-controller.js';
import type { CliContext } from './context.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** `quiet` hides the steps; notes (warnings about what was cleaned up or changed) still show unless `silent`. */
export function createReporter(
  ctx: CliContext,
  opts: { quiet: boolean; silent?: boolean },
): Reporter & { stop(): void } {
  const quiet = opts.quiet || opts.silent === true;
  const out = ctx.stderr;
  const tty = out.isTTY === true && ctx.env.CI === undefined;
  let current = '';
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const clear = () => {
    if (tty && current) out.write('\r\x1b[2K');
  };
  const draw = () => {
    if (!tty || !current) return;
    out.write(`\r\x1b[2K${ctx.paint('cyan', FRAMES[frame++ % FRAMES.length]!)} ${current}`);
  };
  return {
    step(text) {
      if (quiet) return;
      if (!tty) {
        if (text !== current) out.write(`  … ${text}\n`);
        current = text;
        return;
      }
      current = text;
      draw();
      timer ??= setInterval(draw, 80);
      timer.unref();
    },
    done(text) {
      if (quiet) return;
      clear();
      current = '';
      out.write(`${ctx.paint('green', '✓')} ${text}\n`);
    },
    note(text) {
      if (opts.silent) return;
      clear();
      out.write(`${ctx.paint('yellow', '!')} ${text}\n`);
      draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      clear();
      current = '';
    },
  };
}
