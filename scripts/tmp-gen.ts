import { nn, pytorchSource, buildModel } from '../src/index.js';
const m = buildModel({ zoo: process.argv[2] as any, inputShape: [1, 28, 28], numClasses: 10 });
console.log(pytorchSource(m, { inputShape: [1, 28, 28], title: 'test' }));
