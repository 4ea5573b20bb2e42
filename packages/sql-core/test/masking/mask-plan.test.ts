import {
  COLUMN_RULE_MASKS,
  columnShapeOf,
  createColumnMasker,
  createMaskPlan,
  planColumnMask,
  type ResultColumn,
} from '../../src/masking';

const col = (
  table: string | null,
  column: string,
  type: string,
  extra: Partial<ResultColumn> = {},
): ResultColumn => ({
  table,
  column,
  ...columnShapeOf(type),
  lineage: 'direct',
  ...extra,
});

describe('planColumnMask', () => {
  const plan = createMaskPlan();

  it('masks classified columns by their detector and explains why', () => {
    const d = planColumnMask(plan, col('public.users', 'email', 'text'));
    expect(d?.kind).toBe('email');
    expect(d?.reason).toContain('email');
    expect(d?.masker('jane@example.com')).toBe('j***@example.com');
  });

  it('follows derived columns to their sources, gated by the result type', () => {
    const lower = planColumnMask(
      plan,
      col(null, 'lower', 'text', { lineage: 'derived', sources: [{ table: 'users', column: 'email' }] }),
    );
    expect(lower?.kind).toBe('email');
    expect(lower?.reason).toContain('derived from users.email');
    const prefix = planColumnMask(
      plan,
      col(null, 'substr', 'text', { lineage: 'derived', sources: [{ table: 'users', column: 'ssn' }] }),
    );
    expect(prefix?.masker('123')).toBe('***');
    // length(email) is an integer that says nothing about the address.
    expect(
      planColumnMask(
        plan,
        col(null, 'length', 'int4', { lineage: 'derived', sources: [{ table: 'users', column: 'email' }] }),
      ),
    ).toBeNull();
    const agg = planColumnMask(
      plan,
      col(null, 'string_agg', 'text', { lineage: 'derived', sources: [{ table: 'users', column: 'email' }] }),
    );
    expect(agg?.masker('a@example.com,b@example.org')).toBe('a***@example.com,b***@example.org');
    expect(agg?.masker('jane at example dot com')).toBe('****');
  });

  it("masks whole-row JSON by the row's table", () => {
    const d = planColumnMask(
      plan,
      col(null, 'json_agg', 'json', { lineage: 'row', sources: [{ table: 'users', column: '*' }] }),
    );
    expect(d?.kind).toBe('row');
    expect(d?.masker('[{"id":1,"name":"Jane Doe","email":"jane@example.com","ssn":"123-45-6789"}]')).toBe(
      '[{"id":1,"name":"J***","email":"j***@example.com","ssn":"***-**-6789"}]',
    );
  });

  it('scans unclassified text columns by default, and only spans', () => {
    const d = planColumnMask(plan, col('tickets', 'title', 'text'));
    expect(d?.kind).toBe('scan');
    expect(d?.masker('Refund for jane@example.com')).toBe('Refund for j***@example.com');
    const title = 'Printer on fire';
    expect(d?.masker(title)).toBe(title);
  });

  it('never scans integers, dates, uuids or booleans it cannot classify', () => {
    for (const type of ['int8', 'numeric', 'timestamptz', 'uuid', 'bool', 'date']) {
      expect([type, planColumnMask(plan, col('orders', 'order_id', type, { lineage: 'unknown' }))]).toEqual([
        type,
        null,
      ]);
    }
  });

  it('with valueScan unknown-lineage, only columns nobody traced are scanned', () => {
    const backstop = createMaskPlan({ valueScan: 'unknown-lineage' });
    expect(planColumnMask(backstop, col('tickets', 'title', 'text'))).toBeNull();
    const d = planColumnMask(backstop, col(null, '?column?', 'text', { lineage: 'unknown' }));
    expect(d?.reason).toContain('lineage unknown');
    expect(d?.masker('ssn 123-45-6789')).toBe('ssn ***-**-6789');
    expect(
      planColumnMask(createMaskPlan({ valueScan: 'off' }), col(null, 'x', 'text', { lineage: 'unknown' })),
    ).toBeNull();
  });

  it('applies explicit column rules first', () => {
    const ruled = createMaskPlan({
      rules: [
        { table: 'public.users', column: 'notes', mask: 'redact' },
        { table: 'users', column: 'email', mask: 'never' },
        { table: 'orders', column: 'reference', mask: 'payment_card' },
        { table: 'users', column: 'id', mask: 'deterministic' },
        { table: 'users', column: 'passport', mask: 'last4' },
        { table: 'users', column: 'member_no', mask: 'last4' },
        { table: 'users', column: 'bio', mask: 'scan' },
      ],
      options: { key: 'k' },
    });
    expect(planColumnMask(ruled, col('users', 'notes', 'text'))?.masker('anything')).toBe('****');
    expect(planColumnMask(ruled, col('users', 'email', 'text'))).toBeNull();
    expect(planColumnMask(ruled, col('orders', 'reference', 'text'))?.masker('4111111111111111')).toBe(
      '************1111',
    );
    const id = planColumnMask(ruled, col('users', 'id', 'int8'));
    expect(id?.kind).toBe('deterministic');
    expect(id?.masker('12345')).toBe(id?.masker('12345'));
    expect(id?.masker('12345')).toMatch(/^\d{5}$/);
    expect(planColumnMask(ruled, col('users', 'passport', 'text'))?.masker('X1234567L')).toBe('*****567L');
    expect(planColumnMask(ruled, col('users', 'member_no', 'int8'))?.masker('123456789')).toBe('6789');
    expect(planColumnMask(ruled, col('users', 'bio', 'text'))?.masker('mail jane@example.com')).toBe(
      'mail j***@example.com',
    );
    // A rule on a source follows the column through expressions; `never` on a source does not unmask a derived column.
    expect(
      planColumnMask(
        ruled,
        col(null, 'upper', 'text', { lineage: 'derived', sources: [{ table: 'users', column: 'notes' }] }),
      )?.kind,
    ).toBe('redact');
    expect(
      planColumnMask(
        ruled,
        col(null, 'upper', 'text', { lineage: 'derived', sources: [{ table: 'users', column: 'email' }] }),
      )?.kind,
    ).toBe('email');
  });
});

