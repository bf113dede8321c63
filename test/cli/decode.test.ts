import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/CliError.js';
import { decodeHvcall } from '../../src/cli/commands/decodeHvcall.js';
import { decodeStatusWord } from '../../src/cli/commands/decodeStatusWord.js';
import { decodeIoctl } from '../../src/cli/commands/decodeIoctl.js';
import { IOCTL_FD_LABEL, MSHV_IOCTLS } from '../../src/hv/uapi/MshvIoctl.js';
import { loadFacts } from '../hv/uapi/loadFacts.js';
import { runCaptured } from './runCaptured.js';

const facts = loadFacts();

const run = (...argv: string[]): ReturnType<typeof runCaptured> => runCaptured([...argv]);

describe('decode ioctl: every facts ioctl by its request number (inventory §a.1, §a.2)', () => {
  for (const f of facts.ioctls) {
    it(`${f.request_hex} names ${f.name}`, async () => {
      const direct = decodeIoctl(f.request_hex);
      const block = blockOf(direct, f.name);
      expect(block[0]).toBe(
        `ioctl: ${f.name} (${f.driver === 'mshv_root' ? 'mshv_root' : 'mshv_vtl driver, not mshv_root'})`,
      );
      const fdLine = block.find((l) => l.startsWith('  fd: ')) ?? '';
      for (const d of MSHV_IOCTLS.filter((x) => x.name === f.name))
        expect(fdLine).toContain(IOCTL_FD_LABEL[d.fd]);
      expect(block.find((l) => l.startsWith('  direction: '))).toMatch(
        new RegExp(`^  direction: ${f.macro} \\(`),
      );
      expect(block).toContain(`  nr: 0x${f.nr.toString(16).toUpperCase().padStart(2, '0')}`);
      const argText =
        f.arg === null ? 'none' : `${f.arg.startsWith('mshv_') ? 'struct ' : ''}${f.arg} (${f.size} bytes)`;
      expect(block).toContain(`  argument: ${argText}`);
      // Decimal gives the same answer; and through the CLI with captured io.
      expect(decodeIoctl(String(f.request))).toEqual(direct);
      const r = await run('decode', 'ioctl', f.request_hex);
      expect(r).toEqual({ code: 0, out: direct, err: [] });
    });
  }

  it('starts with the decoded dir/type/nr/size', () => {
    expect(decodeIoctl('0x8100b800')[0]).toBe('request: 0x8100B800 (dir _IOR, type 0xB8, nr 0x00, size 256)');
  });

  it('shows MSHV_ROOT_HVCALL once with all three fd kinds, /dev/mshv as NEW only', () => {
    const lines = decodeIoctl('0xC020B807');
    expect(lines.filter((l) => l.startsWith('ioctl: '))).toEqual(['ioctl: MSHV_ROOT_HVCALL (mshv_root)']);
    expect(lines).toContain(
      '  fd: partition fd, vp fd, /dev/mshv (NEW only; self-targeted: partition id forced to HV_PARTITION_ID_SELF)',
    );
  });

  it('names both ioctls of the identical request 0x4008B825 and says the fd decides', () => {
    const lines = decodeIoctl('0x4008B825');
    expect(lines.filter((l) => l.startsWith('ioctl: '))).toEqual([
      'ioctl: MSHV_SET_POLL_FILE (mshv_vtl driver, not mshv_root)',
      'ioctl: MSHV_SINT_PAUSE_MESSAGE_STREAM (mshv_vtl driver, not mshv_root)',
    ]);
    expect(lines.at(-1)).toBe('2 ioctls share this number; the fd they are issued on decides which one runs');
  });

  it('notes that MSHV_CREATE_PARTITION always encodes the v1 size', () => {
    expect(decodeIoctl('0x4010B800')).toContain(
      '  note: encodes the v1 size (16) even when the 64-byte v2 struct is passed (pt_flags CPU_AND_XSAVE_FEATURES, NEW)',
    );
  });
});

