// The completion scripts load in their shells and complete what the command tree has.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { tempDir } from '../../test/support/temp.js';

/** Runs a shell; a missing one fails the test with how to install it (never a skip). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', env });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `${cmd} is not installed: run \`sudo bash scripts/test-machine.sh\` (it installs zsh and fish)`,
      );
    }
    throw err;
  }
}

describe('gridctl completion', () => {
  it('bash: the script parses, registers gridctl, and completes commands, flags and client names', async () => {
    const r = await runCli(['completion', 'bash']);
    expect(r.code).toBe(0);
    const file = join(tempDir('completion'), 'gridctl.bash');
    writeFileSync(file, r.stdout);
    execFileSync('bash', ['-n', file]);
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source ${file}; complete -p gridctl; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _gridctl; echo "\${COMPREPLY[*]}"`,
        ],
        { encoding: 'utf8' },
      );
    const first = complete(['gridctl', 'li']);
    expect(first).toContain('complete -o default -F _gridctl gridctl');
    expect(first.split('\n')[1]!.split(' ').sort()).toEqual(['limits', 'link']);
    expect(complete(['gridctl', 'link', 'claude'])).toContain('claude claude-code claude-code-project');
    expect(complete(['gridctl', 'link', '--dr'])).toContain('--dry-run');
    expect(complete(['gridctl', 'var', 's'])).toContain('set');
  });

  it('zsh: the script parses, registers _gridctl through bashcompinit, and offers flags and clients', async () => {
    const script = (await runCli(['completion', 'zsh'])).stdout;
    expect(script).toContain('bashcompinit');
    const dir = tempDir('completion-zsh');
    const file = join(dir, 'gridctl.zsh');
    writeFileSync(file, script);
    // HOME: compinit writes its .zcompdump there.
    const zsh = (code: string) => run('zsh', ['-c', code], { ...process.env, HOME: dir });
    run('zsh', ['-n', file]);
    expect(zsh(`source ${file}; print -r -- "\${_comps[gridctl]}"`).trim()).toBe(
      '_bash_complete -o default -F _gridctl',
    );
    // bashcompinit calls _gridctl with ksharrays on; zsh itself narrows COMPREPLY to the typed prefix.
    const offered = zsh(
      `source ${file}; setopt ksharrays; COMP_WORDS=(gridctl link --dr); COMP_CWORD=2; _gridctl; print -r -- "\${COMPREPLY[*]}"`,
    ).split(/\s+/);
    expect(offered).toEqual(expect.arrayContaining(['--dry-run', 'claude-code', 'codex']));
  });

  it('fish: the script parses and fish completes commands and flags from it', async () => {
    const fish = (await runCli(['completion', 'fish'])).stdout;
    expect(fish).toContain("complete -c gridctl -n __fish_use_subcommand -a 'link'");
    expect(fish).toContain("complete -c gridctl -n '__fish_seen_subcommand_from link' -l 'dry-run'");
    const dir = tempDir('completion-fish');
    const file = join(dir, 'gridctl.fish');
    writeFileSync(file, fish);
    const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir };
    run('fish', ['-n', file], env);
    const words = (line: string) =>
      run('fish', ['-c', `source ${file}; complete -C '${line}'`], env)
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0]);
    expect(words('gridctl li').sort()).toEqual(['limits', 'link']);
    expect(words('gridctl link --dr')).toEqual(['--dry-run']);
  });

  it('an unknown shell is an error', async () => {
    const bad = await runCli(['completion', 'tcsh']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('no completion for "tcsh": use bash, zsh or fish');
  });
});
