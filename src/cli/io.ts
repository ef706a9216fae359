/**
 * What a command may touch outside its arguments: the two output streams, the environment, the
 * working directory and the run's effects. The CLI reads `process` only in bin/medai-trends.js,
 * which passes `processIo()`; tests pass collectors and their own environment, so a command runs
 * in-process exactly as it does in a terminal.
 */
import { streamEffects, type Effects, type Writer } from '../effects/effects.js';

export interface CliIo {
  stdout: Writer;
  stderr: Writer;
  /** OPENALEX_API_KEY, OPENALEX_BASE_URL, CHROMIUM_PATH: read from here, never from process.env. */
  env: Readonly<Record<string, string | undefined>>;
  /** The directory paths are shown relative to. */
  cwd: string;
  effects: Effects;
}

export function cliIo(parts: Omit<CliIo, 'effects'>): CliIo {
  return { ...parts, effects: streamEffects(parts.stdout, parts.stderr) };
}

export function processIo(): CliIo {
  return cliIo({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
}
