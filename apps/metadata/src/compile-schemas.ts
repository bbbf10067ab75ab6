import { ImageUploadedV1, ThumbnailsGeneratedV3 } from '@imgpipe/contracts';
import { RecordThumbnailsTaskInputSchema } from '@imgpipe/workflow/task-io';

/**
 * zod compiles a schema the first time it parses with it: 2-10 ms here for `RecordThumbnails`'
 * input (its `ThumbnailsGenerated` v3 data; a second parse takes 0.3 ms), paid by the first
 * upload's task on its way to the card (issue 13 item 3). This parses the contracts' examples
 * through it once, so a runtime that builds its handlers well before the first event (the local
 * runtime, as it starts) pays it then. A Lambda builds its handlers on its first invocation,
 * where this gains nothing: the composition root does not call it.
 *
 * @throws {Error} when an example no longer fits the schema (the warm-up would compile less).
 */
export function compileTaskInputSchemas(): void {
  const uploaded = ImageUploadedV1.examples.full;
  const input = { uploaded, thumbnails: ThumbnailsGeneratedV3.examples['early-share'], correlationId: uploaded.imageId };
  const checked = RecordThumbnailsTaskInputSchema.safeParse(input);
  if (!checked.success) {
    throw new Error(`the RecordThumbnails input built from the contracts' examples does not fit its schema: ${checked.error.message}`);
  }
}
