import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QUEUE_DEPTH_MAX, boundedQueue } from '../../../src/pipeline/ops/boundedQueue.js';

// Issue 4, "The pipeline": bounded queues with a documented high-water mark.
describe('boundedQueue (issue 4 "The pipeline")', () => {
  it('defaults to QUEUE_DEPTH_MAX = 64 per key', () => {
    const queues = boundedQueue<number>();
    expect(queues.depthMax).toBe(QUEUE_DEPTH_MAX);
    expect(QUEUE_DEPTH_MAX).toBe(64);
    for (let i = 0; i < 64; i++) expect(queues.offer('vm0', i)).toBe(true);
    expect(queues.offer('vm0', 64)).toBe(false);
    expect(queues.offer('vm0/vp0', 0)).toBe(true);
  });

  it('refuses an item to a full key without changing it', () => {
    const queues = boundedQueue<string>(2);
    queues.offer('vm0', 'a');
    queues.offer('vm0', 'b');
    expect(queues.offer('vm0', 'c')).toBe(false);
    expect([queues.shift('vm0'), queues.shift('vm0'), queues.shift('vm0')]).toEqual(['a', 'b', undefined]);
  });

  it('drops a key whose queue drains but keeps its high-water mark', () => {
    const highWater = new Map<string, number>();
    const queues = boundedQueue<string>(4, highWater);
    queues.offer('vm0', 'a');
    queues.offer('vm0', 'b');
    queues.shift('vm0');
    queues.shift('vm0');
    expect(queues.keyCount).toBe(0);
    expect(queues.size('vm0')).toBe(0);
    expect(highWater).toEqual(new Map([['vm0', 2]]));
  });

  it('rejects a limit that is not a positive integer, naming it', () => {
    expect(() => boundedQueue(0)).toThrow(/depthMax must be a positive integer, got 0/);
    expect(() => boundedQueue(1.5)).toThrow(/depthMax/);
  });

  it('behaves as per-key FIFO arrays capped at depthMax, with the largest size as high-water mark', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), key: fc.constantFrom('a', 'b'), item: fc.nat() }),
      fc.record({ kind: fc.constant('shift' as const), key: fc.constantFrom('a', 'b') }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 40 }), (depthMax, steps) => {
        const queues = boundedQueue<number>(depthMax, new Map());
        const model = new Map<string, number[]>([
          ['a', []],
          ['b', []],
        ]);
        const marks = new Map<string, number>();
        for (const s of steps) {
          const m = model.get(s.key)!;
          if (s.kind === 'offer') {
            expect(queues.offer(s.key, s.item)).toBe(m.length < depthMax);
            if (m.length < depthMax) m.push(s.item);
            if (m.length > 0) marks.set(s.key, Math.max(marks.get(s.key) ?? 0, m.length));
          } else expect(queues.shift(s.key)).toBe(m.shift());
          expect(queues.peek(s.key)).toBe(m[0]);
          expect(queues.size(s.key)).toBe(m.length);
        }
        expect(queues.keyCount).toBe([...model.values()].filter((m) => m.length > 0).length);
        expect(queues.highWater).toEqual(marks);
      }),
    );
  });
});
