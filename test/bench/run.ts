/**
 * `npm run bench`: runs every bench case in its own child process (so peak RSS is the case's own),
 * and writes one JSON report to stdout and bench-report.json. Ratios compare a case with a baseline
 * measured in the same run on the same machine; no figure is judged against wall-clock constants.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCases, selectCases } from './cases.js';
import { ratiosOf } from './ratiosOf.js';

interface CaseReport {
  readonly name: string;
  readonly metrics: Record<string, number>;
  readonly peakRssMiB: number;
}

const here = dirname(fileURLToPath(import.meta.url));
let selected: ReturnType<typeof selectCases>;
try {
  selected = selectCases(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}
const reports: CaseReport[] = [];
for (const c of selected) {
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
const { ratios, omitted: ratiosOmitted } = ratiosOf(benchCases, reports);

// Ceilings (memory, not wall clock): a case over its ceiling fails the run after the report is written.
const limits: Record<string, { max: number; value: number; ok: boolean }> = {};
for (const c of selected) {
  const r = byName.get(c.name);
  if (c.peakRssMiBMax === undefined || r === undefined) continue;
  limits[`${c.name}.peakRssMiB`] = {
    max: c.peakRssMiBMax,
    value: r.peakRssMiB,
    ok: r.peakRssMiB <= c.peakRssMiBMax,
  };
}

const report = {
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cases: reports,
  ratios,
  ...(Object.keys(ratiosOmitted).length === 0 ? {} : { ratiosOmitted }),
  limits,
};
const text = JSON.stringify(report, null, 2);
writeFileSync('bench-report.json', `${text}\n`);
process.stdout.write(`${text}\n`);
const over = Object.entries(limits).filter(([, l]) => !l.ok);
for (const [name, l] of over)
  process.stderr.write(`bench: ${name} ${l.value} is over its ceiling ${l.max}\n`);
if (over.length > 0) process.exitCode = 1;
