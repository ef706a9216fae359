/**
 * Side effects passed into stages as an optional last parameter, so tests can pass quiet ones.
 * Logs and progress go to stderr; data goes to files or stdout.
 */
export interface Effects {
  log(message: string): void;
  warn(message: string): void;
  now(): Date;
}

export const quietEffects: Effects = {
  log: () => {},
  warn: () => {},
  now: () => new Date(),
};

export const stderrEffects: Effects = {
  log: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  now: () => new Date(),
};
