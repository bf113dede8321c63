import { CliError } from '../CliError.js';

/** Placeholder until src/hv/uapi lands (issue 2, in progress). */
export function decodeIoctl(text: string): string[] {
  throw new CliError(`decode ioctl ${text}: not available yet`);
}
