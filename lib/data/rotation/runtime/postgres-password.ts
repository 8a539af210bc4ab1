import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'crypto';

/** PostgreSQL's default SCRAM iteration count (`scram_iterations`). */
export const SCRAM_ITERATIONS = 4096;

// With TypeScript 5.9 and this @types/node, a Buffer is not assignable to crypto's input types; a copy as a plain Uint8Array is.
function bytes(buffer: Buffer): Uint8Array {
  return Uint8Array.from(buffer);
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / RFC 7677 key derivation,
 * in the `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` text form). Sending the
 * verifier instead of the password keeps the password out of server logs (log_statement, pgaudit).
 * PostgreSQL normalises passwords with SASLprep; printable ASCII is unchanged by it, and only
 * printable ASCII is accepted here so that client and server derive the same keys.
 */
export function scramSha256Verifier(password: string, salt: Uint8Array = bytes(randomBytes(16)), iterations = SCRAM_ITERATIONS): string {
  if (!/^[\x20-\x7e]+$/.test(password)) {
    throw new Error('only printable ASCII passwords can be pre-hashed for PostgreSQL');
  }
  const saltedPassword = bytes(pbkdf2Sync(password, salt, iterations, 32, 'sha256'));
  const clientKey = bytes(createHmac('sha256', saltedPassword).update('Client Key').digest());
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${Buffer.from(salt).toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** The legacy MD5 form: "md5" followed by md5(password || username) in hex. */
export function md5Verifier(password: string, username: string): string {
  return `md5${createHash('md5').update(password + username).digest('hex')}`;
}

/**
 * The verifier matching the server's `password_encryption`, so the stored form is what a plain
 * `ALTER USER ... PASSWORD` would have produced (as psql's \password does).
 */
export function passwordVerifier(passwordEncryption: string, username: string, password: string): string {
  switch (passwordEncryption) {
    case 'scram-sha-256':
      return scramSha256Verifier(password);
    case 'md5':
    case 'on':
      return md5Verifier(password, username);
    default:
      throw new Error(`unsupported password_encryption setting: ${passwordEncryption}`);
  }
}
