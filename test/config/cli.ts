// Config tests run the CLI through the shared helper; fixtures live beside them.
export { type CliRun, runCli } from '../support/cli.js';

export const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
