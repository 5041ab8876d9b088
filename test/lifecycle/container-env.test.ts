// A container server's environment through the real CLI and the engine under test: its declared env and what
// `pass_env` names, never gridctl's own variables or the rest of the host's (issue 20, item 1).
import { rmSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/runtime/index.js';
import type { WorkloadRuntime } from '../../src/runtime/types.js';
import { engine, fixtureImage } from '../runtime/images.js';
import { freePort } from '../support/net.js';
import { gridctl, type Sandbox, sandbox } from './cli.js';

const STACK = `cenv${process.pid}`;
let rt: WorkloadRuntime;
let image: string;
let sb: Sandbox;

beforeAll(async () => {
  rt = await engine();
  image = await fixtureImage(rt);
  sb = sandbox();
  Object.assign(sb.env, {
    GRIDCTL_VAULT_PASSPHRASE: 'never-in-a-container',
    HOST_ONLY_SECRET: 'host-only-secret-5e1c',
    PASSED_ON_PURPOSE: 'passed-into-the-container',
  });
}, 240_000);

afterAll(async () => {
  await gridctl(sb, ['destroy', STACK]);
  expect(await rt.listContainers({ [LABEL.stack]: STACK })).toEqual([]);
  rmSync(sb.dir, { recursive: true, force: true });
}, 120_000);

describe('container server environment', () => {
  it('holds the declared env and pass_env, nothing else of gridctl’s environment', async () => {
    const file = sb.write(
      'stack.yaml',
      [
        `name: ${STACK}`,
        'mcp-servers:',
        '  - name: pipe',
        `    image: ${image}`,
        '    transport: stdio',
        '    env: { GREETING: declared }',
        '    pass_env: [PASSED_ON_PURPOSE]',
        '',
      ].join('\n'),
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(await freePort())]);
    expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);

    // The engine's own record (Docker or Podman), through its API.
    const engineApi = new Docker({ socketPath: rt.info.socket });
    const env = (await engineApi.getContainer(`gridctl-${STACK}-pipe`).inspect()).Config.Env;
    expect(env).toContain('GREETING=declared');
    expect(env).toContain('PASSED_ON_PURPOSE=passed-into-the-container');
    const names = env.map((kv) => kv.slice(0, kv.indexOf('=')));
    expect(names.filter((n) => n.startsWith('GRIDCTL_'))).toEqual([]);
    expect(names).not.toContain('HOST_ONLY_SECRET');
    expect(env.join('\n')).not.toContain('never-in-a-container');
  }, 180_000);
});
