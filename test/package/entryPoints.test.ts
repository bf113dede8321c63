/**
 * The package as a consumer sees it (issue 2, "exports map with types"): the built entry points are
 * imported by their export names from a separate project that depends on mshv-control, at run time
 * (Node's resolution of `exports`) and at compile time (TypeScript's NodeNext resolution of the
 * `types` conditions). `npm test` builds before vitest runs, so dist/ is this tree's.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  readonly name: string;
  readonly exports: Readonly<Record<string, string | { readonly types: string; readonly default: string }>>;
  readonly bin: Readonly<Record<string, string>>;
};

/** The names a consumer must find in each entry point (a sample of every layer, not the whole list). */
const ROOT_NAMES = [
  // hv ABI
  'HypercallCode',
  'decodeControl',
  'encodeControl',
  'hvResultToErrno',
  'HYPERCALL_DEFS',
  'MapGpaPages',
  'MSHV_IOCTLS',
  'lookupIoctl',
  // scenario loader
  'loadScenario',
  'parseScenarioText',
  'readScenarioFile',
  'ScenarioError',
  // runner
  'SimWorld',
  'runScenario',
  'TraceRecorder',
  'CountingRecorder',
  'MshvDevice',
  // simulated machine
  'SimulatedMachine',
  'deriveKnobs',
  'HostCrash',
  'HvPage',
  'Rng',
  'ManualClock',
  // machines
  'partitionMachine',
  'vpMachine',
  'pureStep',
  'toMermaid',
  // log
  'LogWriter',
  'openLog',
  'exportLines',
] as const;

const HV_NAMES = [
  'HypercallCode',
  'HvStatus',
  'decodeStatus',
  'traitsOf',
  'MSHV_REQUEST',
  'MshvUserMemRegion',
];

let consumer = '';

beforeAll(() => {
  for (const [sub, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    if (!existsSync(join(root, target.default)) || !existsSync(join(root, target.types)))
      throw new Error(
        `exports['${sub}'] points at ${target.default} / ${target.types}: run 'npm run build' first`,
      );
  }
  // A project that depends on the package: node_modules/mshv-control is a link to this tree.
  consumer = mkdtempSync(join(tmpdir(), 'mshv-consumer-'));
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(root, join(consumer, 'node_modules', pkg.name), 'dir');
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
});

afterAll(() => {
  if (consumer !== '') rmSync(consumer, { recursive: true, force: true });
});

function node(script: string): { status: number | null; stdout: string; stderr: string } {
  writeFileSync(join(consumer, 'main.js'), script);
  const r = spawnSync(process.execPath, ['main.js'], { cwd: consumer, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('package entry points (package.json exports)', () => {
  it('every export and the bin point at files the build produced', () => {
    for (const [sub, target] of Object.entries(pkg.exports)) {
      const files = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const f of files) expect(existsSync(join(root, f)), `exports['${sub}'] → ${f}`).toBe(true);
    }
    for (const [name, file] of Object.entries(pkg.bin))
      expect(existsSync(join(root, file)), `bin ${name} → ${file}`).toBe(true);
  });

  it("imports 'mshv-control' and 'mshv-control/hv' by name and runs a scenario through them", () => {
    const scenario = join(root, 'docs', 'scenarios', 'boot-4k.json');
    const r = node(`
      import * as lib from 'mshv-control';
      import * as hv from 'mshv-control/hv';
      const scenario = await lib.readScenarioFile(${JSON.stringify(scenario)});
      const world = new lib.SimWorld(scenario, new lib.CountingRecorder());
      const report = lib.runScenario(scenario, world);
      const c = hv.decodeControl(0x00fd01fd0000004bn);
      console.log(JSON.stringify({
        root: Object.keys(lib),
        hv: Object.keys(hv),
        sameObject: lib.decodeControl === hv.decodeControl,
        failed: report.failed ?? null,
        audit: world.machine.audit().ok,
        decoded: [hv.hypercallName(c.code), c.repCount, c.repStart],
      }));
    `);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      root: string[];
      hv: string[];
      sameObject: boolean;
      failed: unknown;
      audit: boolean;
      decoded: unknown[];
    };
    for (const n of ROOT_NAMES) expect(out.root, n).toContain(n);
    for (const n of HV_NAMES) expect(out.hv, n).toContain(n);
    // The root entry re-exports the ABI: every hv name is there, and it is the same binding.
    for (const n of out.hv) expect(out.root, n).toContain(n);
    expect(out.sameObject).toBe(true);
    expect(out.failed).toBeNull();
    expect(out.audit).toBe(true);
    expect(out.decoded).toEqual(['MAP_GPA_PAGES', 509, 253]);
  });

  it('refuses deep imports that the exports map does not list', () => {
    const r = node(`await import('mshv-control/dist/src/hv/ControlWord.js');`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  it('type-checks a consumer against the exported declarations (NodeNext, types condition)', () => {
    writeFileSync(
      join(consumer, 'use.ts'),
      [
        "import { SimWorld, CountingRecorder, parseScenarioText, type Scenario } from 'mshv-control';",
        "import { decodeControl, type HypercallName } from 'mshv-control/hv';",
        'const name: HypercallName = "MAP_GPA_PAGES";',
        'const s: Scenario = parseScenarioText("{}");',
        'const w = new SimWorld(s, new CountingRecorder());',
        'const reps: number = decodeControl(0n).repCount;',
        'export const used = [name, w.describe(), reps];',
        '// @ts-expect-error: the exports map hides internal modules from consumers too',
        "import type { HvModel } from 'mshv-control/dist/adapters/simulated/model/HvModel.js';",
        'export type Hidden = HvModel;',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2024',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(root, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['use.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
