// /api/var against a real `gridctl apply` in a sandbox: names-only listing, reveal only with
// gateway.auth, writes visible to `gridctl var`, new values redacted in the daemon's logs at once,
// cross-site writes refused, a store locked behind the daemon's back reported as locked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVERYTHING, gridctl, type Sandbox, sandbox, stackYaml } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';

const running: [Sandbox, string][] = [];

afterAll(async () => {
  for (const [sb, name] of running) await gridctl(sb, ['destroy', name]).catch(() => undefined);
});

interface Listing {
  locked: boolean;
  exists: boolean;
  file: string;
  readable: boolean;
  reveal: boolean;
  message?: string;
  scopes: { set: string | null; keys: string[] }[];
}

function client(base: string, headers: Record<string, string> = {}) {
  const call = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...headers,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...extra,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    headers,
    call,
    list: async () => (await call('GET', '/api/var')).json as unknown as Listing,
  };
}

describe('/api/var without gateway.auth', () => {
  it('lists names, refuses to reveal, sets and deletes, redacts new values in the logs at once', async () => {
    const sb = sandbox();
    running.push([sb, 'vars-open']);
    expect((await gridctl(sb, ['var', 'set', 'PRESET', 'preset-value-4411'])).code).toBe(0);
    const said = sb.write('said.txt', 'nothing to say\n');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // A stdio server that prints said.txt on stderr at every start: the gateway logs those lines.
    const argv = ['sh', '-c', 'cat "$0" >&2; exec node "$1" stdio', said, EVERYTHING];
    const file = sb.write(
      'stack.yaml',
      stackYaml('vars-open', `  - name: talker\n    command: ${JSON.stringify(argv)}\n`),
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port), '--log-level', 'debug']);
    expect(applied.code, applied.stderr).toBe(0);
    const api = client(base);

    const listed = await api.call('GET', '/api/var');
    expect(listed.status).toBe(200);
    expect(listed.json).toMatchObject({
      locked: false,
      exists: true,
      readable: true,
      reveal: false,
      scopes: [{ set: null, keys: ['PRESET'] }],
    });
    expect(listed.text).not.toContain('preset-value-4411');

    // Reveal needs inbound auth; the refusal says how to get it and carries no value.
    const reveal = await api.call('GET', '/api/var/PRESET');
    expect(reveal.status).toBe(403);
    expect(reveal.text).toContain('gateway.auth');
    expect(reveal.text).not.toContain('preset-value-4411');

    // Set into a named set: `gridctl var` sees it.
    const put = await api.call('PUT', '/api/var/NEW_TOKEN?set=team', { value: 'fresh-secret-7788' });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toEqual({ key: 'NEW_TOKEN', set: 'team', created: true });
    expect(put.text).not.toContain('fresh-secret-7788');
    const cliList = await gridctl(sb, ['var', 'list']);
    expect(cliList.stdout).toMatch(/NEW_TOKEN/);
    expect(cliList.stdout).toMatch(/team/);
    expect(cliList.stdout).not.toContain('fresh-secret-7788');
    const cliGet = await gridctl(sb, ['var', 'get', 'NEW_TOKEN', '--set', 'team']);
    expect(cliGet.stdout.trim()).toBe('fresh-secret-7788');
    expect((await api.list()).scopes).toEqual([
      { set: null, keys: ['PRESET'] },
      { set: 'team', keys: ['NEW_TOKEN'] },
    ]);

    // The value is masked in the daemon's log from now on, without a reload: the server prints it
    // on stderr at its next start.
    sb.write('said.txt', 'leaking fresh-secret-7788 now\n');
    const restarted = await api.call('POST', '/api/mcp-servers/talker/restart');
    expect(restarted.status, restarted.text).toBe(200);
    const logs = await waitFor(
      async () => {
        const text = await (await fetch(`${base}/api/logs?limit=1000`)).text();
        return text.includes('leaking [REDACTED] now') ? text : undefined;
      },
      { timeoutMs: 20_000, what: 'the redacted stderr line in /api/logs' },
    );
    expect(logs).not.toContain('fresh-secret-7788');
    expect(logs).toContain("variable 'NEW_TOKEN' in set 'team' created through the API");
    const logFile = readFileSync(join(sb.home, 'logs', 'vars-open.log'), 'utf8');
    expect(logFile).toContain('leaking [REDACTED] now');
    expect(logFile).not.toContain('fresh-secret-7788');

    // Changing a value: not "created"; the CLI reads the new one.
    const change = await api.call('PUT', '/api/var/PRESET', { value: 'preset-value-changed' });
    expect(change.json).toEqual({ key: 'PRESET', set: null, created: false });
    expect((await gridctl(sb, ['var', 'get', 'PRESET'])).stdout.trim()).toBe('preset-value-changed');

    // Bad input: clear 400s without values.
    expect((await api.call('PUT', '/api/var/9BAD', { value: 'x1234' })).status).toBe(400);
    expect((await api.call('PUT', '/api/var/OK?set=-bad', { value: 'x1234' })).status).toBe(400);
    const empty = await api.call('PUT', '/api/var/EMPTY', { value: '' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('non-empty');

    // Cross-site and DNS-rebinding writes are refused before the store is touched.
    const plain = await api.call('PUT', '/api/var/EVIL', '{"value":"evil-value-1"}', {
      'content-type': 'text/plain',
    });
    expect(plain.status).toBe(400);
    const foreign = await api.call(
      'PUT',
      '/api/var/EVIL',
      { value: 'evil-value-1' },
      { origin: 'http://evil.example' },
    );
    expect(foreign.status).toBe(403);
    const foreignDelete = await api.call('DELETE', '/api/var/PRESET', {}, { origin: 'http://evil.example' });
    expect(foreignDelete.status).toBe(403);
    const noType = await api.call('DELETE', '/api/var/PRESET');
    expect(noType.status).toBe(400);
    expect((await gridctl(sb, ['var', 'list'])).stdout).not.toContain('EVIL');

    // Delete, then 404 for a second delete.
    const del = await api.call('DELETE', '/api/var/NEW_TOKEN?set=team', {});
    expect(del.status, del.text).toBe(200);
    expect(del.json).toEqual({ deleted: 'NEW_TOKEN', set: 'team' });
    expect((await api.call('DELETE', '/api/var/NEW_TOKEN?set=team', {})).status).toBe(404);
    expect((await api.list()).scopes).toEqual([{ set: null, keys: ['PRESET'] }]);
    expect((await gridctl(sb, ['var', 'list'])).stdout).not.toContain('NEW_TOKEN');

    // Locked behind the daemon's back (its environment has no passphrase): the API says so and how
    // to unlock, and refuses writes with 423.
    const lock = await gridctl({ ...sb, env: { ...sb.env, GRIDCTL_VAULT_PASSPHRASE: 'a-long-passphrase' } }, [
      'var',
      'lock',
    ]);
    expect(lock.code, lock.stderr).toBe(0);
    const locked = await api.list();
    expect(locked).toMatchObject({ locked: true, exists: true, readable: false, scopes: [] });
    expect(locked.message).toContain('GRIDCTL_VAULT_PASSPHRASE');
    const lockedPut = await api.call('PUT', '/api/var/LATE', { value: 'late-value-1' });
    expect(lockedPut.status).toBe(423);
    expect(lockedPut.json).toMatchObject({ error: { code: 'vault_locked' } });
  });
});