describe('decode ioctl: numbers that are not mshv ioctls (inventory §a.3, seed review point 12)', () => {
  it('names the Marvell CN10K DPI ioctls as the foreign users of 0xB8', () => {
    for (const [name, v] of Object.entries(facts.ioctl_overlaps.marvell_cn10k_dpi)) {
      if (typeof v === 'boolean') continue;
      const lines = decodeIoctl(v.request_hex);
      expect(lines[1]).toMatch(/^not an mshv ioctl: type 0xB8 is shared with the Marvell CN10K DPI driver/);
      expect(lines).toContain(`ioctl: ${name} (Marvell CN10K DPI, uapi/misc/mrvl_cn10k_dpi.h)`);
      expect(lines).toContain(
        `  argument: struct ${name === 'DPI_ENGINE_CFG' ? 'dpi_engine_cfg' : 'dpi_mps_mrrs_cfg'} (${v.size} bytes)`,
      );
      expect(lines.some((l) => l.startsWith('ioctl: MSHV_'))).toBe(false);
    }
  });

  it('says "type 0xB8 but no known mshv ioctl" and lists the mshv ioctls with the same nr', () => {
    // CREATE_VP's nr and direction with a 16-byte argument: what a wrong struct size looks like.
    const lines = decodeIoctl('0x4010B801');
    expect(lines[0]).toBe('request: 0x4010B801 (dir _IOW, type 0xB8, nr 0x01, size 16)');
    expect(lines[1]).toMatch(/^type 0xB8 but no known mshv ioctl/);
    expect(lines[2]).toBe(
      'mshv ioctls with nr 0x01: MSHV_CREATE_VP 0x4004B801, MSHV_GET_VP_STATE 0xC010B801',
    );
    expect(decodeIoctl('0x0000B8FF')[1]).toBe('type 0xB8 but no known mshv ioctl');
  });

  it('says another type is not an mshv ioctl and shows its fields', () => {
    expect(decodeIoctl('0xC008AE41')).toEqual([
      'request: 0xC008AE41 (dir _IOWR, type 0xAE, nr 0x41, size 8)',
      'not an mshv ioctl: type 0xAE (mshv uses 0xB8)',
    ]);
  });
});

describe('decode hvcall and status (inventory §b.1, §b.2)', () => {
  it('decodes 0x00fd01fd0000004b as MAP_GPA_PAGES, rep count 509, rep start 253', async () => {
    const r = await run('decode', 'hvcall', '0x00fd01fd0000004b');
    expect(r.code).toBe(0);
    expect(r.out).toEqual(decodeHvcall('0x00fd01fd0000004b'));
    expect(r.out).toContain('hypercall: MAP_GPA_PAGES (code 0x004b)');
    expect(r.out).toContain('rep count: 509');
    expect(r.out).toContain('rep start: 253');
    expect(r.out).toContain('reserved bits: none');
  });

  it('prints a status word as name, errno and reps completed', async () => {
    const r = await run('decode', 'status', '0x000001f50000000b');
    expect(r).toEqual({
      code: 0,
      out: ['result: INSUFFICIENT_MEMORY (0x000b)', 'errno: -ENOMEM (-12)', 'reps completed: 501'],
      err: [],
    });
    expect(decodeStatusWord('0')).toEqual(['result: SUCCESS (0x0000)', 'errno: 0', 'reps completed: 0']);
  });
});

describe('decode hvcall: the call kind and whether the word fits it (inventory §b.1, §b.4)', () => {
  it('names codes the headers define but the driver never issues, and codes nobody defines', () => {
    expect(decodeHvcall('0x46')[0]).toBe(
      'hypercall: GET_PARTITION_ID (code 0x0046; defined by the headers, not issued by mshv_root)',
    );
    expect(decodeHvcall('0x46')).toHaveLength(7);
    expect(decodeHvcall('0xffff')[0]).toBe('hypercall: unknown (code 0xffff; no header defines it)');
  });

  it('gives the batch bound of a rep call and its reason', () => {
    expect(decodeHvcall('0x4c')).toContain(
      'kind: rep, at most 512 reps per call (HV_UMAP_GPA_PAGES, interrupt-latency: bounds the IRQ-disabled window, not the page)',
    );
    expect(decodeHvcall('0x48')).toContain('kind: rep, at most 511 reps per call (input-page bound)');
    expect(decodeHvcall('0x49')).toContain('kind: rep, at most 512 reps per call (output-page bound)');
  });

  it('says why a word does not fit its call, as the hypervisor would refuse it', () => {
    // DEPOSIT_MEMORY issued fast; INITIALIZE_PARTITION issued as a memory call; rep start beyond count.
    expect(decodeHvcall('0x0000000100010048').at(-1)).toBe(
      'fits DEPOSIT_MEMORY: no, INVALID_HYPERCALL_INPUT (memory call issued as fast call)',
    );
    expect(decodeHvcall('0x41').at(-1)).toBe(
      'fits INITIALIZE_PARTITION: no, INVALID_HYPERCALL_INPUT (fast call issued as memory call)',
    );
    expect(decodeHvcall('0x0002000100000048').at(-1)).toBe(
      'fits DEPOSIT_MEMORY: no, INVALID_HYPERCALL_INPUT (rep start beyond rep count)',
    );
    expect(decodeHvcall('0x0000000000000048').at(-1)).toBe(
      'fits DEPOSIT_MEMORY: no, INVALID_HYPERCALL_INPUT (rep count 0)',
    );
    expect(decodeHvcall('0x45')).toContain('kind: simple (may complete asynchronously: CALL_PENDING)');
  });
});

