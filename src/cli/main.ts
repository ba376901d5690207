#!/usr/bin/env node
/**
 * `backprop` — train, evaluate and inspect models from the command line.
 *
 *   backprop train --dataset mnist --model mlp --epochs 10
 *   backprop evaluate --model runs/mnist-mlp
 *   backprop predict --model runs/mnist-mlp digit.png
 *   backprop info --model lenet5
 *   backprop export --model runs/mnist-mlp --onnx mlp.onnx
 *
 * Every failure prints one line `backprop: error: …` to stderr and exits non-zero (2 for usage
 * errors, 1 for bad data/files/models). Set BACKPROP_DEBUG=1 to see stack traces.
 */
import { runCli } from './program.js';

// `backprop … | head` closes the pipe early: that is not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const code = await runCli(process.argv, {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
});
// worker threads of the wasm backend would keep the process alive: exit once output is flushed
process.stdout.write('', () => process.exit(code));
