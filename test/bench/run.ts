/**
 * `npm run bench`: runs every bench case in its own child process (so peak RSS is the case's own),
 * and writes one JSON report to stdout and bench-report.json. Ratios compare a case with a baseline
 * measured in the same run on the same machine; no figure is judged against wall-clock constants.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCases } from './cases.js';

interface CaseReport {
  readonly name: string;
  readonly metrics: Record<string, number>;
  readonly peakRssMiB: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const reports: CaseReport[] = [];
for (const c of benchCases) {
  if (only.length > 0 && !only.includes(c.name)) continue;
  process.stderr.write(`bench: ${c.name} ...\n`);
  const child = spawnSync(process.execPath, ['--expose-gc', join(here, 'runCase.js'), c.name], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) {
    process.stderr.write(child.stderr);
    throw new Error(`bench case ${c.name} failed with exit ${String(child.status)}`);
  }
  const parsed = JSON.parse(child.stdout) as CaseReport;
  reports.push(parsed);
  process.stderr.write(
    `bench: ${c.name} done: ${JSON.stringify(parsed.metrics)} peakRssMiB=${parsed.peakRssMiB}\n`,
  );
}

const byName = new Map(reports.map((r) => [r.name, r]));
const ratios: Record<string, number> = {};
for (const c of benchCases) {
  if (c.ratio === undefined) continue;
  const a = byName.get(c.name);
  const b = byName.get(c.ratio.baseline);
  const am = a?.metrics[c.ratio.metric];
  const bm = b?.metrics[c.ratio.metric];
  if (am !== undefined && bm !== undefined && bm > 0)
    ratios[`${c.name}/${c.ratio.baseline}.${c.ratio.metric}`] = round(am / bm);
}

const report = {
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cases: reports,
  ratios,
};
const text = JSON.stringify(report, null, 2);
writeFileSync('bench-report.json', `${text}\n`);
process.stdout.write(`${text}\n`);

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
