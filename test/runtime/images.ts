// Test images built offline, cached by tag: a base image holding only the node binary and its
// shared libraries (imported from a rootfs tarball), and the fixture MCP server image on top of it.
// No registry is reachable here, so nothing is ever pulled.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Docker from 'dockerode';
import { requireRuntime } from '../../src/runtime/index.js';
import type { WorkloadRuntime } from '../../src/runtime/types.js';
import { waitFor } from '../support/wait.js';

export const FIXTURE_DIR = resolve(import.meta.dirname, '../fixtures/containers/mcp');

/**
 * The engine under test: whatever detection finds (Podman in CI); `npm run test:docker` runs the
 * container files again with GRIDCTL_TEST_ENGINE=docker and DOCKER_HOST on the real Docker Engine.
 */
export async function engine(): Promise<WorkloadRuntime> {
  const rt = await requireRuntime(
    { env: process.env },
    'container tests need an engine (CI starts Podman and Docker)',
  );
  const wanted = process.env.GRIDCTL_TEST_ENGINE;
  if (wanted && rt.info.kind !== wanted) {
    throw new Error(
      `GRIDCTL_TEST_ENGINE=${wanted}, but the engine found is ${rt.info.kind} (${rt.info.socket})`,
    );
  }
  return rt;
}

/** Serialises image builds across test files (vitest runs two workers). */
async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const dir = join(tmpdir(), `gridctl-test-${name}.lock`);
  await waitFor(
    () => {
      try {
        mkdirSync(dir);
        return true;
      } catch {
        // A lock left by a killed run: break it after two minutes.
        try {
          if (Date.now() - statSync(dir).mtimeMs > 120_000) rmSync(dir, { recursive: true, force: true });
        } catch {}
        return false;
      }
    },
    { timeoutMs: 120_000, intervalMs: 100, what: `the ${name} lock` },
  );
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const NODE = process.execPath;

/** `localhost/gridctl-test-node:<node version>`: node and its libraries, nothing else (~100 MB). */
export async function baseImage(rt: WorkloadRuntime): Promise<string> {
  const tag = `localhost/gridctl-test-node:${process.version.slice(1)}`;
  if (await rt.imageId(tag)) return tag;
  return withLock('base-image', async () => {
    if (await rt.imageId(tag)) return tag;
    const work = mkdtempSync(join(tmpdir(), 'gridctl-rootfs-'));
    try {
      const root = join(work, 'rootfs');
      const files = [NODE, ...libsOf(NODE)];
      for (const f of files) {
        const dest = join(root, f === NODE ? '/usr/local/bin/node' : f);
        mkdirSync(dirname(dest), { recursive: true });
        copyFileSync(f, dest);
      }
      mkdirSync(join(root, 'tmp'), { recursive: true });
      const tar = join(work, 'rootfs.tar');
      execFileSync('tar', ['-C', root, '-cf', tar, '.']);
      // Podman's compatible import ignores repo/tag, so tag the imported id afterwards.
      const docker = new Docker({ socketPath: rt.info.socket });
      const stream = await docker.importImage(createReadStream(tar));
      const events = await new Promise<{ status?: string; id?: string }[]>((res, rej) =>
        docker.modem.followProgress(stream, (err: Error | null, out: { status?: string }[]) =>
          err ? rej(err) : res(out),
        ),
      );
      const id = events.map((e) => e.id ?? e.status ?? '').find((s) => /^sha256:[0-9a-f]{64}$/.test(s));
      if (!id) throw new Error(`image import gave no id: ${JSON.stringify(events)}`);
      const [repo, version] = tag.split(/:(?=[^:]+$)/) as [string, string];
      await docker.getImage(id).tag({ repo, tag: version });
      return tag;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

function libsOf(bin: string): string[] {
  const out = execFileSync('ldd', [bin], { encoding: 'utf8' });
  return [...out.matchAll(/(\/[^\s]+)/g)].map((m) => m[1] as string).filter((p) => p !== bin);
}

/** The fixture MCP server image, tagged by the hash of its inputs so edits rebuild it. */
export async function fixtureImage(rt: WorkloadRuntime): Promise<string> {
  const base = await baseImage(rt);
  const hash = createHash('sha256')
    .update(readFileSync(join(FIXTURE_DIR, 'server.mjs')))
    .update(readFileSync(join(FIXTURE_DIR, 'Containerfile')))
    .update(base)
    .digest('hex')
    .slice(0, 12);
  const tag = `localhost/gridctl-test-mcp:${hash}`;
  if (await rt.imageId(tag)) return tag;
  return withLock('fixture-image', async () => {
    if (await rt.imageId(tag)) return tag;
    await rt.buildImage({
      context: FIXTURE_DIR,
      dockerfile: 'Containerfile',
      tag,
      buildArgs: { BASE: base },
      noCache: false,
      labels: {},
    });
    return tag;
  });
}

export const SDK_FIXTURE_ENTRY = resolve(import.meta.dirname, '../fixtures/conformance-server.ts');

/**
 * The conformance fixture (a real SDK server) bundled by esbuild into one ES module with every
 * dependency inlined, so the node-only base image can run it. Kept in memory: callers that want
 * it on disk (to run it locally too) write it where they clean up.
 */
export async function sdkFixtureBundle(): Promise<{ code: Uint8Array; hash: string }> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [SDK_FIXTURE_ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm', // the fixture uses top-level await
    target: `node${process.versions.node.split('.')[0]}`,
    write: false,
    outfile: 'server.mjs',
    logLevel: 'warning',
  });
  const code = out.outputFiles[0]!.contents;
  return { code, hash: createHash('sha256').update(code).digest('hex').slice(0, 12) };
}

const SDK_FIXTURE_CONTAINERFILE = [
  'ARG BASE',
  'FROM ${BASE}',
  'COPY server.mjs /app/server.mjs',
  'ENTRYPOINT ["/usr/local/bin/node", "/app/server.mjs"]',
  '',
].join('\n');

/**
 * `localhost/gridctl-test/sdk-fixture:<hash>`: the bundled SDK fixture on the node base image,
 * tagged by the hash of the bundle, so an edit to the fixture or an SDK upgrade rebuilds it.
 */
export async function sdkFixtureImage(rt: WorkloadRuntime): Promise<{ tag: string; code: Uint8Array }> {
  const base = await baseImage(rt);
  const bundle = await sdkFixtureBundle();
  const hash = createHash('sha256')
    .update(bundle.hash)
    .update(SDK_FIXTURE_CONTAINERFILE)
    .update(base)
    .digest('hex')
    .slice(0, 12);
  const tag = `localhost/gridctl-test/sdk-fixture:${hash}`;
  const result = { tag, code: bundle.code };
  if (await rt.imageId(tag)) return result;
  return withLock('sdk-fixture-image', async () => {
    if (await rt.imageId(tag)) return result;
    const context = mkdtempSync(join(tmpdir(), 'gridctl-sdk-fixture-'));
    try {
      writeFileSync(join(context, 'server.mjs'), bundle.code);
      writeFileSync(join(context, 'Containerfile'), SDK_FIXTURE_CONTAINERFILE);
      await rt.buildImage({
        context,
        dockerfile: 'Containerfile',
        tag,
        buildArgs: { BASE: base },
        noCache: false,
        labels: {},
      });
      return result;
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });
}
