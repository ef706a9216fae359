#!/usr/bin/env node
// The package's `bin`: runs the TypeScript sources compiled once into a cache (compiled-sources.js),
// or through tsx where that cannot be written, so a clone needs no build step.
// The one place that touches the process: its streams, environment, signals and exit code.
import { compiledMain } from './compiled-sources.js';

const compiled = await compiledMain();
let entry = compiled;
if (entry === null) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../src/cli/main.ts', import.meta.url).href;
}
// Stack traces of a bug name the TypeScript lines, through the compiled files' source maps.
if (compiled !== null) process.setSourceMapsEnabled(true);
const { main, processIo, interruptedMessage, ExitCode } = await import(entry);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(interruptedMessage(signal));
    process.exit(ExitCode.interrupted);
  });
}

process.exit(await main(process.argv.slice(2), processIo()));
