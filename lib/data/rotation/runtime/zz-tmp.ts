import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'crypto';
const salt: Uint8Array = Uint8Array.from(randomBytes(16));
const salted = Uint8Array.from(pbkdf2Sync('x', salt, 4096, 32, 'sha256'));
const ck = Uint8Array.from(createHmac('sha256', salted).update('Client Key').digest());
export const s = createHash('sha256').update(ck).digest().toString('base64') + Buffer.from(salt).toString('base64');
