// The completion scripts load in their shells and complete what the command tree has.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { tempDir } from '../../test/support/temp.js';

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

  it('zsh and fish scripts are generated; an unknown shell is an error', async () => {
    expect((await runCli(['completion', 'zsh'])).stdout).toContain('bashcompinit');
    const fish = (await runCli(['completion', 'fish'])).stdout;
    expect(fish).toContain("complete -c gridctl -n __fish_use_subcommand -a 'link'");
    expect(fish).toContain("complete -c gridctl -n '__fish_seen_subcommand_from link' -l 'dry-run'");
    const bad = await runCli(['completion', 'tcsh']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('no completion for "tcsh": use bash, zsh or fish');
  });
});
