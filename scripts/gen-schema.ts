// Regenerates schema/stack.schema.json from the zod schema (src/config/schema.ts).
// Run `npm run schema` after changing the schema; a test fails while the committed file is stale.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { stackJsonSchema } from '../src/config/json-schema.js';

const out = fileURLToPath(new URL('../schema/stack.schema.json', import.meta.url));
await writeFile(out, `${JSON.stringify(stackJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
