import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/log/LogRecord.js';
import { SnapshottingSink } from '../../src/replay/SnapshottingSink.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';

const intent = (n: number): LogRecord => ({ kind: 'intent', name: 'x', args: { n } });
const other: LogRecord = { kind: 'transition', machine: 'vm0', from: 'a', event: 'E', to: 'b' };

describe('SnapshottingSink', () => {
  it('writes a snapshot before the first intent after `every` records, with the seq it gets', () => {
    const inner = new MemorySink();
    const sink = new SnapshottingSink(inner, 3);
    const seqs: number[] = [];
    sink.capture = (seq) => {
      seqs.push(seq);
      return { at: seq };
    };
    for (const r of [intent(1), other, other, other, intent(2), other, intent(3), other, other, intent(4)])
      sink.append(r);
    expect(
      inner.records.map((r) =>
        r.kind === 'snapshot' ? `S${String((r.state as { at: number }).at)}` : r.kind[0],
      ),
    ).toEqual(['i', 't', 't', 't', 'S5', 'i', 't', 'i', 't', 't', 'S11', 'i']);
    expect(seqs).toEqual([5, 11]);
    expect(sink.appended).toBe(12);
  });

  it('writes none with every 0 or without a capture, and refuses a bad interval', () => {
    const inner = new MemorySink();
    const none = new SnapshottingSink(inner, 0);
    none.capture = () => null;
    for (let i = 0; i < 10; i++) none.append(intent(i));
    const uncaptured = new SnapshottingSink(inner, 1);
    for (let i = 0; i < 10; i++) uncaptured.append(intent(i));
    expect(inner.records.every((r) => r.kind === 'intent')).toBe(true);
    expect(() => new SnapshottingSink(inner, -1)).toThrow('snapshotEvery: -1 is not a non-negative integer');
  });

  it('passes commits through', () => {
    const inner = new MemorySink();
    const sink = new SnapshottingSink(inner, 2);
    sink.append(intent(1));
    sink.commit();
    expect(inner.commits).toEqual([1]);
  });
});
