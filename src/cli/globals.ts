// Options that may come before the command name, as in the reference (`gridctl --home X status`):
// they become what each command already reads, so no command needs to know about them.
//   --home DIR → GRIDCTL_HOME, --no-color → NO_COLOR, --runtime ENGINE → GRIDCTL_RUNTIME,
//   --log-level LEVEL → passed on after the command name (apply and serve take it).

export interface Hoisted {
  argv: string[];
  env: NodeJS.ProcessEnv;
}

const VALUED = new Set(['--home', '--runtime', '--log-level']);

export function hoistGlobals(argv: string[], env: NodeJS.ProcessEnv): Hoisted {
  const [node = 'node', script = 'gridctl', ...rest] = argv;
  const out: NodeJS.ProcessEnv = { ...env };
  const passOn: string[] = [];
  let i = 0;
  for (; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('--')) break;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === '--no-color' && eq < 0) {
      out.NO_COLOR = '1';
      continue;
    }
    if (!VALUED.has(flag)) break;
    const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined) break;
    if (flag === '--home') out.GRIDCTL_HOME = value;
    else if (flag === '--runtime') out.GRIDCTL_RUNTIME = value;
    else passOn.push('--log-level', value);
  }
  // Nothing before the command name: the same argv and env objects, untouched.
  if (i === 0) return { argv, env };
  const remaining = rest.slice(i);
  if (remaining.length === 0) return { argv: [node, script, ...passOn], env: out };
  const [command, ...args] = remaining;
  return { argv: [node, script, command!, ...passOn, ...args], env: out };
}
