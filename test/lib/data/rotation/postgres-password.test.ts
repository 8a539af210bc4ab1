import { createHash, createHmac } from 'crypto';
import { md5Verifier, passwordVerifier, scramSha256Verifier } from '../../../../lib/data/rotation/runtime/postgres-password';

// RFC 7677, section 3: user "user", password "pencil".
const RFC_SALT = 'W22ZaJ0SNY7soEsUEjb6gQ==';
const RFC_NONCE = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const RFC_AUTH_MESSAGE = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${RFC_NONCE},s=${RFC_SALT},i=4096,c=biws,r=${RFC_NONCE}`;
const RFC_CLIENT_PROOF = 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const RFC_SERVER_SIGNATURE = '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

function parse(verifier: string): { iterations: number; salt: string; storedKey: Buffer; serverKey: Buffer } {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (match === null) {
    throw new Error('not a SCRAM-SHA-256 verifier');
  }
  const [, iterations, salt, storedKey, serverKey] = match as unknown as [string, string, string, string, string];
  return { iterations: Number(iterations), salt, storedKey: Buffer.from(storedKey, 'base64'), serverKey: Buffer.from(serverKey, 'base64') };
}

describe('scramSha256Verifier', () => {
  const verifier = scramSha256Verifier('pencil', Uint8Array.from(Buffer.from(RFC_SALT, 'base64')));
  const { iterations, salt, storedKey, serverKey } = parse(verifier);

  it('writes PostgreSQL\'s text form with 4096 iterations and the salt', () => {
    expect(iterations).toBe(4096);
    expect(salt).toBe(RFC_SALT);
  });

  it('derives the ServerKey of the RFC 7677 exchange (the server signature matches)', () => {
    expect(createHmac('sha256', Uint8Array.from(serverKey)).update(RFC_AUTH_MESSAGE).digest('base64')).toBe(RFC_SERVER_SIGNATURE);
  });

  it('derives the StoredKey that verifies the RFC 7677 client proof', () => {
    const signature = createHmac('sha256', Uint8Array.from(storedKey)).update(RFC_AUTH_MESSAGE).digest();
    const proof = Buffer.from(RFC_CLIENT_PROOF, 'base64');
    const clientKey = Uint8Array.from(proof.map((byte, i) => byte ^ (signature[i] ?? 0)));
    expect(createHash('sha256').update(clientKey).digest().equals(Uint8Array.from(storedKey))).toBe(true);
  });

  it('uses a fresh random salt by default', () => {
    expect(parse(scramSha256Verifier('pencil')).salt).not.toBe(parse(scramSha256Verifier('pencil')).salt);
  });

  it('refuses passwords that SASLprep could change', () => {
    expect(() => scramSha256Verifier('pässword')).toThrow('only printable ASCII');
  });
});

describe('passwordVerifier', () => {
  it('follows password_encryption', () => {
    expect(passwordVerifier('scram-sha-256', 'postgres', 'postgres')).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(passwordVerifier('md5', 'postgres', 'postgres')).toBe('md53175bce1d3201d16594cebf9d7eb3f9d');
    expect(passwordVerifier('on', 'postgres', 'postgres')).toBe(md5Verifier('postgres', 'postgres'));
    expect(() => passwordVerifier('plain', 'postgres', 'postgres')).toThrow('unsupported password_encryption setting: plain');
  });
});
