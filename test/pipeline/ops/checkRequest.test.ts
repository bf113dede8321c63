import { describe, expect, it } from 'vitest';
import { checkRequest } from '../../../src/pipeline/ops/checkRequest.js';
import { refuseMalformed } from '../../../src/pipeline/ops/refuseMalformed.js';

const run = () => ({ ok: true as const, value: 0 });
const good = { id: 1, partition: 'vm0', vp: 3, name: 'MSHV_RUN_VP', run };

// design.md principle 5: bad input gets an error naming the field and the rule; inventory §c.5:
// a VP index is below MSHV_MAX_VPS (256).
describe('checkRequest (design.md principle 5)', () => {
  it('accepts partition and VP requests', () => {
    expect(() => {
      checkRequest(good);
      checkRequest({ id: 0, partition: 'vm0', name: 'MSHV_INITIALIZE_PARTITION', run });
      checkRequest({ ...good, vp: 255 });
    }).not.toThrow();
  });

  it.each([
    [{ id: -1 }, 'id must be a non-negative safe integer'],
    [{ id: 1.5 }, 'id must be a non-negative safe integer'],
    [{ partition: '' }, "partition must be a non-empty string without '/'"],
    [{ partition: 'vm0/vp1' }, "partition must be a non-empty string without '/'"],
    [{ partition: 7 }, "partition must be a non-empty string without '/'"],
    [{ vp: -1 }, 'vp must be an integer in [0, 256) (MSHV_MAX_VPS)'],
    [{ vp: 256 }, 'vp must be an integer in [0, 256) (MSHV_MAX_VPS)'],
    [{ vp: 2 ** 32 }, 'vp must be an integer in [0, 256) (MSHV_MAX_VPS)'],
    [{ vp: 1.5 }, 'vp must be an integer in [0, 256) (MSHV_MAX_VPS)'],
    [{ vp: '0' }, 'vp must be an integer in [0, 256) (MSHV_MAX_VPS)'],
    [{ name: '' }, 'name must be non-empty'],
    [{ run: 'x' }, 'run must be a function'],
  ])('rejects %o: %s', (change, rule) => {
    const req = { ...good, ...change };
    expect(() => {
      checkRequest(req);
    }).toThrow(new TypeError(`operation #${String(req.id)} (${req.name}): ${rule}`));
  });

  it('answers a malformed request with an identity as an EINVAL result, and returns the TypeError otherwise', () => {
    expect(refuseMalformed(good)).toBeUndefined();
    expect(refuseMalformed({ ...good, vp: 256 })).toEqual({
      id: 1,
      partition: 'vm0',
      vp: 256,
      name: 'MSHV_RUN_VP',
      ok: false,
      error: {
        errno: 22,
        errnoName: 'EINVAL',
        op: 'MSHV_RUN_VP',
        message: 'operation #1 (MSHV_RUN_VP): vp must be an integer in [0, 256) (MSHV_MAX_VPS)',
      },
    });
    expect(refuseMalformed({ ...good, vp: '0', run: 7 })).toMatchObject({ id: 1, ok: false });
    expect(refuseMalformed({ ...good, vp: '0' })).not.toHaveProperty('vp');
    expect(refuseMalformed({ ...good, id: 1.5 })).toEqual(
      new TypeError('operation #1.5 (MSHV_RUN_VP): id must be a non-negative safe integer'),
    );
    expect(refuseMalformed({ ...good, partition: 7 })).toBeInstanceOf(TypeError);
    expect(refuseMalformed({ ...good, name: undefined })).toBeInstanceOf(TypeError);
  });
});
