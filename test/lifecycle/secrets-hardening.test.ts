// What a hostile run found (issue 20, items 1, 2, 3 and 11), through the real CLI and daemon:
//   - servers get a scrubbed environment: never GRIDCTL_* (the vault passphrase, the home), only
//     the documented basics, their declared env and what `pass_env` names;
//   - a stored secret inside a failure reason reaches none of the outputs (API, events, CLI, log);
//   - the state folder holds neither a stored secret nor the gateway token, and the CLI commands
//     that read it still work without the passphrase;
//   - a locked store is only asked for when the stack uses it.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { processesIn } from '../support/processes.js';
import { type Sshd, sshBlock, startSshd } from '../support/sshd.js';
import { waitFor } from '../support/wait.js';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox, stackYaml } from './cli.js';

const PASSPHRASE = 'correct horse battery staple';
const NEW_PASSPHRASE = 'a new passphrase never used';
const API_TOKEN = 'tok-in-store-7c1f9e';
const GATEWAY_TOKEN = 'gw-token-in-store-52ab';
const HOST_SECRET = 'host-only-secret-93d0';
const CLIENT_TOKEN = 'client-token-from-env-61fa';

const made: { sb: Sandbox; stack: string }[] = [];
afterAll(async () => {
  for (const { sb, stack } of made) {
    await gridctl(sb, ['destroy', stack]).catch(() => undefined);
    rmSync(sb.dir, { recursive: true, force: true });
  }
});

function newSandbox(stack: string, extraEnv: NodeJS.ProcessEnv = {}): Sandbox {
  const sb = sandbox();
  Object.assign(sb.env, extraEnv);
  made.push({ sb, stack });
  return sb;
}

