import { describe, expect, it } from 'vitest';
import { checkRequest } from '../../../src/pipeline/ops/checkRequest.js';

const run = () => ({ ok: true as const, value: 0 });
const good = { id: 1, partition: 'vm0', vp: 3, name: 'MSHV_RUN_VP', run };

// design.md principle 5: bad input gets an error naming the field and the rule.
describe('checkRequest (design.md principle 5)', () => {
  it('accepts partition and VP requests', () => {
    expect(() => {
      checkRequest(good);
      checkRequest({ id: 0, partition: 'vm0', name: 'MSHV_INITIALIZE_PARTITION', run });
      checkRequest({ ...good, vp: 0xffff_ffff });
    }).not.toThrow();
  });

  it.each([
    [{ id: -1 }, 'id must be a non-negative safe integer'],
    [{ id: 1.5 }, 'id must be a non-negative safe integer'],
    [{ partition: '' }, "partition must be a non-empty string without '/'"],
    [{ partition: 'vm0/vp1' }, "partition must be a non-empty string without '/'"],
    [{ partition: 7 }, "partition must be a non-empty string without '/'"],
    [{ vp: -1 }, 'vp must be an integer in [0, 2^32)'],
    [{ vp: 2 ** 32 }, 'vp must be an integer in [0, 2^32)'],
    [{ vp: '0' }, 'vp must be an integer in [0, 2^32)'],
    [{ name: '' }, 'name must be non-empty'],
    [{ run: 'x' }, 'run must be a function'],
  ])('rejects %o: %s', (change, rule) => {
    const req = { ...good, ...change };
    expect(() => {
      checkRequest(req);
    }).toThrow(new TypeError(`operation #${String(req.id)} (${req.name}): ${rule}`));
  });
});
