// A container server built from a git source: cloned with the system git (here from a file://
// repository, since no remote is reachable), built, served through the gateway; and a git
// credential that is missing from the variable store fails the apply with the command to set it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/runtime/index.js';
import type { WorkloadRuntime } from '../../src/runtime/types.js';
import { baseImage, engine, FIXTURE_DIR } from '../runtime/images.js';
import { freePort } from '../support/net.js';
import { gridctl, type Sandbox, sandbox } from './cli.js';

const STACK = `ctrgit${process.pid}`;
let rt: WorkloadRuntime;
let base: string;
let sb: Sandbox;
let repo: string;

const managed = async () => (await rt.listContainers({ [LABEL.stack]: STACK })).map((c) => c.name);

beforeAll(async () => {
  rt = await engine();
  base = await baseImage(rt);
  sb = sandbox();
  repo = join(sb.dir, 'repo');
  mkdirSync(repo);
  cpSync(FIXTURE_DIR, repo, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-C', repo, ...args]);
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'fixture server');
}, 240_000);

afterAll(async () => {
  await gridctl(sb, ['destroy', STACK]);
  expect(await managed()).toEqual([]);
}, 120_000);

const stack = (auth = '') => `name: ${STACK}
mcp-servers:
  - name: fromgit
    source:
      type: git
      url: file://${repo}
      ref: main
      dockerfile: Containerfile${auth}
    build_args: { BASE: "${base}" }
    transport: stdio
    env: { GREETING: from-git }
`;

describe('git sources', () => {
  it('clones, builds and serves a server from a git repository', async () => {
    const port = await freePort();
    const file = sb.write('stack.yaml', stack());
    const res = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(res.stderr).toContain(`Fetched file://${repo} (main)`);
    const client = new Client({ name: 'git-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    try {
      const r = (await client.callTool({ name: 'fromgit__whoami', arguments: {} })) as {
        content: { text: string }[];
      };
      expect(r.content[0]?.text.trim()).toMatch(/from-git$/);
    } finally {
      await client.close();
    }
    expect((await gridctl(sb, ['destroy', STACK])).code).toBe(0);
    expect(await managed()).toEqual([]);
  }, 240_000);

  it('resolves credential_ref at clone time and names a missing key', async () => {
    const file = sb.write(
      'stack.yaml',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file syntax under test
      stack('\n      auth: { method: token, credential_ref: "${var:NO_SUCH_GIT_TOKEN}" }'),
    );
    const res = await gridctl(sb, ['apply', file, '--port', String(await freePort())]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('server "fromgit"');
    expect(res.stderr).toContain('gridctl var set NO_SUCH_GIT_TOKEN');
    expect(await managed()).toEqual([]);
  }, 120_000);

  // Last: it locks the sandbox's store.
  it('reads an environment credential_ref without asking for a locked store', async () => {
    const unlocking = { ...sb, env: { ...sb.env, GRIDCTL_VAULT_PASSPHRASE: 'a long passphrase' } };
    expect((await gridctl(unlocking, ['var', 'set', 'UNRELATED', 'unrelated-value'])).code).toBe(0);
    expect((await gridctl(unlocking, ['var', 'lock'])).code).toBe(0);
    const withToken = { ...sb, env: { ...sb.env, GIT_TOKEN: 'git-token-from-env' } };
    const fromStore = sb.write(
      'store-ref.yaml',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file syntax under test
      stack('\n      auth: { method: token, credential_ref: "${var:GIT_TOKEN}" }'),
    );
    const refused = await gridctl(withToken, ['apply', fromStore, '--port', String(await freePort())]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('GRIDCTL_VAULT_PASSPHRASE');

    const fromEnv = sb.write(
      'env-ref.yaml',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file syntax under test
      stack('\n      auth: { method: token, credential_ref: "${GIT_TOKEN}" }'),
    );
    const res = await gridctl(withToken, ['apply', fromEnv, '--port', String(await freePort())]);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(await managed()).toEqual([`gridctl-${STACK}-fromgit`]);
    expect((await gridctl(sb, ['destroy', STACK])).code).toBe(0);
  }, 240_000);
});