describe('/api/var with gateway.auth and a locked store', () => {
  it('needs the token, reveals values per scope, and writes through the passphrase', async () => {
    const sb = sandbox();
    running.push([sb, 'vars-guarded']);
    sb.env.GRIDCTL_VAULT_PASSPHRASE = 'correct horse battery';
    const token = 'gw-token-5d2e91';
    expect((await gridctl(sb, ['var', 'set', 'GATEWAY_TOKEN', token])).code).toBe(0);
    expect((await gridctl(sb, ['var', 'set', '--set', 'gh', 'GH_TOKEN', 'gh-value-31337'])).code).toBe(0);
    const lock = await gridctl(sb, ['var', 'lock']);
    expect(lock.code, lock.stderr).toBe(0);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const file = sb.write(
      'stack.yaml',
      `${stackYaml('vars-guarded', `  - name: everything\n    command: ["node", ${JSON.stringify(EVERYTHING)}, "stdio"]\n`)}gateway:\n  auth:\n    type: bearer\n    token: \${var:GATEWAY_TOKEN}\n`,
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);

    expect((await client(base).call('GET', '/api/var')).status).toBe(401);
    expect((await client(base).call('GET', '/api/var/GH_TOKEN?set=gh')).status).toBe(401);
    const api = client(base, { authorization: `Bearer ${token}` });

    const listing = await api.list();
    expect(listing).toMatchObject({
      locked: true,
      exists: true,
      readable: true,
      reveal: true,
      scopes: [
        { set: null, keys: ['GATEWAY_TOKEN'] },
        { set: 'gh', keys: ['GH_TOKEN'] },
      ],
    });

    const shown = await api.call('GET', '/api/var/GH_TOKEN?set=gh');
    expect(shown.status).toBe(200);
    expect(shown.json).toEqual({ key: 'GH_TOKEN', set: 'gh', value: 'gh-value-31337' });
    expect(shown.text).not.toContain('[REDACTED]');
    const wrongScope = await api.call('GET', '/api/var/GH_TOKEN');
    expect(wrongScope.status).toBe(404);
    expect(wrongScope.text).toContain("no variable 'GH_TOKEN'");

    const put = await api.call('PUT', '/api/var/API_KEY', { value: 'api-key-from-ui-99' });
    expect(put.status, put.text).toBe(200);
    expect((await gridctl(sb, ['var', 'get', 'API_KEY'])).stdout.trim()).toBe('api-key-from-ui-99');
    expect((await api.call('GET', '/api/var/API_KEY')).json).toMatchObject({ value: 'api-key-from-ui-99' });
    // Still locked with the same passphrase: a wrong one opens nothing.
    const wrong = await gridctl({ ...sb, env: { ...sb.env, GRIDCTL_VAULT_PASSPHRASE: 'wrong passphrase' } }, [
      'var',
      'list',
    ]);
    expect(wrong.code).not.toBe(0);
    expect(readFileSync(join(sb.home, 'vault', 'store.json'), 'utf8')).not.toContain('api-key-from-ui-99');

    const logs = await (await fetch(`${base}/api/logs?limit=1000`, { headers: api.headers })).text();
    expect(logs).toContain("variable 'API_KEY' created through the API");
    expect(logs).not.toContain('api-key-from-ui-99');
    expect(logs).not.toContain('gh-value-31337');
  });
});
