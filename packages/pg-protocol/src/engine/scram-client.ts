import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The client side of SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL speaks
 * it, without channel binding: the gateway logs into the upstream with the
 * target's login. The server's signature is verified, so a server that does
 * not know the password cannot pretend the login succeeded.
 */
export class ScramClient {
  static readonly mechanism = 'SCRAM-SHA-256';
  /** GS2 header: no channel binding, no authzid. */
  static readonly #gs2Header = 'n,,';

  readonly #password: string;
  readonly #clientNonce: string;
  readonly #user: string;
  #clientFirstBare = '';
  #expectedServerSignature: Buffer | null = null;

  /** PostgreSQL ignores the SCRAM user name (it uses the startup user), hence `*`. */
  constructor(password: string, nonce: string = randomBytes(18).toString('base64'), user = '*') {
    this.#password = password;
    this.#clientNonce = nonce;
    this.#user = user.replace(/=/g, '=3D').replace(/,/g, '=2C');
  }

  /** client-first-message. */
  clientFirst(): Buffer {
    this.#clientFirstBare = `n=${this.#user},r=${this.#clientNonce}`;
    return Buffer.from(ScramClient.#gs2Header + this.#clientFirstBare, 'utf8');
  }

  /** Takes server-first-message, returns client-final-message with the proof. */
  clientFinal(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString('utf8');
    const attrs = parseAttributes(text);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterationsText = attrs.get('i');
    if (!nonce || !salt || !iterationsText) throw new Error('SCRAM: malformed server-first-message');
    if (!nonce.startsWith(this.#clientNonce) || nonce.length === this.#clientNonce.length) {
      throw new Error('SCRAM: server nonce does not extend the client nonce');
    }
    const iterations = Number(iterationsText);
    // Bound the work an upstream can ask of us; PostgreSQL defaults to 4096.
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > 1_000_000) {
      throw new Error('SCRAM: iteration count out of range');
    }
    const saltedPassword = pbkdf2Sync(
      this.#password.normalize('NFKC'),
      Buffer.from(salt, 'base64'),
      iterations,
      32,
      'sha256',
    );
    const clientKey = hmac(saltedPassword, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const clientFinalWithoutProof = `c=${Buffer.from(ScramClient.#gs2Header).toString('base64')},r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${text},${clientFinalWithoutProof}`;
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < clientKey.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    const serverKey = hmac(saltedPassword, 'Server Key');
    this.#expectedServerSignature = hmac(serverKey, authMessage);
    return Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Verifies server-final-message; throws unless the server proved it knows the password. */
  verifyServerFinal(serverFinal: Buffer): void {
    const attrs = parseAttributes(serverFinal.toString('utf8'));
    const error = attrs.get('e');
    if (error) throw new Error(`SCRAM: server reported ${error}`);
    const signature = attrs.get('v');
    if (!signature || !this.#expectedServerSignature)
      throw new Error('SCRAM: malformed server-final-message');
    const given = Buffer.from(signature, 'base64');
    if (
      given.length !== this.#expectedServerSignature.length ||
      !timingSafeEqual(given, this.#expectedServerSignature)
    ) {
      throw new Error('SCRAM: server signature does not match');
    }
  }
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function parseAttributes(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) attrs.set(part[0]!, part.slice(2));
  }
  return attrs;
}

/** PostgreSQL's MD5 password response: 'md5' + md5(md5(password + user) + salt). */
export function md5PasswordResponse(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5')
    .update(password + user, 'utf8')
    .digest('hex');
  return 'md5' + createHash('md5').update(inner, 'utf8').update(salt).digest('hex');
}
