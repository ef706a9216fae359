/**
 * Runs the CLI as a user would: `runCli` starts the real binary in a child process (for what only a
 * process shows: signals, kill -9, the exit code of bin, two runs at once); `runCliInProcess`
 * calls the same `main` in this process with collected output, which is much faster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import { cliIo } from '../../src/cli/io.js';
import { REPO_ROOT } from './paths.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

type Env = Record<string, string | undefined>;

/** The environment a run sees: this process's, without an API key or base URL unless given. */
function runEnv(env: Env): Env {
  return { ...process.env, OPENALEX_API_KEY: undefined, OPENALEX_BASE_URL: undefined, ...env };
}

/** A CLI process started by spawnCli: its pid, its result once it ends, and kill -9. */
export interface CliProcess {
  child: ChildProcess;
  pid: number;
  done: Promise<CliResult>;
  kill(): void;
}

/** Starts the real binary in a child process and returns at once, for tests that race or kill it. */
export function spawnCli(args: string[], env: Env = {}, cwd = REPO_ROOT): CliProcess {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/medai-trends.js'), ...args], {
    cwd,
    env: runEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, pid: child.pid!, done, kill: () => void child.kill('SIGKILL') };
}

export function runCli(args: string[], env: Env = {}, cwd = REPO_ROOT): Promise<CliResult> {
  return spawnCli(args, env, cwd).done;
}

/**
 * The CLI's `main` in this process, its output collected (stderr is not a terminal, as with
 * `runCli`). Relative paths are taken from this process's directory: changing it would race with
 * the other tests of this worker, so a test that needs another working directory uses `runCli`.
 */
export async function runCliInProcess(args: string[], env: Env = {}, cwd = REPO_ROOT): Promise<CliResult> {
  if (resolve(cwd) !== process.cwd()) throw new Error(`runCliInProcess runs in ${process.cwd()}; for a run in ${cwd} use runCli`);
  let stdout = '';
  let stderr = '';
  const io = cliIo({
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: runEnv(env),
    cwd: process.cwd(),
  });
  const code = await main(args, io);
  return { code, signal: null, stdout, stderr };
}
