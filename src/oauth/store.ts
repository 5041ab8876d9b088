// Where OAuth grants and client registrations rest: one sealed file, <home>/oauth/grants.json
// (AES-256-GCM, the vault's primitives), under a random 32-byte key in <home>/oauth/key; both 0600
// in a 0700 folder. Grants are keyed by the canonical resource URL (the server's URL), client
// registrations by issuer. Tokens are never written anywhere else: not to the state file, the
// logs or an API answer. Every change re-reads the file and writes it atomically, so the daemon
// and a CLI command never lose each other's writes.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { coded } from '../errors/coded.js';
import { KEY_BYTES, open, seal } from '../security/vault/crypto.js';

const AAD = 'gridctl-oauth-grants-v1';

export interface StoredTokens extends OAuthTokens {
  /** Epoch milliseconds when the access token expires (from expires_in at issue). */
  expires_at?: number;
  /** Epoch milliseconds when it was issued. */
  obtained_at: number;
  issuer?: string;
}

export interface GrantRecord {
  /** The stack server it was obtained for (shown by `auth status`). */
  server: string;
  resource: string;
  issuer?: string;
  grant: 'authorization_code' | 'client_credentials';
  tokens?: StoredTokens;
}

interface Contents {
  grants: Record<string, GrantRecord>;
  registrations: Record<string, OAuthClientInformationMixed>;
}

const empty = (): Contents => ({ grants: {}, registrations: {} });

/** The canonical form of a resource URL: lowercase scheme and host, no fragment, no default port. */
export function canonicalResource(url: string): string {
  const u = new URL(url);
  u.hash = '';
  return u.href;
}

export class OAuthStore {
  readonly dir: string;
  readonly file: string;
  private readonly keyFile: string;
  private key: Buffer | undefined;

  constructor(root: string) {
    this.dir = join(root, 'oauth');
    this.file = join(this.dir, 'grants.json');
    this.keyFile = join(this.dir, 'key');
  }

  grant(resource: string): GrantRecord | undefined {
    return this.read().grants[canonicalResource(resource)];
  }

  grants(): GrantRecord[] {
    return Object.values(this.read().grants);
  }

  registration(issuer: string): OAuthClientInformationMixed | undefined {
    return this.read().registrations[issuer];
  }

  /** Applies `change` to the grant of `resource` (undefined = remove it) and saves. */
  updateGrant(resource: string, change: (g: GrantRecord | undefined) => GrantRecord | undefined): void {
    this.mutate((c) => {
      const key = canonicalResource(resource);
      const next = change(c.grants[key]);
      if (next) c.grants[key] = next;
      else delete c.grants[key];
    });
  }

  saveRegistration(issuer: string, info: OAuthClientInformationMixed | undefined): void {
    this.mutate((c) => {
      if (info) c.registrations[issuer] = info;
      else delete c.registrations[issuer];
    });
  }

  private mutate(change: (c: Contents) => void): void {
    const c = this.read();
    change(c);
    this.write(c);
  }

  private read(): Contents {
    if (!existsSync(this.file)) return empty();
    const sealed = JSON.parse(readFileSync(this.file, 'utf8')) as {
      iv: string;
      ciphertext: string;
      tag: string;
    };
    const plain = open(this.keyFor(false), sealed, AAD);
    if (!plain) {
      throw coded(
        'OAUTH_STORE_INVALID',
        `${this.file} cannot be opened with ${this.keyFile} (altered, or the key was replaced); remove both and sign in again with \`gridctl auth login\``,
      );
    }
    return { ...empty(), ...(JSON.parse(plain.toString('utf8')) as Contents) };
  }

  private write(c: Contents): void {
    const sealed = seal(this.keyFor(true), Buffer.from(JSON.stringify(c), 'utf8'), AAD);
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(sealed), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  private keyFor(create: boolean): Buffer {
    if (this.key) return this.key;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    if (existsSync(this.keyFile)) {
      const key = readFileSync(this.keyFile);
      if (key.length !== KEY_BYTES)
        throw coded('OAUTH_STORE_INVALID', `${this.keyFile} is not a ${KEY_BYTES}-byte key`);
      this.key = key;
    } else {
      if (!create)
        throw coded('OAUTH_STORE_INVALID', `${this.file} exists but its key ${this.keyFile} is missing`);
      const key = randomBytes(KEY_BYTES);
      writeFileSync(this.keyFile, key, { mode: 0o600, flag: 'wx' });
      this.key = key;
    }
    return this.key;
  }
}
