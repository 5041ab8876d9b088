// Builds the web UI into dist/web: hashed, code-split ES modules (esbuild) and an index.html that
// names them. Run by `npm run build`; tests call buildWeb() directly.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const HERE = import.meta.dirname;
export const OUT = resolve(HERE, '../dist/web');

export interface BuildReport {
  files: { file: string; bytes: number; initial: boolean }[];
}

export async function buildWeb(out = OUT): Promise<BuildReport> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: [join(HERE, 'src/main.tsx')],
    outdir: join(out, 'assets'),
    bundle: true,
    splitting: true,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = result.metafile.outputs;
  const entry = Object.entries(outputs).find(([, o]) => o.entryPoint?.endsWith('main.tsx'));
  if (!entry) throw new Error('esbuild produced no entry');
  const [entryFile, entryMeta] = entry;
  const js = basename(entryFile);
  const css = entryMeta.cssBundle ? basename(entryMeta.cssBundle) : undefined;
  const initial = new Set([
    js,
    css,
    ...entryMeta.imports.filter((i) => !i.kind.includes('dynamic')).map((i) => basename(i.path)),
  ]);

  const icon = readFileSync(join(HERE, 'favicon.svg'));
  writeFileSync(join(out, 'favicon.svg'), icon);
  const html = readFileSync(join(HERE, 'index.html'), 'utf8')
    .replace('%CSS%', css ? `<link rel="stylesheet" href="/assets/${css}">` : '')
    .replace(
      '%JS%',
      [
        ...[...initial]
          .filter((f): f is string => !!f && f !== js && f.endsWith('.js'))
          .map((f) => `<link rel="modulepreload" href="/assets/${f}">`),
        `<script type="module" src="/assets/${js}"></script>`,
      ].join('\n'),
    )
    .replace(
      '%BUILD%',
      createHash('sha256')
        .update(js + (css ?? ''))
        .digest('hex')
        .slice(0, 12),
    );
  writeFileSync(join(out, 'index.html'), html);

  const files = Object.entries(outputs).map(([file, o]) => ({
    file: basename(file),
    bytes: o.bytes,
    initial: initial.has(basename(file)),
  }));
  return { files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await buildWeb();
  const { gzipSync } = await import('node:zlib');
  let initialGz = 0;
  for (const f of report.files) {
    const gz = gzipSync(readFileSync(join(OUT, 'assets', f.file))).length;
    if (f.initial) initialGz += gz;
  }
  const html = gzipSync(readFileSync(join(OUT, 'index.html'))).length;
  console.log(
    `web: ${report.files.length} files in dist/web; initial load ${((initialGz + html) / 1024).toFixed(1)} KiB gzip`,
  );
}
