/**
 * Issue 3's "done when": a 1 TiB 4K *scenario* maps and unmaps within 512 MiB peak RSS. Runs
 * test/bench/fixtures/map-1tib-4k.json exactly as `mshv-control run` does (the CLI command, in this
 * process, output captured): scenario loader, simulated machine from the seed, driver model, audit.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { runCli } from '../../../src/cli/runCli.js';

/** The scenario file; the bench runs from dist/, the fixture stays in the source tree. */
const SCENARIO = fileURLToPath(new URL('../../../../test/bench/fixtures/map-1tib-4k.json', import.meta.url));

export async function run(): Promise<Record<string, number>> {
  const out: string[] = [];
  const err: string[] = [];
  const t0 = performance.now();
  const code = await runCli(['run', SCENARIO], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    isTty: false,
  });
  const wallMs = performance.now() - t0;
  if (code !== 0 || !out.includes('audit: conserved'))
    throw new Error(`mshv-control run ${SCENARIO} exited ${code}:\n${[...out, ...err].join('\n')}`);
  const count = (name: string): number => {
    const line = out.find((l) => l.trimStart().startsWith(`${name} `));
    return Number(line?.trim().split(' ')[1] ?? Number.NaN);
  };
  return {
    hypercalls: Number(out.find((l) => l.startsWith('hypercalls: '))?.slice(12) ?? Number.NaN),
    mapCalls: count('MAP_GPA_PAGES'),
    unmapCalls: count('UNMAP_GPA_PAGES'),
    wallMs: Math.round(wallMs),
  };
}
