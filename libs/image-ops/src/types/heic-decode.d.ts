// heic-decode 2.1.0 ships no types; this is the part of its API image-ops uses.
declare module 'heic-decode' {
  interface HeicDecodedImage {
    width: number;
    height: number;
    /** RGBA, 8 bits a channel, rows packed. */
    data: Uint8ClampedArray;
  }
  interface HeicImageHandle {
    width: number;
    height: number;
    decode(): Promise<HeicDecodedImage>;
  }
  type HeicImageList = HeicImageHandle[] & { dispose(): void };
  interface HeicDecode {
    (input: { buffer: Uint8Array }): Promise<HeicDecodedImage>;
    /** Parses the file and lists its top-level images without decoding any pixels. */
    all(input: { buffer: Uint8Array }): Promise<HeicImageList>;
  }
  const decode: HeicDecode;
  export = decode;
}
