import { bareTableName, columnTokens, headTokens, nameTokens, singular } from './column-name';

describe('column-name normaliser', () => {
  it.each([
    ['user_email', ['user', 'email']],
    ['userEmail', ['user', 'email']],
    ['lastLoginIP', ['last', 'login', 'ip']],
    ['IPAddress', ['ip', 'address']],
    ['address_line1', ['address', 'line', '1']],
    ['card_last4', ['card', 'last', '4']],
    ['x-forwarded-for', ['x', 'forwarded', 'for']],
    ['E_MAIL', ['e', 'mail']],
    ['phoneNumbers', ['phone', 'number']],
    ['ipv6', ['ipv', '6']],
    ['addresses', ['address']],
    ['companies', ['company']],
    ['status', ['status']],
    ['People', ['person']],
    ['  __zip__ ', ['zip']],
  ])('%s -> %j', (name, tokens) => {
    expect(nameTokens(name)).toEqual(tokens);
  });

  it('makes plurals singular without breaking other words', () => {
    expect(['users', 'ips', 'tokens', 'pass', 'address', 'analysis', 'boxes', 'bios'].map(singular)).toEqual([
      'user',
      'ip',
      'token',
      'pass',
      'address',
      'analysis',
      'box',
      'bio',
    ]);
  });

  it('strips the table name from the front when something is left', () => {
    expect(columnTokens(nameTokens('users'), 'user_email')).toEqual(['email']);
    expect(columnTokens(nameTokens('user_profiles'), 'profile_name')).toEqual(['name']);
    expect(columnTokens(nameTokens('tokens'), 'token')).toEqual(['token']);
    expect(columnTokens(nameTokens('orders'), 'user_email')).toEqual(['user', 'email']);
  });

  it('finds the head noun before storage suffixes and numbers', () => {
    expect(headTokens(['phone', 'e', '164'])).toEqual(['phone']);
    expect(headTokens(['email', 'normalized'])).toEqual(['email']);
    expect(headTokens(['address', 'line', '2'])).toEqual(['address', 'line']);
    expect(headTokens(['text'])).toEqual(['text']);
  });

  it('reads bare table names', () => {
    expect(bareTableName('public.users')).toBe('users');
    expect(bareTableName('"App"."Users"')).toBe('Users');
    expect(bareTableName('users')).toBe('users');
  });
});
