import { z } from 'zod';
import { INPUT_FORMATS, ORIGINALS_PREFIX, OUTPUT_CONTENT_TYPES, OUTPUT_FORMATS } from './vocabulary';

/**
 * Field schemas shared by the event contracts. Inputs are hostile: every string is
 * bounded, every count is an integer, and nothing with control characters gets through.
 *
 * Patterns are written without regex flags (no `i`, no `u`) because the JSON Schema
 * export keeps only the pattern's source.
 */

/** Bounds that producers may need to respect before they build an event. */
export const LIMITS = {
  /** S3's key limit, in UTF-8 bytes. */
  objectKeyBytes: 1024,
  filenameLength: 255,
  contentTypeLength: 255,
  userIdLength: 128,
  correlationIdLength: 256,
  reasonLength: 2000,
  errorNameLength: 128,
  renditionsVersionLength: 128,
  /** Largest width or height any contract accepts (libvips' own ceiling is 10 000 000). */
  dimension: 1_000_000,
  /** A day; no Lambda or Express state machine runs this long. */
  processingMs: 86_400_000,
  variants: 8,
  renditions: 32,
  deletedKeys: 1000,
  /** EventBridge's limit for one PutEvents entry. */
  detailBytes: 256 * 1024,
} as const;

// C0 controls, DEL and C1 controls. Matching control characters is the point here.
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f-\u009f]*$/;
// The same, but tab, line feed and carriage return may appear (free text).
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARS_EXCEPT_WHITESPACE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;

const utf8 = new TextEncoder();

/** The image's id: the key of its event history and of its read-model record. */
export const ImageId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -')
  .describe('Image id: 1-64 characters of A-Z, a-z, 0-9, _ and -.');

/** The owner: the JWT `sub` of the uploader. */
export const UserId = z
  .string()
  .min(1)
  .max(LIMITS.userIdLength)
  .regex(NO_CONTROL_CHARS, 'must not contain control characters')
  .describe('Owner of the image (the JWT sub claim).');

/** Correlates every event and log line of one image's trip through the pipeline. */
export const CorrelationId = z
  .string()
  .regex(/^[!-~]{1,256}$/, 'must be 1-256 printable ASCII characters without spaces')
  .describe('Correlation id shared by every event and log line of one pipeline run.');

/**
 * An ISO 8601 instant in UTC (`Z`, no offset), as `Date.prototype.toISOString` writes
 * it. UTC only, so instants sort as strings (the read model sorts on `uploadedAt`).
 */
export const IsoDateTime = z.iso.datetime().describe('ISO 8601 date-time in UTC (ends in Z).');

/** An S3 bucket name. */
export const BucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
  .describe('S3 bucket name.');

/**
 * An S3 object key: at most 1024 UTF-8 bytes, no control characters, no leading `/` and
 * no `.` or `..` path segment.
 */
export const ObjectKey = z
  .string()
  .min(1)
  .max(LIMITS.objectKeyBytes)
  .regex(NO_CONTROL_CHARS, 'must not contain control characters')
  .regex(/^(?!\/)(?!(?:.*\/)?\.{1,2}(?:\/|$))/, 'must not start with / or contain a . or .. segment')
  .refine((key) => utf8.encode(key).length <= LIMITS.objectKeyBytes, {
    message: `must be at most ${LIMITS.objectKeyBytes} UTF-8 bytes`,
  })
  .describe('S3 object key.');

/** A byte count. */
export const ByteSize = z.int().nonnegative().describe('Size in bytes.');

/** The byte count of an original: never 0 (an empty upload fails with code `EMPTY`). */
export const OriginalByteSize = z.int().positive().describe('Size of the original in bytes (never 0).');

/** A width or height in pixels. */
export const Dimension = z.int().positive().max(LIMITS.dimension).describe('Pixels.');

/** Milliseconds spent on a piece of work. */
export const DurationMs = z.int().nonnegative().max(LIMITS.processingMs).describe('Milliseconds.');

/**
 * Bytes saved against the original, in percent: `(1 - output / original) * 100`.
 * Negative when the output is bigger than the original.
 */
