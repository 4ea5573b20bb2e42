import { md5PasswordResponse, ScramClient } from './scram-client';

describe('ScramClient', () => {
  // RFC 7677 section 3 test vector.
  const serverFirst =
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';

  it('produces the RFC 7677 client proof and accepts the server signature', () => {
    const client = new ScramClient('pencil', 'rOprNGfwEbeRWgbNEkqO', 'user');
    expect(client.clientFirst().toString()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    expect(client.clientFinal(Buffer.from(serverFirst)).toString()).toBe(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    expect(() =>
      client.verifyServerFinal(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')),
    ).not.toThrow();
  });

  it('rejects a forged server signature, a nonce it did not extend and absurd iteration counts', () => {
    const client = new ScramClient('pencil', 'rOprNGfwEbeRWgbNEkqO', 'user');
    client.clientFirst();
    client.clientFinal(Buffer.from(serverFirst));
    expect(() =>
      client.verifyServerFinal(Buffer.from('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')),
    ).toThrow(/signature/);
    expect(() => client.verifyServerFinal(Buffer.from('e=invalid-proof'))).toThrow(/invalid-proof/);
    const other = new ScramClient('pencil', 'abc');
    other.clientFirst();
    expect(() => other.clientFinal(Buffer.from('r=xyz123,s=AAAA,i=4096'))).toThrow(/nonce/);
    expect(() => other.clientFinal(Buffer.from('r=abcdef,s=AAAA,i=99999999'))).toThrow(/iteration/);
  });
});

describe('md5PasswordResponse', () => {
  it('hashes as PostgreSQL expects', () => {
    // md5(md5('secret' + 'bob') + salt), computed independently with Python's hashlib.
    const response = md5PasswordResponse('bob', 'secret', Buffer.from([1, 2, 3, 4]));
    expect(response).toBe('md5f21dfe33ff3a9e03dbc3e008251fe5cc');
  });
});
