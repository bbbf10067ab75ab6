// heic-decode 2.1.0 and libheif-js 1.23 ship no types for the parts image-ops uses; this is them.

/**
 * libheif-js's WebAssembly build with the .wasm inlined (what heic-decode's own entry loads):
 * each call instantiates a new module, with WebAssembly memory of its own.
 */
declare module 'libheif-js/libheif-wasm/libheif-bundle.js' {
  /** One instance of libheif (opaque here: heic-decode's `lib.js` drives it). */
  export interface LibheifModule {
    readonly HeifDecoder: unknown;
  }
  const createLibheif: () => LibheifModule;
  export default createLibheif;
}

/**
 * heic-decode's decoder over a libheif instance it is given (its `index.js` binds it to one
 * instance created when the module loads, kept for the life of the process).
 */
declare module 'heic-decode/lib.js' {
  import type { LibheifModule } from 'libheif-js/libheif-wasm/libheif-bundle.js';

  export interface HeicDecodedImage {
    width: number;
    height: number;
    /** RGBA, 8 bits a channel, rows packed; a JavaScript array of its own (copied out of the module's memory). */
    data: Uint8ClampedArray;
  }
  export interface HeicImageHandle {
    width: number;
    height: number;
    decode(): Promise<HeicDecodedImage>;
  }
  export type HeicImageList = HeicImageHandle[] & { dispose(): void };
  export interface HeicDecoder {
    one(input: { buffer: Uint8Array }): Promise<HeicDecodedImage>;
    /** Parses the file and lists its top-level images without decoding any pixels. */
    all(input: { buffer: Uint8Array }): Promise<HeicImageList>;
  }
  const bindDecoder: (libheif: LibheifModule) => HeicDecoder;
  export default bindDecoder;
}

/** heic-decode's own entry: the decoder bound to the one libheif instance it creates on load (specs compare against it). */
declare module 'heic-decode' {
  import type { HeicDecodedImage } from 'heic-decode/lib.js';

  const decode: (input: { buffer: Uint8Array }) => Promise<HeicDecodedImage>;
  export default decode;
}
