/**
 * Runs one measured child process: its wall time and its peak resident set size. The peak comes
 * from GNU time's %M (the kernel's ru_maxrss of the child, exact) when /usr/bin/time is there,
 * else from polling /proc/<pid>/status VmHWM (may miss a final spike between two polls).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildRun {
  seconds: number;
  peakRssBytes: number | null;
  exitCode: number;
  /** The last lines of stderr, to say why a stage failed. */
  stderrTail: string;
  stdout: string;
}

export interface ChildOptions {
  cwd: string;
  /** Appended with the child's stderr. */
  logFile: string;
  /** Keep the child's stdout (returned as `stdout`); else it goes to /dev/null. */
  captureStdout?: boolean;
}

const GNU_TIME = '/usr/bin/time';

/** Whether /usr/bin/time is GNU time (BusyBox's and BSD's take other flags). */
export const hasGnuTime: boolean =
  existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).stderr.trim().match(/^\d+$/) !== null;

/** How often /proc is polled when GNU time is missing. */
const POLL_MS = 50;

export async function runChild(command: string, args: readonly string[], options: ChildOptions): Promise<ChildRun> {
  const scratch = await mkdtemp(join(tmpdir(), 'medai-scale-time-'));
  const timeFile = join(scratch, 'rss');
  const [cmd, argv] = hasGnuTime ? [GNU_TIME, ['-f', '%M', '-o', timeFile, command, ...args]] : [command, [...args]];
  const log = createWriteStream(options.logFile, { flags: 'a' });
  log.write(`\n$ ${[command, ...args].join(' ')}\n`);
  let tail = '';
  let stdout = '';
  const started = process.hrtime.bigint();
  const child = spawn(cmd, argv, { cwd: options.cwd, stdio: ['ignore', options.captureStdout === true ? 'pipe' : 'ignore', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-2000);
  });
  let polledKb = 0;
  const poll = hasGnuTime
    ? null
    : setInterval(() => {
        readFile(`/proc/${child.pid}/status`, 'utf8')
          .then((s) => (polledKb = Math.max(polledKb, Number(/^VmHWM:\s+(\d+)/m.exec(s)?.[1] ?? 0))))
          .catch(() => undefined);
      }, POLL_MS);
  const exitCode = await new Promise<number>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => done(code ?? (signal === null ? 1 : 128)));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (poll !== null) clearInterval(poll);
  await new Promise<void>((done) => log.end(done));
  let peakKb: number | null = polledKb > 0 ? polledKb : null;
  if (hasGnuTime) {
    // GNU time writes "Command exited with non-zero status N" above %M when the child fails.
    const last = (await readFile(timeFile, 'utf8').catch(() => '')).trim().split('\n').at(-1) ?? '';
    peakKb = /^\d+$/.test(last) ? Number(last) : null;
  }
  await rm(scratch, { recursive: true, force: true });
  return { seconds, peakRssBytes: peakKb === null ? null : peakKb * 1024, exitCode, stderrTail: tail.trim().split('\n').slice(-10).join('\n'), stdout };
}
