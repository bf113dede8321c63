/** Child-process entry of the bench runner: runs one case and prints its metrics and peak RSS as JSON. */
import { benchCases } from './cases.js';

const name = process.argv[2];
const c = benchCases.find((x) => x.name === name);
if (c === undefined) throw new Error(`unknown bench case ${String(name)}`);
const metrics = await c.run();
// resourceUsage().maxRSS is in KiB on Linux: the high-water mark of this process alone.
const peakRssMiB = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
process.stdout.write(JSON.stringify({ name, metrics, peakRssMiB }));
