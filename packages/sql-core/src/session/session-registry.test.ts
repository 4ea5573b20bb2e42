import { SessionRegistry, type SessionHandle, type SessionInfo } from './session-registry';

function handle(id: string, onTerminate: (reason: string) => void): SessionHandle {
  const info: SessionInfo = {
    id,
    engine: 'postgres',
    subject: 'alice',
    groups: ['dev'],
    target: { name: 'local', engine: 'postgres', environment: 'development' },
    database: 'test',
    clientAddress: '127.0.0.1:5000',
    clientUser: 'alice',
    tls: false,
    since: new Date(0).toISOString(),
    statements: 0,
    currentStatement: null,
  };
  return { id, info: () => info, terminate: onTerminate };
}

describe('SessionRegistry', () => {
  it('lists, terminates and removes sessions by id', () => {
    const registry = new SessionRegistry();
    const ended: string[] = [];
    registry.add(handle('ses_a', (r) => ended.push(`a:${r}`)));
    registry.add(handle('ses_b', (r) => ended.push(`b:${r}`)));
    expect(registry.list().map((s) => s.id)).toEqual(['ses_a', 'ses_b']);
    expect(registry.terminate('ses_b', 'admin')).toBe(true);
    expect(registry.terminate('ses_missing', 'admin')).toBe(false);
    expect(ended).toEqual(['b:admin']);
    registry.remove('ses_a');
    expect(registry.get('ses_a')).toBeUndefined();
    expect(registry.size).toBe(1);
  });
});
