/**
 * `mshv-control decode` as a user runs it: the built CLI (package.json `bin`) in its own process,
 * answers on stdout with exit 0, and bad input on stderr with exit 2 and nothing on stdout
 * (issue 2, "CLI: decode"; inventory §a, §b.1, §b.2). `npm test` builds before vitest runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadFacts } from '../hv/uapi/loadFacts.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const bin = join(
  root,
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin[
    'mshv-control'
  ] ?? '',
);
const facts = loadFacts();

function cli(...args: string[]): { code: number | null; out: string[]; err: string } {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run 'npm run build' first`);
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return {
    code: r.status,
    out: r.stdout === '' ? [] : r.stdout.replace(/\n$/, '').split('\n'),
    err: r.stderr,
  };
}

describe('mshv-control decode ioctl (process)', () => {
  it.each(facts.ioctls.map((f) => [f.name, f.request_hex, f] as const))(
    '%s from %s, hex and decimal',
    (name, requestHex, f) => {
      const hex = cli('decode', 'ioctl', requestHex);
      expect(hex.err).toBe('');
      expect(hex.code).toBe(0);
      const driver = f.driver === 'mshv_root' ? 'mshv_root' : 'mshv_vtl driver, not mshv_root';
      expect(hex.out).toContain(`ioctl: ${name} (${driver})`);
      const nr = `0x${f.nr.toString(16).toUpperCase().padStart(2, '0')}`;
      expect(hex.out[0]).toBe(
        `request: ${requestHex.toUpperCase().replace(/^0X/, '0x')} (dir ${f.macro}, type 0xB8, nr ${nr}, size ${f.size})`,
      );
      const dec = cli('decode', 'ioctl', String(f.request));
      expect(dec).toEqual(hex);
    },
  );

  it('names the Marvell CN10K DPI ioctls that share type 0xB8 and says they are not mshv ioctls', () => {
    for (const [name, hexText] of [
      ['DPI_MPS_MRRS_CFG', '0x4008B801'],
      ['DPI_ENGINE_CFG', '0x4018B802'],
    ] as const) {
      const r = cli('decode', 'ioctl', hexText);
      expect(r.code).toBe(0);
      expect(r.out[1]).toMatch(/^not an mshv ioctl: type 0xB8 is shared with the Marvell CN10K DPI driver/);
      expect(r.out).toContain(`ioctl: ${name} (Marvell CN10K DPI, uapi/misc/mrvl_cn10k_dpi.h)`);
    }
  });
});

describe('mshv-control decode hvcall / status (process)', () => {
  it('decodes 0x00fd01fd0000004b as MAP_GPA_PAGES, rep count 509, rep start 253', () => {
    expect(cli('decode', 'hvcall', '0x00fd01fd0000004b')).toEqual({
      code: 0,
      out: [
        'hypercall: MAP_GPA_PAGES (code 0x004b)',
        'fast: false',
        'variable header: 0 qwords (0 bytes)',
        'nested: false',
        'rep count: 509',
        'rep start: 253',
        'reserved bits: none',
        'kind: rep, at most 509 reps per call (input-page bound)',
        'fits MAP_GPA_PAGES: yes',
      ],
      err: '',
    });
  });

  it('shows NESTED, variable header and reserved bits of a decimal control word', () => {
    // GET_VP_STATE (0xe3) | varhead 3 << 17 | nested | reserved bit 27
    const word = 0xe3n | (3n << 17n) | (1n << 31n) | (1n << 27n);
    const r = cli('decode', 'hvcall', word.toString());
    expect(r.code).toBe(0);
    expect(r.out).toContain('hypercall: GET_VP_STATE (code 0x00e3)');
    expect(r.out).toContain('variable header: 3 qwords (24 bytes)');
    expect(r.out).toContain('nested: true');
    expect(r.out).toContain('reserved bits: 0x0000000008000000 (set: the hypervisor rejects this word)');
    expect(r.out.at(-1)).toBe('fits GET_VP_STATE: no, INVALID_HYPERCALL_INPUT (reserved control bits set)');
  });

  it('decodes status words: result, errno, reps completed; all-ones is -EOPNOTSUPP', () => {
    expect(cli('decode', 'status', '0x000001f50000000b').out).toEqual([
      'result: INSUFFICIENT_MEMORY (0x000b)',
      'errno: -ENOMEM (-12)',
      'reps completed: 501',
    ]);
    expect(cli('decode', 'status', '18446744073709551615')).toEqual({
      code: 0,
      out: ['result: no hypercall page (all-ones status)', 'errno: -EOPNOTSUPP (-95)'],
      err: '',
    });
    expect(cli('decode', 'status', '0x1234').out).toEqual([
      'result: UNKNOWN_0x1234 (0x1234)',
      'errno: -EIO (-5)',
      'reps completed: 0',
    ]);
  });
});

describe('mshv-control decode: bad input (process)', () => {
  const cases: [string[], RegExp][] = [
    [['decode', 'ioctl', 'MSHV_RUN_VP'], /ioctl request: 'MSHV_RUN_VP' is not a decimal or 0x-hex number/],
    [['decode', 'ioctl', '0x100000000'], /ioctl request: 0x100000000 does not fit 32 bits/],
    [['decode', 'hvcall', '-1'], /control word: '-1' is not a decimal or 0x-hex number/],
    [['decode', 'hvcall', '0x10000000000000000'], /control word: 0x10000000000000000 does not fit 64 bits/],
    [['decode', 'status', '1e3'], /status word: '1e3' is not a decimal or 0x-hex number/],
    [['decode', 'status'], /expected 'decode <ioctl\|hvcall\|status> <number>'/],
    [['decode', 'errno', '5'], /unknown kind 'errno': expected ioctl, hvcall or status/],
  ];
  it.each(cases)('%j exits 2 naming the argument and the rule', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toMatch(/^mshv-control decode: /);
    expect(r.err).toMatch(message);
  });
});
