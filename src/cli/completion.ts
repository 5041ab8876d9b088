// `gridctl completion bash|zsh|fish`: a completion script generated from the command tree itself,
// so a new command or flag completes without anyone editing a script. Client names complete after
// link, unlink and import; other arguments fall back to file names.
import type { Command } from 'commander';
import { internal } from '../errors/coded.js';
import { CLIENT_SLUGS } from '../link/dialects.js';
import type { CommandRegistrar } from './context.js';

interface Node {
  name: string;
  description: string;
  flags: string[];
  subcommands: Node[];
  /** Words for the first argument (client slugs), if it has a fixed set. */
  words: string[];
}

function tree(cmd: Command): Node[] {
  return cmd.commands
    .filter((c) => !(c as Command & { _hidden?: boolean })._hidden)
    .flatMap((c) =>
      [c.name(), ...c.aliases()].map((name) => ({
        name,
        description: c.description().split('\n')[0] ?? '',
        flags: c.options
          .filter((o) => !o.hidden)
          .flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)),
        subcommands: tree(c),
        words: c.registeredArguments[0]?.name() === 'client' ? CLIENT_SLUGS : [],
      })),
    );
}

const q = (s: string) => s.replace(/'/g, "'\\''");

export function bashScript(nodes: Node[]): string {
  const cases = nodes
    .map((n) => {
      const subs = n.subcommands.map((s) => s.name).join(' ');
      const subCases = n.subcommands
        .map((s) => `          ${s.name}) opts='${q(s.flags.join(' '))}' ;;`)
        .join('\n');
      return [
        `    ${n.name})`,
        subs
          ? `      if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=( $(compgen -W '${q(subs)}' -- "$cur") ); return; fi\n      case "\${COMP_WORDS[2]}" in\n${subCases}\n      esac`
          : `      opts='${q([...n.flags, ...n.words].join(' '))}'`,
        '      ;;',
      ].join('\n');
    })
    .join('\n');
  return `# gridctl completion for bash: source it, or put it in your bash-completion folder.
#   source <(gridctl completion bash)
_gridctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local opts=''
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W '${q([...nodes.map((n) => n.name), '--help', '--version', '--home', '--no-color', '--runtime', '--log-level'].join(' '))}' -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -o default -F _gridctl gridctl
`;
}

export function zshScript(nodes: Node[]): string {
  // zsh runs the bash function through its bash-completion layer, which keeps both in step.
  return `# gridctl completion for zsh: source it from ~/.zshrc.
#   source <(gridctl completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(nodes).split('\n').slice(2).join('\n')}`;
}

export function fishScript(nodes: Node[]): string {
  const lines = [
    '# gridctl completion for fish: gridctl completion fish > ~/.config/fish/completions/gridctl.fish',
  ];
  for (const n of nodes) {
    lines.push(`complete -c gridctl -n __fish_use_subcommand -a '${q(n.name)}' -d '${q(n.description)}'`);
    const when = `__fish_seen_subcommand_from ${n.name}`;
    for (const s of n.subcommands) {
      lines.push(`complete -c gridctl -n '${when}' -a '${q(s.name)}' -d '${q(s.description)}'`);
    }
    const flags = [...new Set([...n.flags, ...n.subcommands.flatMap((s) => s.flags)])];
    for (const f of flags) {
      lines.push(
        f.startsWith('--')
          ? `complete -c gridctl -n '${when}' -l '${q(f.slice(2))}'`
          : `complete -c gridctl -n '${when}' -s '${q(f.slice(1))}'`,
      );
    }
    if (n.words.length > 0) lines.push(`complete -c gridctl -n '${when}' -a '${q(n.words.join(' '))}'`);
  }
  return `${lines.join('\n')}\n`;
}

export const registerCompletion: CommandRegistrar = (program, ctx) => {
  program
    .command('completion')
    .description('Print a shell completion script: bash, zsh or fish')
    .argument('<shell>', 'bash | zsh | fish')
    .action(async (shell: string) => {
      const scripts: Record<string, (n: Node[]) => string> = {
        bash: bashScript,
        zsh: zshScript,
        fish: fishScript,
      };
      const make = scripts[shell];
      if (!make) {
        ctx.stderr.write(`Error: no completion for "${shell}": use bash, zsh or fish\n`);
        ctx.exitCode = 1;
        return;
      }
      if (!ctx.wholeProgram) throw internal('completion needs the program from main()');
      ctx.stdout.write(make(tree(await ctx.wholeProgram())));
    });
};
