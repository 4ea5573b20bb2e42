import { columnShapeOf, createMaskPlan, planColumnMask, type ResultColumn } from '../../src/masking';

/**
 * The known traps: values that look sensitive and are not, in the
 * columns they live in, under the default plan (classification + value scan
 * of unclassified text).
 */
const plan = createMaskPlan();

function masked(
  table: string | null,
  column: string,
  type: string,
  value: string,
  lineage: ResultColumn['lineage'] = 'direct',
): string {
  const d = planColumnMask(plan, { table, column, ...columnShapeOf(type), lineage });
  return d === null ? value : d.masker(value);
}

describe('false-positive traps stay as they are', () => {
  it.each([
    ['orders', 'order_id', 'int8', '4111111111111111'],
    ['orders', 'order_id', 'text', '490154203237518'],
    ['devices', 'imei_checked', 'bool', 't'],
    ['users', 'id', 'uuid', '550e8400-e29b-41d4-a716-446655440000'],
    ['files', 'sha256', 'text', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['files', 'etag', 'text', '"d41d8cd98f00b204e9800998ecf8427e"'],
    [null, 'count', 'int8', '1234567812345670'],
    [null, 'sum', 'numeric', '4111111111111111'],
    ['users', 'created_at', 'timestamptz', '1985-03-15 10:22:33+00'],
    ['events', 'ts_ms', 'int8', '1700000000000'],
    ['packages', 'version', 'text', '1.2.3.4'],
    ['snmp', 'oid', 'text', '1.3.6.1.2.1.1.3.0'],
    ['shipments', 'tracking', 'text', '94103-1234'],
    ['repos', 'remote', 'text', 'git@github.com:org/repo.git'],
    ['assets', 'path', 'text', 'icon@2x.png'],
    ['oauth', 'token_type', 'text', 'Bearer'],
    ['usage', 'token_count', 'int4', '1500'],
    [
      'keys',
      'public_key',
      'text',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
    ],
    ['i18n', 'key', 'text', 'checkout.button.pay_now'],
    ['hotels', 'hotel', 'text', 'Grand Budapest'],
    ['networks', 'ssid', 'text', 'CoffeeShop-5G'],
    ['products', 'name', 'text', 'Widget 3000'],
  ])('%s.%s (%s) %j', (table, column, type, value) => {
    expect(masked(table, column, type, value)).toBe(value);
  });
});

describe('the same shapes are masked where they are sensitive', () => {
  it.each([
    ['payments', 'card_number', 'int8', '4111111111111111', '1111'],
    ['payments', 'note', 'text', 'card 4111111111111111', 'card ************1111'],
    ['users', 'dob', 'timestamptz', '1985-03-15 10:22:33+00', '1985-01-01 00:00:00+00'],
    ['devices', 'imei', 'text', '490154203237518', '***********7518'],
    [
      'sessions',
      'session_token',
      'uuid',
      '550e8400-e29b-41d4-a716-446655440000',
      '00000000-0000-0000-0000-000000000000',
    ],
    ['settings', 'key', 'text', 'x9Fk2LmQ8pZ7vR3tY6wB1nC4', '********'],
    ['users', 'name', 'text', 'Jane Doe', 'J***'],
    ['shipments', 'zip4', 'int4', '941031234', '941000000'],
    ['logs', 'message', 'text', 'login from 1.2.3.4', 'login from 1.2.3.0'],
    [null, '?column?', 'text', 'jane@example.com', 'j***@example.com'],
  ])('%s.%s (%s) %j -> %j', (table, column, type, value, expected) => {
    expect(masked(table, column, type, value)).toBe(expected);
  });
});
