import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';

const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readScenarioFile', () => {
  it('names the file, line and column in a loader error', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      '{\n  "format": 1, "name": "bad", "seed": 1,\n  "steps": [{ "op": "createPartition", "partition": "vm0", "flags": ["LAPIC", "APIC"] }]\n}\n',
    );
    await expect(readScenarioFile(file)).rejects.toThrow(
      `${file}:3:79: $.steps[0].flags[1]: unknown partition flag 'APIC'`,
    );
  });

  it('names the first byte that is not UTF-8 (RFC 8259 §8.1), never reading it as U+FFFD', async () => {
    const file = join(dir, 'latin1.json');
    const text = Buffer.from('{\n  "format": 1, "name": "caf\u00e9", "seed": 1, "steps": []\n}\n', 'latin1');
    writeFileSync(file, text);
    await expect(readScenarioFile(file)).rejects.toThrow(
      `${file}:2:28: $: byte 29 (0xe9) is not UTF-8; a scenario is UTF-8 JSON (RFC 8259 §8.1)`,
    );
  });

  it('gives the error docs/scenario-format.md quotes, for the file it describes', async () => {
    const file = join(dir, 'boot.json');
    const lines = [
      '{',
      '  "format": 1,',
      '  "name": "boot",',
      '  "seed": 1,',
      '  "steps": [',
      '    { "op": "createPartition", "partition": "vm0" },',
      '    { "op": "initializePartition", "partition": "vm0" },',
      '    { "op": "createVp", "partition": "vm0", "vpIndex": 0 },',
      '    {',
      '      "op": "createVp",',
      '      "partition": "vm0",',
      '        "vpIndex": 4294967296',
      '    }',
      '  ]',
      '}',
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const quoted = /`(boot\.json:12:20: [^`]+)`/.exec(readFileSync('docs/scenario-format.md', 'utf8'))?.[1];
    expect(quoted).toBe('boot.json:12:20: $.steps[3].vpIndex: 4294967296 does not fit u32');
    await expect(readScenarioFile(file)).rejects.toThrow(`${dir}/${quoted ?? ''}`);
  });

  it('passes file system errors through', async () => {
    await expect(readScenarioFile(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
