import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  return { code: await runCli(argv, io), out, err };
}

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
