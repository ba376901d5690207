// Minimal types for `pngjs` (no bundled types): the synchronous reader and writer we use.
declare module 'pngjs' {
  interface PNGOptions {
    width?: number;
    height?: number;
    checkCRC?: boolean;
  }
  interface PNGWriteOptions {
    colorType?: 0 | 2 | 4 | 6;
    inputColorType?: 0 | 2 | 4 | 6;
    bitDepth?: 8 | 16;
    inputHasAlpha?: boolean;
  }
  export class PNG {
    constructor(opts?: PNGOptions);
    width: number;
    height: number;
    data: Buffer;
    static sync: {
      read(buffer: Buffer, opts?: PNGOptions): PNG;
      write(png: PNG, opts?: PNGWriteOptions): Buffer;
    };
  }
}
