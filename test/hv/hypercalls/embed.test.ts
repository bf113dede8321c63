import { describe, expect, it } from 'vitest';
import { Layout, reserved, u32, u64 } from '../../../src/hv/Layout.js';
import { CreatePortInput } from '../../../src/hv/hypercalls/CreatePort.js';
import { embed } from '../../../src/hv/hypercalls/embed.js';

describe('embed: nested structs flattened into their parent (hv_port_info inside hv_input_create_port)', () => {
  it('shifts and prefixes named fields, prefixes reserved ones, and keeps nested gaps as parent padding', () => {
    const inner = new Layout('inner', 16, [
      u32('kind', 0),
      u32('target', 8),
      reserved('rsvdz', 12, 4),
    ] as const);
    const outer = new Layout('outer', 24, [u64('id', 0), ...embed('info', 8, inner)] as const);
    expect(outer.named.map((f) => [f.name, f.offset])).toEqual([
      ['id', 0],
      ['infoKind', 8],
      ['infoTarget', 16],
    ]);
    expect(outer.reservedRanges).toEqual([
      { name: 'padding@12', offset: 12, size: 4 },
      { name: 'info.rsvdz', offset: 20, size: 4 },
    ]);
  });

  it('CREATE_PORT reports a dirty doorbell.rsvdz by its nested name', () => {
    const v = new DataView(new ArrayBuffer(56));
    v.setUint8(40, 1);
    expect(CreatePortInput.reservedViolations(v).map((r) => r.field)).toEqual(['portInfo.doorbell.rsvdz']);
  });
});
