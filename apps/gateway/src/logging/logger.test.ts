import { createLogger } from './logger';

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ ...options, destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  return { logger, lines };
}

describe('createLogger', () => {
  it('takes its level from GATEHOUSE_LOG_LEVEL, default info', () => {
    expect(capture({ env: {} }).logger.level).toBe('info');
    expect(capture({ env: { GATEHOUSE_LOG_LEVEL: 'debug' } }).logger.level).toBe('debug');
    expect(capture({ env: { GATEHOUSE_LOG_LEVEL: 'debug' }, level: 'warn' }).logger.level).toBe('warn');
  });

  it('falls back to info and says so for an unknown level', () => {
    const { logger, lines } = capture({ env: { GATEHOUSE_LOG_LEVEL: 'loud' } });
    expect(logger.level).toBe('info');
    expect(lines[0]).toMatchObject({ msg: 'unknown log level; using info', requested: 'loud' });
  });

  it('redacts passwords, tokens and authorization headers at any of three depths', () => {
    const { logger, lines } = capture({ env: {} });
    logger.info(
      {
        password: 'p0',
        token: 't0',
        endpoint: { host: 'db', password: 'p1' },
        req: { headers: { authorization: 'Bearer abc', host: 'x' } },
        credential: 'c0',
      },
      'hello',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['p0', 't0', 'p1', 'Bearer abc', 'c0']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ endpoint: { host: 'db', password: '[redacted]' }, req: { headers: { host: 'x' } } });
  });

  it('redacts in child loggers too', () => {
    const { logger, lines } = capture({ env: {} });
    logger.child({ session: 's1' }).warn({ upstream: { password: 'hunter2' } }, 'x');
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });
});