export const SavingsPercent = z
  .number()
  .max(100)
  .describe('Percent of bytes saved against the original; negative when the output is bigger.');

/** A MIME type as `type/subtype`, without parameters. */
export const MimeType = z
  .string()
  .max(LIMITS.contentTypeLength)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/,
    'must be a MIME type such as image/jpeg',
  )
  .describe('MIME type (type/subtype, no parameters).');

/** A file name without any directory part. */
export const Filename = z
  .string()
  .min(1)
  .max(LIMITS.filenameLength)
  .regex(NO_CONTROL_CHARS, 'must not contain control characters')
  .regex(/^[^/\\]*$/, 'must not contain / or \\')
  .describe('File name, without directories.');

/**
 * How the original's bytes are identified: `sha256:<64 hex>` when the bytes were hashed,
 * `etag:<value>` when only the S3 ETag is known.
 */
export const ContentHash = z
  .string()
  .regex(/^(?:sha256:[0-9a-f]{64}|etag:[!-~]{1,256})$/, 'must be sha256:<64 lowercase hex> or etag:<value>')
  .describe('sha256:<hex> or etag:<value>.');

/**
 * The version of a rendition set (a hash of the set), so a change of set can trigger
 * reprocessing.
 */
export const RenditionsVersion = z
  .string()
  .regex(/^[!-~]{1,128}$/, 'must be 1-128 printable ASCII characters without spaces')
  .describe('Version (hash) of the rendition set.');

/** The name of a rendition, e.g. `small`; it becomes part of an object key. */
export const RenditionName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -')
  .describe('Rendition name, e.g. small.');

/** The real format of an original (one of the vocabulary's `INPUT_FORMATS`). */
export const InputFormat = z.enum(INPUT_FORMATS).describe('Real format of the original, from its magic bytes.');
export type InputFormat = z.infer<typeof InputFormat>;

/** The format of a pipeline output (one of the vocabulary's `OUTPUT_FORMATS`). */
export const OutputFormat = z.enum(OUTPUT_FORMATS).describe('Format of a pipeline output.');
export type OutputFormat = z.infer<typeof OutputFormat>;

/**
 * One object the pipeline wrote. The content type must match the format, and the key
 * never lies under `uploads/` (the originals prefix), which would loop the pipeline.
 */
export const OutputObject = z
  .object({
    bucket: BucketName,
    key: ObjectKey.refine((key) => !key.startsWith(ORIGINALS_PREFIX), {
      message: `an output must not be written under ${ORIGINALS_PREFIX} (it would loop the pipeline)`,
    }),
    format: OutputFormat,
    contentType: z.enum([
      OUTPUT_CONTENT_TYPES.webp,
      OUTPUT_CONTENT_TYPES.avif,
      OUTPUT_CONTENT_TYPES.jpeg,
      OUTPUT_CONTENT_TYPES.png,
      OUTPUT_CONTENT_TYPES.gif,
    ]),
    size: ByteSize,
    width: Dimension,
    height: Dimension,
  })
  .refine((output) => OUTPUT_CONTENT_TYPES[output.format] === output.contentType, {
    path: ['contentType'],
    message:
      'must be the content type of the format (webp: image/webp, avif: image/avif, jpeg: image/jpeg, png: image/png, gif: image/gif)',
  })
  .describe('An object the pipeline wrote.');
export type OutputObject = z.infer<typeof OutputObject>;

/** A named rendition: an output object and the rendition it belongs to. */
export const RenditionObject = OutputObject.safeExtend({ name: RenditionName }).describe(
  'A rendition the pipeline wrote.',
);
export type RenditionObject = z.infer<typeof RenditionObject>;

/** Why a piece of work failed, for a person to read: tabs and line breaks allowed. */
export const Reason = z
  .string()
  .min(1)
  .max(LIMITS.reasonLength)
  .regex(NO_CONTROL_CHARS_EXCEPT_WHITESPACE, 'must not contain control characters')
  .describe('Why it failed, in a sentence a person can read.');

/** An error's name, e.g. `InvalidImage` or `States.Timeout`. */
export const ErrorName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/, 'must be an error name such as InvalidImage or States.Timeout')
  .describe('Error name, e.g. InvalidImage.');
