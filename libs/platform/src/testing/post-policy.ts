import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/** What S3 answers when it refuses a POST upload. */
export interface PostPolicyRefusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export interface PostPolicyRequest {
  /** The bucket from the URL. */
  readonly bucket: string;
  /** The form's text fields, in order, names as sent, each name once (the caller refuses duplicates). */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  /** The size of the `file` part. */
  readonly fileSize: number;
  readonly now: Date;
  /** The secret of an access key id, `undefined` for an unknown key. */
  readonly secretOf: (accessKeyId: string) => string | undefined;
}

type Condition = Record<string, unknown> | unknown[];

/** Fields S3 does not require a policy condition for. */
const EXEMPT = new Set(['policy', 'x-amz-signature', 'file']);

const refuse = (status: number, code: string, message: string): PostPolicyRefusal => ({ status, code, message });

/** S3's answer to a form that sends a field twice (names compare case-insensitively). */
export const duplicateFieldRefusal = (name: string): PostPolicyRefusal =>
  refuse(400, 'InvalidArgument', `POST form fields must be unique: "${name}" appears more than once.`);
const policyFailed = (condition: unknown) =>
  refuse(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`);

/**
 * Checks an S3 browser-based (POST) upload the way S3 does, for Signature Version 4
 * policies: the signature over the base64 policy, the expiration, every condition
 * (`{field: value}`, `eq`, `starts-with`, `content-length-range`) and that every form
 * field is covered by a condition. Returns `undefined` when S3 would accept the upload.
 *
 * s3rver ignores the policy entirely (its POST handler stores whatever is posted), so the
 * local S3 peer runs this in front of it; see `startLocalS3`.
 */
export async function checkPostPolicy(request: PostPolicyRequest): Promise<PostPolicyRefusal | undefined> {
  const fields = new Map<string, string>();
  for (const [name, value] of request.fields) {
    const lower = name.toLowerCase();
    // S3 refuses a form with a field twice; never pick one of two values.
    if (fields.has(lower)) return duplicateFieldRefusal(name);
    fields.set(lower, value);
  }
  const policyB64 = fields.get('policy');
  if (policyB64 === undefined) {
    return refuse(403, 'AccessDenied', "Bucket POST must contain a field named 'policy'.");
  }
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
    return refuse(400, 'InvalidArgument', 'Only the AWS4-HMAC-SHA256 POST policy signature is supported here.');
  }
  const credential = fields.get('x-amz-credential') ?? '';
  const [accessKeyId, date, region, service, terminal] = credential.split('/');
  if (!accessKeyId || !date || !/^\d{8}$/.test(date) || !region || service !== 's3' || terminal !== 'aws4_request') {
    return refuse(400, 'InvalidArgument', `Malformed x-amz-credential: ${JSON.stringify(credential)}`);
  }
  const secret = request.secretOf(accessKeyId);
  if (secret === undefined) {
    return refuse(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  }
  // The policy's signature is the SigV4 signature of the base64 policy (the SDK's signString).
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey: secret }, region, service: 's3', sha256: Sha256 });
  const signingDate = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))));
  const expected = Buffer.from(await signer.sign(policyB64, { signingDate, signingRegion: region, signingService: 's3' }), 'utf8');
  const given = Buffer.from(fields.get('x-amz-signature') ?? '', 'utf8');
  if (Number.isNaN(signingDate.getTime()) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return refuse(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
  }

  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(policyB64, 'base64').toString('utf8')) as typeof policy;
  } catch {
    return refuse(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  const expiration = typeof policy.expiration === 'string' ? Date.parse(policy.expiration) : Number.NaN;
  if (Number.isNaN(expiration)) {
    return refuse(400, 'InvalidPolicyDocument', 'Invalid Policy: Policy missing expiration.');
  }
  if (request.now.getTime() > expiration) {
    return refuse(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
  }
  if (!Array.isArray(policy.conditions)) {
    return refuse(400, 'InvalidPolicyDocument', 'Invalid Policy: Policy missing conditions.');
  }

  const valueOf = (name: string): string | undefined => (name === 'bucket' ? request.bucket : fields.get(name));
  const covered = new Set<string>(['bucket']);
  // The size is known last (after the fields, once the file is read), so it is checked last.
  const sizeRanges: Array<[number, number]> = [];
  for (const condition of policy.conditions as Condition[]) {
    if (Array.isArray(condition)) {
      const [op, a, b] = condition;
      if (op === 'content-length-range') {
        sizeRanges.push([Number(a), Number(b)]);
        continue;
      }
      if ((op !== 'eq' && op !== 'starts-with') || typeof a !== 'string' || !a.startsWith('$') || typeof b !== 'string') {
        return refuse(400, 'InvalidPolicyDocument', `Invalid Policy: Invalid condition ${JSON.stringify(condition)}.`);
      }
      const name = a.slice(1).toLowerCase();
      covered.add(name);
      const value = valueOf(name);
      const ok = value !== undefined && (op === 'eq' ? value === b : value.startsWith(b));
      if (!ok) return policyFailed(condition);
    } else if (condition && typeof condition === 'object') {
      for (const [rawName, expectedValue] of Object.entries(condition)) {
        const name = rawName.toLowerCase();
        covered.add(name);
        if (valueOf(name) !== expectedValue) return policyFailed(['eq', `$${rawName}`, expectedValue]);
      }
    } else {
      return refuse(400, 'InvalidPolicyDocument', `Invalid Policy: Invalid condition ${JSON.stringify(condition)}.`);
    }
  }

  const extra = [...fields.keys()].filter((name) => !EXEMPT.has(name) && !name.startsWith('x-ignore-') && !covered.has(name));
  if (extra.length > 0) {
    return refuse(403, 'AccessDenied', `Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  }
  for (const [min, max] of sizeRanges) {
    if (!(request.fileSize <= max)) return refuse(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    if (!(request.fileSize >= min)) return refuse(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size');
  }
  return undefined;
}