describe('decode status: bits the kernel ignores (inventory §b.1)', () => {
  it('reports other bits set, without letting them change the result', () => {
    expect(decodeStatusWord('0xffff00000005')).toEqual([
      'result: INVALID_PARAMETER (0x0005)',
      'errno: -EINVAL (-22)',
      'reps completed: 4095',
      'other bits: 0x0000f00000000000 (ignored: callers read only the two fields)',
    ]);
  });
});

describe('decode: bad input exits 2 with a message naming what was wrong', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'an ioctl that is not a number',
      ['decode', 'ioctl', 'MSHV_RUN_VP'],
      /ioctl request: 'MSHV_RUN_VP' is not a decimal or 0x-hex number/,
    ],
    [
      'an ioctl wider than 32 bits',
      ['decode', 'ioctl', '0x1_0000_0000'],
      /ioctl request: 0x1_0000_0000 does not fit 32 bits/,
    ],
    ['a negative ioctl', ['decode', 'ioctl', '-1'], /ioctl request: '-1' is not a decimal or 0x-hex number/],
    [
      'a control word wider than 64 bits',
      ['decode', 'hvcall', '0x1_0000_0000_0000_0000'],
      /control word: .* does not fit 64 bits/,
    ],
    [
      'a status word wider than 64 bits',
      ['decode', 'status', '18446744073709551616'],
      /status word: .* does not fit 64 bits/,
    ],
    [
      'a status that is not a number',
      ['decode', 'status', '0xZZ'],
      /status word: '0xZZ' is not a decimal or 0x-hex number/,
    ],
    [
      'an unknown kind',
      ['decode', 'syscall', '1'],
      /unknown kind 'syscall': expected ioctl, hvcall or status/,
    ],
    ['a missing number', ['decode', 'ioctl'], /expected 'decode <ioctl\|hvcall\|status> <number>'/],
    ['a missing kind', ['decode'], /expected 'decode <ioctl\|hvcall\|status> <number>'/],
    [
      'an extra argument',
      ['decode', 'ioctl', '1', '2'],
      /expected 'decode <ioctl\|hvcall\|status> <number>'/,
    ],
  ];
  for (const [what, argv, message] of cases) {
    it(what, async () => {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).toMatch(/^mshv-control decode: /);
      expect(r.err.join('\n')).toMatch(message);
    });
  }

  it('throws CliError from the exported function', () => {
    expect(() => decodeIoctl('0x')).toThrow(CliError);
    expect(() => decodeIoctl('4294967296')).toThrow(/does not fit 32 bits/);
    expect(decodeIoctl('4294967295')[0]).toBe(
      'request: 0xFFFFFFFF (dir _IOWR, type 0xFF, nr 0xFF, size 16383)',
    );
  });
});

/** The lines of one `ioctl: NAME` block, up to the next block or summary line. */
function blockOf(lines: readonly string[], name: string): string[] {
  const i = lines.findIndex((l) => l.startsWith(`ioctl: ${name} `));
  if (i < 0) return [];
  const rest = lines.slice(i + 1);
  const j = rest.findIndex((l) => !l.startsWith('  '));
  return [lines[i] ?? '', ...(j < 0 ? rest : rest.slice(0, j))];
}
