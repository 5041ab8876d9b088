// The official MCP conformance suite's skills extension scenarios (SEP-2640) against the gateway
// serving a registry: skills/list and skills/get, the skill:// manifest and its files. Run on the
// handshake era (2025-11-25; the gateway does not speak the stateless 2026-07-28 era), hence
// --spec-version and --force. sep-2640-skills-directory skips: resources/directory/read is optional
// and not declared.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../src/gateway/index.js';
import { SkillRegistry } from '../../src/skills/registry.js';
import { tempDir } from '../support/temp.js';

/** The first suite release with the skills extension scenarios. */
const SUITE = '0.2.0-alpha.12';

let gateway: Gateway;
let url: string;
let cwd: string;

beforeAll(async () => {
  const dir = join(tempDir('skills-conf'), 'skills');
  mkdirSync(join(dir, 'pdf-processing', 'references'), { recursive: true });
  writeFileSync(
    join(dir, 'pdf-processing', 'SKILL.md'),
    '---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\nstate: active\nmetadata:\n  owner: docs\n---\n# PDF\n\nForms: references/FORMS.md\n',
  );
  writeFileSync(join(dir, 'pdf-processing', 'references', 'FORMS.md'), '# Forms\n');
  mkdirSync(join(dir, 'code-review'), { recursive: true });
  writeFileSync(
    join(dir, 'code-review', 'SKILL.md'),
    '---\nname: code-review\ndescription: Review a diff\nstate: active\n---\nReview.\n',
  );
  const registry = new SkillRegistry(dir);
  registry.load();
  gateway = new Gateway({
    name: 'gridctl-conformance',
    version: '0.0.0',
    stackName: 'skills',
    servers: [],
    skills: registry,
  });
  url = (await gateway.listen({ port: 0 })).url;
  await gateway.start();
  cwd = tempDir('skills-conf-run');
});

afterAll(async () => {
  await gateway?.close();
});

function scenario(name: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    const child = spawn(
      'npx',
      [
        '-y',
        '-p',
        'node@22',
        '-p',
        `@modelcontextprotocol/conformance@${SUITE}`,
        'conformance',
        'server',
        '--url',
        url,
        '--scenario',
        name,
        '--spec-version',
        '2025-11-25',
        '--force',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd, env: { ...process.env, NO_COLOR: '1' } },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, 100_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? 1, output });
    });
  });
}

describe('MCP skills extension conformance (SEP-2640)', () => {
  for (const [name, checks] of [
    ['sep-2640-skills-enumeration', 30],
    ['sep-2640-skills-manifest', 6],
  ] as const) {
    it(`${name}: every check passes`, async () => {
      const r = await scenario(name);
      const summary = r.output.slice(r.output.indexOf('Test Results:'));
      expect(summary, r.output.slice(-3000)).toMatch(
        new RegExp(`Passed: ${checks}/${checks}, 0 failed, 0 warnings`),
      );
      expect(r.code, summary).toBe(0);
    }, 110_000);
  }
});
