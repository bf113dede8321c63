import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A worker thread's compiled script: `beside` (relative to the calling module, `from`) when the
 * caller runs from dist/, else `built` (relative to it too: the build output of the sources, which
 * is what tests run; `npm test` builds first). Throws naming `what` when neither exists.
 *
 * @example
 * workerScript(import.meta.url, './checkWorker.js', '../../dist/src/check/checkWorker.js', 'check workers');
 */
export function workerScript(from: string, beside: string, built: string, what: string): URL {
  for (const candidate of [new URL(beside, from), new URL(built, from)])
    if (existsSync(fileURLToPath(candidate))) return candidate;
  throw new Error(`${what} need the compiled worker script ${beside} (run \`npm run build\`)`);
}
