// Runs the CLI straight from the sources (`npx tsx src/cli/main-run.ts ...`), mirroring bin/gridctl.js.
import { main } from './main.js';

process.exitCode = await main(process.argv);
