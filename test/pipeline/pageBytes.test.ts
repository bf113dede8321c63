import { describe, expect, it } from 'vitest';
import { pageBytes } from '../../src/pipeline/HypercallRecorder.js';
import { SinkRecorder } from '../../src/runtime/SinkRecorder.js';
import { NULL_SINK } from '../../src/runtime/RecordSink.js';
import { HvPage } from '../../src/ports/HvPage.js';

describe('pageBytes: the bytes a recorder gets of a call', () => {
  it('a copy it may keep, a view for a recorder that only looks, nothing when not wanted', () => {
    const page = new HvPage();
    page.bytes.set([1, 2, 3, 4]);
    const copy = pageBytes(page, 3, true);
    const view = pageBytes(page, 3, 'view');
    expect([...copy]).toEqual([1, 2, 3]);
    expect([...view]).toEqual([1, 2, 3]);
    // The next call reuses the page: the copy keeps what was passed, the view does not.
    page.bytes[0] = 9;
    expect(copy[0]).toBe(1);
    expect(view[0]).toBe(9);
    expect(pageBytes(page, 3, false)).toHaveLength(0);
    expect(pageBytes(null, 3, true)).toHaveLength(0);
  });

  it('a sink recorder takes copies unless its sink only compares (replay)', () => {
    expect(new SinkRecorder(NULL_SINK).wantsBytes).toBe(true);
    expect(new SinkRecorder(NULL_SINK, { views: true }).wantsBytes).toBe('view');
  });
});
