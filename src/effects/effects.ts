/**
 * The side effects of a run, in one object passed into every stage as an optional last parameter
 * (the fetch included), so tests pass quiet ones and a quiet run prints nothing at all.
 * Logs and progress go to stderr; data (CSV, summaries) to stdout.
 */
import { systemClock, type Clock } from './clock.js';
import { progressOn, quietProgress, type FetchProgress, type Writer } from './progress.js';

export type { Writer } from './progress.js';

export interface Effects {
  log(message: string): void;
  warn(message: string): void;
  /** A fresh progress display for one fetch (a bar on a terminal, plain lines otherwise). */
  progress(): FetchProgress;
  /** Dates written into records and manifests (fetchedAt, startedAt). */
  now(): Date;
  /** Milliseconds and sleeping, for the request pace and retry waits. */
  clock: Clock;
  /** Data for the user (CSV, the report summary, estimates), kept apart from the logs. */
  stdout(text: string): void;
}

export const quietEffects: Effects = {
  log: () => {},
  warn: () => {},
  progress: () => quietProgress,
  now: () => new Date(),
  clock: systemClock,
  stdout: () => {},
};

/** Effects writing to two streams: the CLI's, or a test's collectors. */
export function streamEffects(stdout: Writer, stderr: Writer): Effects {
  return {
    log: (m) => void stderr.write(`${m}\n`),
    warn: (m) => void stderr.write(`warning: ${m}\n`),
    progress: () => progressOn(stderr),
    now: () => new Date(),
    clock: systemClock,
    stdout: (text) => void stdout.write(text),
  };
}
