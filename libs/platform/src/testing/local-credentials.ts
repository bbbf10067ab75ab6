import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { LocalCredentials } from './sigv4-verifier';

/** Characters of AWS-style access key ids (upper case letters and digits). */
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Characters of AWS-style secret keys. */
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const credentialsFileSchema = z.object({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/),
  secretAccessKey: z.string().regex(/^[A-Za-z0-9+/]{40,128}$/),
});

/** `length` characters drawn uniformly from `alphabet` (its length divides 256). */
function randomText(alphabet: string, length: number): string {
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** A fresh random pair: a 20-character access key id and a 40-character secret, as AWS issues. */
function generateLocalCredentials(): LocalCredentials {
  return { accessKeyId: randomText(ID_ALPHABET, 20), secretAccessKey: randomText(SECRET_ALPHABET, 40) };
}

/**
 * The access key pair the local S3 and DynamoDB servers of a data directory accept: read from
 * `file`, or generated (random) and written there with mode 0600 on first use, so it stays the
 * same across restarts and other tools of the same user can sign for the running servers.
 *
 * @throws Error when the file exists but does not hold a valid pair (never overwritten).
 */
export async function loadOrCreateLocalCredentials(file: string): Promise<LocalCredentials> {
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const parsed = credentialsFileSchema.safeParse((() => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    })());
    if (!parsed.success) throw new Error(`${file} does not hold local credentials ({ accessKeyId, secretAccessKey }); remove it to make new ones`);
    return parsed.data;
  }
  const credentials = generateLocalCredentials();
  await mkdir(dirname(file), { recursive: true });
  try {
    // `wx`: two processes starting at once must not each write their own pair.
    await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateLocalCredentials(file);
    throw error;
  }
  return credentials;
}
