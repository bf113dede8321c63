import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Run a child Node process (`script` with `args`) until its first line on stdout, `<word> <seq>`
 * with a word of `words` (the child reached its kill point), SIGKILL it there and resolve to that
 * seq. Rejects when the child says anything else, exits before reporting, or dies of another cause
 * than the SIGKILL: the crash tests must kill where they meant to.
 *
 * @example
 * const committed = await killAtReport(CHILD, [moduleRoot, log, 'free', '10', 'full'], ['committed', 'go']);
 */
export async function killAtReport(
  script: string,
  args: readonly string[],
  words: readonly string[],
): Promise<number> {
  const child = spawn(process.execPath, ['--no-warnings', script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((done) =>
    child.on('exit', (_code, signal) => {
      done(signal);
    }),
  );
  let reported: number | null = null;
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const m = /^(\w+) (\d+)$/.exec(line);
      if (m === null || !words.includes(m[1] ?? '')) throw new Error(`child said '${line}'`);
      reported = Number(m[2]);
      break;
    }
  } finally {
    child.kill('SIGKILL');
  }
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`child ended by ${String(signal)}, not by the SIGKILL`);
  if (reported === null) throw new Error('child exited without reaching its kill point');
  return reported;
}
