/** A configuration that cannot be used. `issues` are one line each, key path first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid configuration (${source}):\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}
