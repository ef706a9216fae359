/**
 * Worker threads that run one of this project's modules, whether the sources run compiled (the
 * `bin` runs them from the build cache) or as TypeScript (tsx, the tests).
 */
import { Worker } from 'node:worker_threads';

/**
 * A worker running the module `name` that sits beside the module at `besideUrl` (its
 * import.meta.url): compiled, the .js file; from TypeScript, the .ts file, loaded through tsx's
 * loader registered in the worker first.
 */
export function startWorker(besideUrl: string, name: string): Worker {
  const typescript = besideUrl.endsWith('.ts');
  const url = new URL(`./${name}${typescript ? '.ts' : '.js'}`, besideUrl);
  if (!typescript) return new Worker(url);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true });
}
