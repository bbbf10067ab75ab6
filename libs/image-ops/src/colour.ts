import { z } from 'zod';

/** A CSS hex colour, `#rgb` or `#rrggbb`, e.g. the background alpha is flattened onto. */
export const hexColourSchema = z
  .string()
  .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'expected a hex colour such as #ffffff');

/** White: what transparent pixels become where a format has no alpha (JPEG). */
export const DEFAULT_BACKGROUND = '#ffffff';
