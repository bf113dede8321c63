import { describe, expect, it } from 'vitest';
import { runCaptured } from './runCaptured.js';

const run = (...argv: string[]): ReturnType<typeof runCaptured> => runCaptured([...argv]);

describe('mshv-control run: the summary (issue 4, "report the largest window in reps")', () => {
  it('prints the interrupt windows and the largest one in reps: 512, the UNMAP and WITHDRAW bound (inventory §b.5)', async () => {
    const r = await run('run', 'docs/scenarios/boot-4k.json');
    expect(r.code).toBe(0);
    expect(r.out).toContainEqual(expect.stringMatching(/^interrupt windows: \d+, largest 512 reps$/));
    expect(r.out.at(-1)).toBe('audit: conserved');
  });

  it('counts the doorbell ring of irqfd-ioeventfd-msi (readEventfd expectCount 1)', async () => {
    const r = await run('run', 'docs/scenarios/irqfd-ioeventfd-msi.json');
    expect(r.code).toBe(0);
    expect(r.out).toContainEqual(
      expect.stringMatching(/^ok {3}step \d+ readEventfd vm0: expect ok, got ok \(count 1\)$/),
    );
  });
});
