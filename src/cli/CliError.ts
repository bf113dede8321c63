/**
 * A usage or input error: the CLI prints the message and exits 2.
 *
 * @example
 * throw new CliError("unknown format 'svg': expected mermaid or dot"); // printed; exit code 2
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
