#!/usr/bin/env node
// The package's `bin`: runs the TypeScript entry through tsx, so a clone needs no build step.
// The one place that touches the process: its streams, environment, signals and exit code.
import { register } from 'tsx/esm/api';
register();
const { main, processIo, interruptedMessage, ExitCode } = await import('../src/cli/main.ts');

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(interruptedMessage(signal));
    process.exit(ExitCode.interrupted);
  });
}

process.exit(await main(process.argv.slice(2), processIo()));