describe('COLUMN_RULE_MASKS', () => {
  it('lists the names a masking.columns rule accepts (for the configuration loader)', () => {
    expect(COLUMN_RULE_MASKS).toEqual(
      expect.arrayContaining(['never', 'redact', 'last4', 'deterministic', 'scan', 'email', 'us_ssn']),
    );
    expect(COLUMN_RULE_MASKS).not.toContain('free_text');
  });
});

describe('createColumnMasker', () => {
  it('returns the identical string when a value needs no change (the engine forwards the original bytes)', () => {
    const scan = createColumnMasker('scan', { type: 'text' });
    const v = 'nothing to see here, move along';
    expect(scan(v)).toBe(v);
    const dsn = createColumnMasker(
      { detector: 'connection_string', confidence: 'high', reason: '' },
      { type: 'text' },
    );
    expect(dsn('https://example.com/db')).toBe('https://example.com/db');
  });

  it('masks only validated values in an ambiguously named column', () => {
    const key = createColumnMasker({ detector: 'secret', confidence: 'low', reason: '' }, { type: 'text' });
    expect(key('home.title.welcome')).toBe('home.title.welcome');
    expect(key('x9Fk2LmQ8pZ7vR3tY6wB1nC4')).toBe('********');
    expect(key('sk_live_4eC39HqLyjWDarjtT1zdp7dc')).toBe('sk_live_****p7dc');
  });

  it('deterministic masks join: equal inputs give equal outputs under one key only', () => {
    const email = { detector: 'email', confidence: 'high', reason: '' } as const;
    const a = createColumnMasker(email, { type: 'text' }, { deterministic: true, key: 'k1' });
    const b = createColumnMasker(email, { type: 'text' }, { deterministic: true, key: 'k2' });
    expect(a('jane@example.com')).toBe(a('JANE@example.com'));
    expect(a('jane@example.com')).not.toBe(a('john@example.com'));
    expect(a('jane@example.com')).not.toBe(b('jane@example.com'));
    // Without a key there is no pseudonym: the regular mask applies.
    expect(createColumnMasker(email, { type: 'text' }, { deterministic: true })('jane@example.com')).toBe(
      'j***@example.com',
    );
  });

  it('never returns a value unmasked when a mask fails', () => {
    const throwing = createColumnMasker('scan', { type: 'json' });
    // Deeply nested JSON falls back to span scanning rather than throwing.
    const deep = `${'['.repeat(5000)}"jane@example.com"${']'.repeat(5000)}`;
    expect(throwing(deep)).not.toContain('jane@example.com');
  });
});

describe('planColumnMask: transformed values', () => {
  it('redacts a transformed value of a sensitive source whole, keeping the type', () => {
    const plan = createMaskPlan();
    const sources = [{ table: 'users', column: 'phone' }];
    const translated = planColumnMask(plan, {
      table: null,
      column: 'translate',
      type: 'text',
      lineage: 'derived',
      sources,
      transformed: true,
    });
    expect(translated?.kind).toBe('phone');
    expect(translated?.masker('b (efb) fff-cgha')).toBe('****');
    const sum = planColumnMask(plan, {
      table: null,
      column: 'sum',
      type: 'numeric',
      lineage: 'derived',
      sources: [{ table: 'users', column: 'ssn' }],
      transformed: true,
    });
    expect(sum?.masker('536228845')).toBe('0');
    // Not sensitive: nothing to redact.
    expect(
      planColumnMask(plan, {
        table: null,
        column: 'md5',
        type: 'text',
        lineage: 'derived',
        sources: [{ table: 'users', column: 'id' }],
        transformed: true,
      })?.kind,
    ).toBe('scan');
  });
});
