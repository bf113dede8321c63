import type { CliIo } from '../../src/cli/Command.js';
import { runCli } from '../../src/cli/runCli.js';

/** What a CLI run printed and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

/** An io that keeps every line (not a terminal), and the lines it kept. */
export function captureIo(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false }, out, err };
}

/** Run the CLI in this process with `argv`, capturing its output. */
export async function runCaptured(argv: readonly string[]): Promise<CliRun> {
  const { io, out, err } = captureIo();
  return { code: await runCli([...argv], io), out, err };
}