/** The same sandbox without the passphrase in its environment (a later shell, a cron job). */
function withoutPassphrase(sb: Sandbox): Sandbox {
  const env = { ...sb.env };
  delete env.GRIDCTL_VAULT_PASSPHRASE;
  return { ...sb, env };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Reads /api/events until the initial snapshot (hello … logs) has arrived. */
async function eventSnapshot(port: number, headers: Record<string, string>): Promise<string> {
  const ac = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}/api/events`, { headers, signal: ac.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 10_000;
  while (!text.includes('event: logs') && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  ac.abort();
  return text;
}

describe('secrets hardening', () => {
  it('keeps the passphrase and stored secrets out of servers, outputs and the state folder', async () => {
    const sb = newSandbox('hardened', {
      GRIDCTL_VAULT_PASSPHRASE: PASSPHRASE,
      HOST_ONLY_SECRET: HOST_SECRET,
      PASSED_ON_PURPOSE: 'passed-value',
      CLIENT_TOKEN,
    });
    expect((await gridctl(sb, ['var', 'set', 'API_TOKEN', API_TOKEN])).code).toBe(0);
    expect((await gridctl(sb, ['var', 'set', 'GATEWAY_TOKEN', GATEWAY_TOKEN])).code).toBe(0);
    expect((await gridctl(sb, ['var', 'lock'])).code).toBe(0);

    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      [
        'name: hardened',
        'gateway:',
        '  auth:',
        '    type: bearer',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file syntax
        '    token: "${var:GATEWAY_TOKEN}"',
        // A client token from gridctl's environment: a credential too, masked like a stored value.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file syntax
        '    client_tokens: { ci: "${CLIENT_TOKEN}" }',
        'mcp-servers:',
        localServer('everything', EVERYTHING, 'stdio').trimEnd(),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file syntax
        '    env: { API_TOKEN: "${var:API_TOKEN}" }',
        '    pass_env: [PASSED_ON_PURPOSE]',
        '  - name: broken',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file syntax
        '    command: ["/nonexistent/bin-${var:API_TOKEN}"]',
        '',
      ].join('\n'),
    );
    // Set in the shell that applies (as for an earlier `var lock`): no use to the daemon either.
    const shell = { ...sb, env: { ...sb.env, GRIDCTL_VAULT_NEW_PASSPHRASE: NEW_PASSPHRASE } };
    const applied = await gridctl(shell, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    // The apply summary names the failed server, without the secret in its reason.
    expect(applied.stdout + applied.stderr).toContain('broken');
    expect(applied.stdout + applied.stderr).toContain('[REDACTED]');
    expect(applied.stdout + applied.stderr).not.toContain(API_TOKEN);

    const auth = { authorization: `Bearer ${GATEWAY_TOKEN}` };
    // Item 1: what the server sees of its environment.
    const client = new Client({ name: 'hardening-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: auth },
      }),
    );
    const got = await client.callTool({ name: 'everything__get-env', arguments: {} });
    // Item 2 over /mcp: a call to the failed server answers with its reason, redacted.
    const down = JSON.stringify(await client.callTool({ name: 'broken__anything', arguments: {} }));
    expect(down).toContain('cannot start command');
    expect(down).toContain('[REDACTED]');
    expect(down).not.toContain(API_TOKEN);
    await client.close();
    const env = JSON.parse((got.content as { text: string }[])[0]!.text) as Record<string, string>;
    // Declared, so the server has it (its own /proc environ) — but the value never reaches a client:
    // what the gateway sends back passes the redactor like every other way out.
    expect(env.API_TOKEN).toBe('[REDACTED]');
    const everythingPid = (
      JSON.parse((await gridctl(sb, ['status', '--json'])).stdout) as {
        gateways: { servers: { name: string; pid?: number }[] }[];
      }
    ).gateways[0]!.servers.find((x) => x.name === 'everything')!.pid!;
    expect(readFileSync(`/proc/${everythingPid}/environ`, 'utf8').split('\0')).toContain(
      `API_TOKEN=${API_TOKEN}`,
    );
    expect(env.PASSED_ON_PURPOSE).toBe('passed-value'); // pass_env
    expect(env.PATH).toBe(sb.env.PATH); // the documented basics
    // None of gridctl's own variables comes from its environment (it may add its own tags).
    expect(Object.keys(env).filter((k) => k.startsWith('GRIDCTL_') && k in sb.env)).toEqual([]);
    expect(JSON.stringify(env)).not.toContain(PASSPHRASE);
    expect(env.HOST_ONLY_SECRET).toBeUndefined();
    // Nor can a server read it from its parent: the daemon got it on stdin, so its own initial
    // environment (readable in /proc by any process of the same user) does not hold it.
    const daemonPid = (
      JSON.parse((await gridctl(sb, ['status', '--json'])).stdout) as { gateways: { pid: number }[] }
    ).gateways[0]!.pid;
    const daemonEnviron = readFileSync(`/proc/${daemonPid}/environ`, 'utf8');
    expect(daemonEnviron).not.toContain(PASSPHRASE);
    expect(daemonEnviron).not.toContain(NEW_PASSPHRASE);

    // Item 2: the failure reason, on every way out.
    const outputs: Record<string, string> = {
      '/api/status': await (await fetch(`http://127.0.0.1:${port}/api/status`, { headers: auth })).text(),
      '/api/mcp-servers': await (
        await fetch(`http://127.0.0.1:${port}/api/mcp-servers`, { headers: auth })
      ).text(),
      '/api/events': await eventSnapshot(port, auth),
      'status --json': (await gridctl(withoutPassphrase(sb), ['status', '--json'])).stdout,
      'status --replicas': (await gridctl(withoutPassphrase(sb), ['status', '--replicas'])).stdout,
      'daemon log': readFileSync(join(sb.home, 'logs', 'hardened.log'), 'utf8'),
    };
    for (const [where, text] of Object.entries(outputs)) {
      expect(text, where).toContain('broken');
      expect(text, where).not.toContain(API_TOKEN);
    }
    expect(outputs['/api/status']).toContain('cannot start command');
    expect(outputs['/api/status']).toContain('[REDACTED]');

    // Item 3: nothing secret at rest in the state folder, and the CLI still works from it without
    // the passphrase.
    for (const f of filesUnder(join(sb.home, 'state'))) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain(API_TOKEN);
      expect(text, f).not.toContain(GATEWAY_TOKEN);
      expect(text, f).not.toContain(CLIENT_TOKEN);
      expect(text, f).not.toContain(PASSPHRASE);
    }
    const locked = withoutPassphrase(sb);
    const status = await gridctl(locked, ['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/everything\s+local\s+stdio\s+healthy/);
    // plan resolves the stack file it is given, so a stack that uses the store needs the
    // passphrase for it (and says so); the masked snapshot then compares equal.
    const lockedPlan = await gridctl(locked, ['plan', file]);
    expect(lockedPlan.code).toBe(1);
    expect(lockedPlan.stderr).toContain('GRIDCTL_VAULT_PASSPHRASE');
    const plan = await gridctl(sb, ['plan', file]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes');
    const reload = await gridctl(locked, ['reload', 'hardened']);
    expect(reload.code, reload.stdout + reload.stderr).toBe(0);
    const logs = await gridctl(locked, ['logs', 'hardened']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).not.toContain(API_TOKEN);
    expect((await gridctl(locked, ['destroy', 'hardened'])).code).toBe(0);
    expect(processesIn(sb.dir)).toEqual([]);
  }, 180_000);

  it('asks for a locked store only when the stack uses it', async () => {
    const sb = newSandbox('plain', { GRIDCTL_VAULT_PASSPHRASE: PASSPHRASE });
    expect((await gridctl(sb, ['var', 'set', 'API_TOKEN', API_TOKEN])).code).toBe(0);
    expect((await gridctl(sb, ['var', 'lock'])).code).toBe(0);
    const locked = withoutPassphrase(sb);

    const plain = sb.write('plain.yaml', stackYaml('plain', localServer('everything', EVERYTHING, 'stdio')));
    const port = await freePort();
    const applied = await gridctl(locked, ['apply', plain, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/everything\s+local\s+stdio\s+healthy/);
    expect((await gridctl(locked, ['plan', plain])).code).toBe(0);
    expect((await gridctl(locked, ['destroy', 'plain'])).code).toBe(0);

    // A stack that does use it still fails, and says how to unlock.
    const uses = sb.write(
      'uses.yaml',
      `${stackYaml('uses', localServer('everything', EVERYTHING, 'stdio'))}    env: { T: "\${var:API_TOKEN}" }\n`,
    );
    const refused = await gridctl(locked, ['apply', uses, '--port', String(await freePort())]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('GRIDCTL_VAULT_PASSPHRASE');
    const sets = sb.write(
      'sets.yaml',
      `${stackYaml('sets', localServer('everything', EVERYTHING, 'stdio'))}secrets:\n  sets: [shared]\n`,
    );
    const refusedSets = await gridctl(locked, ['apply', sets, '--port', String(await freePort())]);
    expect(refusedSets.code).toBe(1);
    expect(refusedSets.stderr).toContain('GRIDCTL_VAULT_PASSPHRASE');
    expect(processesIn(sb.dir)).toEqual([]);
  }, 120_000);
});

describe('ssh client environment', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('gives the local ssh client the basics and its declared env, never gridctl’s own variables', async () => {
    const sb = newSandbox('sshenv', {
      GRIDCTL_VAULT_PASSPHRASE: PASSPHRASE,
      HOST_ONLY_SECRET: HOST_SECRET,
      SSH_AUTH_SOCK: '/tmp/agent.sock-for-test',
    });
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      [
        'name: sshenv',
        'mcp-servers:',
        '  - name: remote',
        `    command: ["node", ${JSON.stringify(EVERYTHING)}, "stdio"]`,
        '    env: { DECLARED: "yes" }',
        ...sshBlock(sshd),
        '',
      ].join('\n'),
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/remote\s+ssh\s+stdio\s+healthy/);
    const status = JSON.parse((await gridctl(sb, ['status', '--json'])).stdout) as {
      gateways: { servers: { name: string; pid?: number }[] }[];
    };
    const pid = status.gateways[0]!.servers.find((s) => s.name === 'remote')!.pid!;
    const environ = Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect(environ.DECLARED).toBe('yes');
    expect(environ.SSH_AUTH_SOCK).toBe('/tmp/agent.sock-for-test');
    expect(environ.PATH).toBe(sb.env.PATH);
    expect(Object.keys(environ).filter((k) => k.startsWith('GRIDCTL_') && k in sb.env)).toEqual([]);
    expect(Object.values(environ)).not.toContain(PASSPHRASE);
    expect(environ.HOST_ONLY_SECRET).toBeUndefined();

    expect((await gridctl(sb, ['destroy', 'sshenv'])).code).toBe(0);
    await waitFor(() => sshd.remoteProcesses().length === 0, { what: 'remote processes to end' });
  }, 120_000);
});
