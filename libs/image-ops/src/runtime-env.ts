/**
 * The allocator environment of every process that runs sharp: declared once in the platform
 * (`@imgpipe/platform/sharp-allocator-env`, which says why), re-exported here for image-ops'
 * users; `runtime-env.spec.ts` holds the launchers to it.
 */
export {
  SHARP_ALLOCATOR_ENV,
  SHARP_RUNTIME_NODE_FLAGS,
  type SharpAllocatorVariable,
} from '@imgpipe/platform/sharp-allocator-env';
