// `gridctl init [DIR]`: write a commented starter stack.yaml that validates cleanly.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandRegistrar } from './context.js';

// The schema ships in the package: src/cli and dist/cli both sit two levels below the package root.
const SCHEMA_FILE = fileURLToPath(new URL('../../schema/stack.schema.json', import.meta.url));

export const registerInit: CommandRegistrar = (program, ctx) => {
  program
    .command('init')
    .description('Write a commented starter stack.yaml')
    .argument('[dir]', 'target folder', '.')
    .option('--name <name>', 'stack name (default: the folder name)')
    .option('--force', 'overwrite an existing stack.yaml')
    .option('--example <name>', `copy one of the examples instead: ${EXAMPLES.join(', ')}`)
    .action(async (dir: string, opts: { name?: string; force?: boolean; example?: string }) => {
      const target = path.resolve(ctx.cwd, dir);
      const file = path.join(target, 'stack.yaml');
      if (existsSync(file) && !opts.force) {
        ctx.stderr.write(
          `init: ${path.relative(ctx.cwd, file) || file} already exists; use --force to overwrite it\n`,
        );
        ctx.exitCode = 1;
        return;
      }
      const name = opts.name ?? (sanitize(path.basename(target)) || 'my-stack');
      if (opts.example !== undefined && !EXAMPLES.includes(opts.example)) {
        ctx.stderr.write(`init: no example "${opts.example}"; choose one of ${EXAMPLES.join(', ')}\n`);
        ctx.exitCode = 1;
        return;
      }
      try {
        await mkdir(target, { recursive: true });
        if (opts.example) await copyExample(opts.example, target, opts.name, schemaRef(target));
        else await writeFile(file, starter(name, schemaRef(target)));
      } catch (err) {
        ctx.stderr.write(`init: cannot write ${file}: ${(err as Error).message}\n`);
        ctx.exitCode = 1;
        return;
      }
      const shown = path.relative(ctx.cwd, file) || file;
      ctx.stdout.write(`Wrote ${shown}\nNext: gridctl validate ${shown} && gridctl apply ${shown}\n`);
    });
};

// The examples ship in the package beside the schema.
const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));
const EXAMPLES = existsSync(EXAMPLES_DIR)
  ? readdirSync(EXAMPLES_DIR)
      .filter((d) => existsSync(path.join(EXAMPLES_DIR, d, 'stack.yaml')))
      .sort()
  : [];

/** The example's files into `target`, its schema comment pointing at the schema from there. */
async function copyExample(example: string, target: string, name: string | undefined, schema: string) {
  const from = path.join(EXAMPLES_DIR, example);
  await cp(from, target, { recursive: true, force: true });
  const file = path.join(target, 'stack.yaml');
  let text = readFileSync(file, 'utf8').replace(/^(# yaml-language-server: \$schema=).*$/m, `$1${schema}`);
  if (name) text = text.replace(/^name: .*$/m, `name: ${name}`);
  await writeFile(file, text);
}

function schemaRef(target: string): string {
  const rel = path.relative(target, SCHEMA_FILE);
  return rel.split(path.sep).join('/');
}

/** Folder names become stack names: keep container-name characters only. */
function sanitize(s: string): string {
  return s
    .replace(/[^a-zA-Z0-9_.-]+/g, '-')
    .replace(/_{2,}/g, '_')
    .replace(/^[^a-zA-Z0-9]+/, '');
}

function starter(name: string, schema: string): string {
  return `# yaml-language-server: $schema=${schema}
# A gridctl stack: MCP servers brought up behind one MCP endpoint (http://localhost:8180/mcp).
# Reference: docs/configuration.md in the gridctl package. Check this file with \`gridctl validate\`.
version: "1"
name: ${name}

mcp-servers:
  # A local process, started with the stack file's folder as its working directory.
  # Its tools appear as everything__<tool>.
  - name: everything
    command: ["npx", "-y", "@modelcontextprotocol/server-everything", "stdio"]
    # timeout: 60s          # deadline for one request to this server
    # replicas: 2           # independent copies, load-balanced (replica_policy: round-robin)

  # A container image serving MCP over HTTP at /mcp on its port (needs Docker or Podman):
  # - name: web
  #   image: ghcr.io/example/mcp-web:1.0
  #   port: 8080
  #   env:
  #     API_KEY: \${var:WEB_API_KEY}    # from the variable store (gridctl var set WEB_API_KEY)

  # A remote MCP server:
  # - name: remote
  #   url: https://mcp.example.com/mcp
  #   auth: { type: bearer, token: "\${REMOTE_TOKEN}" }

# Uncomment to protect the gateway with a token (recommended whenever a gateway block exists):
# gateway:
#   auth:
#     type: bearer
#     token: \${var:GATEWAY_TOKEN}
`;
}
