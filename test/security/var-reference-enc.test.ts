// `var import --from-reference` of the reference gridctl's encrypted vault (`secrets.enc`). The file
// is made here by an encoder written from the reference's documented envelope: Argon2id(passphrase,
// 16-byte salt, time 1, 64 MiB, 4 lanes) gives the key that seals a random 32-byte data key with
// XChaCha20-Poly1305; the data key seals the store's plaintext JSON; each nonce is 24 random
// bytes, each ciphertext carries its tag, every binary field is standard base64.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { argon2id } from '@noble/hashes/argon2.js';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { createRegisterVar, type VarInput } from '../../src/cli/var.js';
import { captureOutput, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const PASS = 'correct horse battery staple';

function seal(key: Uint8Array, plain: Uint8Array) {
  const nonce = new Uint8Array(randomBytes(24));
  const ciphertext = xchacha20poly1305(key, nonce).encrypt(plain);
  return {
    nonce: Buffer.from(nonce).toString('base64'),
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
}

function referenceSecretsEnc(store: unknown, passphrase: string): string {
  const salt = new Uint8Array(randomBytes(16));
  const kdf = { time: 1, memory: 64 * 1024, threads: 4 };
  const kek = argon2id(new TextEncoder().encode(passphrase), salt, {
    t: kdf.time,
    m: kdf.memory,
    p: kdf.threads,
    dkLen: 32,
  });
  const dek = new Uint8Array(randomBytes(32));
  return JSON.stringify(
    {
      version: 1,
      encrypted: true,
      kdf: { algorithm: 'argon2id', salt: Buffer.from(salt).toString('base64'), ...kdf },
      dek: seal(kek, dek),
      data: seal(dek, new TextEncoder().encode(JSON.stringify(store))),
    },
    null,
    2,
  );
}

const SECRET = 'ghp-very-secret-token-42';

describe('var import --from-reference of an encrypted vault', () => {
  it('opens secrets.enc with the passphrase from the environment and never prints a value', async () => {
    const dir = tempDir('varrefenc');
    const env: NodeJS.ProcessEnv = { GRIDCTL_HOME: join(dir, 'g') };
    const refVault = join(dir, 'g', '.gridctl', 'vault');
    mkdirSync(refVault, { recursive: true });
    const enc = join(refVault, 'secrets.enc');
    writeFileSync(
      enc,
      referenceSecretsEnc(
        {
          version: 2,
          variables: [
            { key: 'GH_TOKEN', value: SECRET, type: 'string', is_secret: true, set: 'github' },
            { key: 'REGION', value: 'eu-west-1', type: 'string', is_secret: false },
          ],
          sets: [{ name: 'github' }],
        },
        PASS,
      ),
    );

    // No passphrase: a coded refusal that says which variable to set.
    const none = await runCli(['var', 'import', '--from-reference'], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('set GRIDCTL_REFERENCE_VAULT_PASSPHRASE');
    expect(none.stderr).toContain('[VAULT_REFERENCE_ENCRYPTED]');

    const wrong = await runCli(['var', 'import', '--from-reference'], {
      env: { ...env, GRIDCTL_REFERENCE_VAULT_PASSPHRASE: 'not the passphrase' },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("wrong passphrase for the reference's encrypted vault");
    expect(wrong.stderr).toContain('[VAULT_REFERENCE_BAD_PASSPHRASE]');
    expect(wrong.stderr + wrong.stdout).not.toContain('not the passphrase');
    expect((await runCli(['var', 'get', 'GH_TOKEN', '--set', 'github'], { env })).code).toBe(1);

    const ok = await runCli(['var', 'import', '--from-reference'], {
      env: { ...env, GRIDCTL_REFERENCE_VAULT_PASSPHRASE: PASS },
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`Imported 2 variable(s) from ${enc}: 2 new, 0 updated.\n`);
    expect(ok.stdout + ok.stderr).not.toContain(SECRET);
    expect(ok.stdout + ok.stderr).not.toContain(PASS);
    expect((await runCli(['var', 'get', 'GH_TOKEN', '--set', 'github'], { env })).stdout).toBe(`${SECRET}\n`);
    expect((await runCli(['var', 'get', 'REGION'], { env })).stdout).toBe('eu-west-1\n');
    const listed = await runCli(['var', 'list'], { env });
    expect(listed.stdout).toContain('GH_TOKEN');
    expect(listed.stdout).not.toContain(SECRET);
  });

  it("takes GRIDCTL_VAULT_PASSPHRASE as the reference does, and names a damaged file's fault", async () => {
    const dir = tempDir('varrefenc2');
    const enc = join(dir, 'secrets.enc');
    writeFileSync(
      enc,
      referenceSecretsEnc({ version: 2, variables: [{ key: 'API_KEY', value: SECRET }] }, PASS),
    );
    const env: NodeJS.ProcessEnv = { GRIDCTL_HOME: join(dir, 'g'), GRIDCTL_VAULT_PASSPHRASE: PASS };
    const ok = await runCli(['var', 'import', '--from-reference', enc], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Imported 1 variable(s)');
    expect((await runCli(['var', 'get', 'API_KEY'], { env })).stdout).toBe(`${SECRET}\n`);

    // A flipped byte in the data's ciphertext fails authentication like a wrong passphrase.
    const doc = JSON.parse(readFileSync(enc, 'utf8'));
    const bytes = Buffer.from(doc.data.ciphertext, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    doc.data.ciphertext = bytes.toString('base64');
    writeFileSync(enc, JSON.stringify(doc));
    const altered = await runCli(['var', 'import', '--from-reference', enc], { env });
    expect(altered.code).toBe(1);
    expect(altered.stderr).toContain('[VAULT_REFERENCE_BAD_PASSPHRASE]');

    doc.dek.nonce = 'AAAA';
    writeFileSync(enc, JSON.stringify(doc));
    const short = await runCli(['var', 'import', '--from-reference', enc], { env });
    expect(short.stderr).toContain('dek.nonce is 3 bytes, expected 24');
    expect(short.stderr).toContain('[VAULT_REFERENCE_UNREADABLE]');
  });

  it('asks for the passphrase on a terminal when the environment has none', async () => {
    const dir = tempDir('varrefenc3');
    const enc = join(dir, 'secrets.enc');
    writeFileSync(
      enc,
      referenceSecretsEnc({ version: 2, variables: [{ key: 'API_KEY', value: SECRET }] }, PASS),
    );
    const { out, err, seen } = captureOutput();
    const ctx = createContext({ stdout: out, stderr: err, env: { GRIDCTL_HOME: join(dir, 'g') }, cwd: dir });
    const program = new Command('gridctl').exitOverride();
    const prompts: string[] = [];
    const stdin = Object.assign(Readable.from([]), { isTTY: true }) as VarInput;
    createRegisterVar({
      stdin,
      prompt: async (q) => {
        prompts.push(q);
        return PASS;
      },
    })(program, ctx);
    try {
      await program.parseAsync(['node', 'gridctl', 'var', 'import', '--from-reference', enc]);
    } catch (e) {
      if (!(e instanceof CommanderError)) throw e;
    }
    expect(ctx.exitCode, seen.stderr).toBe(0);
    expect(prompts).toEqual(["Passphrase of the reference's vault: "]);
    expect(seen.stdout).toContain('Imported 1 variable(s)');
    expect(seen.stdout + seen.stderr).not.toContain(SECRET);
  });
});
