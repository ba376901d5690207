/** The `backprop` command line: commander program and error handling (see main.ts for the bin). */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BackpropError } from '../core/errors.js';

/** Where the command writes: stdout lines and one stderr line on failure. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

// the command implementations load lazily: a bad flag is reported without loading the library
const app = () => import('./app.js');

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*-?\d+\s*$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${v}'`);
    return n;
  };
}
function float(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got '${v}'`);
    return n;
  };
}

export function program(io: CliIO): Command {
  const out = io.out;
  const p = new Command('backprop')
    .description('Train, evaluate and inspect neural networks (backprop: PyTorch-shaped deep learning in TypeScript)')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      outputError: () => {},
    });

  p.command('train')
    .description('train a model and write model.safetensors, model.json, history.json, learning-curves.svg, confusion-matrix.svg')
    .requiredOption(
      '-d, --dataset <name|file|dir>',
      'mnist | fashion-mnist | a CSV file (with --target) | an image folder (one sub-folder per class)',
    )
    .option('-t, --target <column>', 'CSV: the column to predict')
    .addOption(
      new Option('--task <task>', 'CSV: force classification or regression (default: from the target column type)').choices([
        'classification',
        'regression',
      ]),
    )
    .option('-m, --model <name|spec.json>', 'mlp | lenet5 | cnn | resnet-small | a JSON model spec', 'mlp')
    .option('-e, --epochs <n>', 'epochs', int('--epochs'), 10)
    .option('-b, --batch-size <n>', 'batch size', int('--batch-size'), 64)
    .option('--optimizer <name>', 'sgd | adam | adamw | rmsprop | adagrad', 'adam')
    .option('--lr <rate>', 'learning rate (default: adam 1e-3 for mlp, 3e-3 for conv models; sgd 0.05)', float('--lr'))
    .option('--momentum <m>', 'SGD momentum (default 0.9)', float('--momentum'))
    .option('--weight-decay <wd>', 'weight decay', float('--weight-decay'))
    .option('--scheduler <name>', 'none | step | cosine | plateau | onecycle', 'cosine')
    .option('-s, --seed <n>', 'random seed (weights, split, shuffling, dropout)', int('--seed'), 0)
    .option('--val-fraction <f>', 'fraction of the training data held out for validation', float('--val-fraction'), 0.1)
    .option(
      '--early-stopping [patience]',
      'stop when the validation loss stops improving (default patience 3), keep the best weights',
      int('--early-stopping'),
    )
    .option('--augment <pixels>', 'images: random shifts of up to this many pixels (default 1 for mnist, 0 otherwise)', int('--augment'))
    .option('--limit <n>', 'use only n training samples (quick experiments)', int('--limit'))
    .option('--backend <name>', 'auto | wasm | js | webgpu')
    .option('--no-progress', 'no progress output')
    .option('-o, --out <dir>', 'output folder', 'backprop-run')
    .option(
      '--resume <checkpoint>',
      'continue a run from its checkpoint (OUT/checkpoint.ckpt, written every epoch); same flags, --epochs is the total',
    )
    .action(async (o) => {
      await (await app()).train({ ...o, dataset: o.dataset, model: o.model }, out);
    });

  p.command('evaluate')
    .description('evaluate a trained model (the folder written by train) on a dataset')
    .requiredOption('-m, --model <dir>', 'folder with model.json and model.safetensors')
    .option('-d, --dataset <name|file|dir>', 'dataset (default: the one it was trained on, for mnist / fashion-mnist)')
    .option('-t, --target <column>', 'CSV: the target column (default: as in training)')
    .option('--confusion-matrix <file.svg>', 'also write a confusion-matrix plot')
    .option('--backend <name>', 'auto | wasm | js | webgpu')
    .action(async (o) => {
      await (await app()).evaluateCmd(o, out);
    });

  p.command('predict')
    .description('predict CSV rows or image files with a trained model; prints CSV')
    .requiredOption('-m, --model <dir>', 'folder with model.json and model.safetensors')
    .argument('<inputs...>', 'CSV files (one prediction per row) or PNG/JPEG images')
    .option('-k, --top <k>', 'top-k classes per input', int('--top'), 1)
    .option('--invert', 'images: invert (dark digit on light paper → MNIST style)')
    .option('--backend <name>', 'auto | wasm | js | webgpu')
    .action(async (inputs: string[], o) => {
      await (await app()).predictCmd({ ...o, inputs }, out);
    });

  p.command('info')
    .description('show the compute backend, and a model summary (layers, output shapes, parameter counts)')
    .option('-m, --model <name|dir|spec.json>', 'a zoo model, a trained model folder or a JSON spec')
    .option('--input-shape <shape>', 'input shape without the batch dim, e.g. 1,28,28 (zoo/spec models)')
    .option('--classes <n>', 'number of outputs (zoo/spec models)', int('--classes'))
    .option('--backend <name>', 'auto | wasm | js')
    .action(async (o) => {
      await (await app()).infoCmd(o, out);
    });

  p.command('export')
    .description('export a trained model to ONNX, or to PyTorch (model.py, weights, a torchrun DDP training script)')
    .requiredOption('-m, --model <dir>', 'folder with model.json and model.safetensors')
    .option('--onnx <file>', 'write an ONNX model')
    .option('--opset <n>', 'ONNX opset', int('--opset'))
    .option('--pytorch <dir>', 'write model.py, model.safetensors, train_ddp.py, README.md and data/ for PyTorch')
    .action(async (o) => {
      if (o.pytorch) await (await import('./pytorch.js')).exportPyTorch(o.model, o.pytorch, out);
      if (o.onnx || !o.pytorch) await (await app()).exportCmd(o, out);
    });

  p.command('import')
    .description('import an ONNX model and check that it runs; or, with --safetensors, load weights trained in PyTorch into a model folder')
    .argument('[file.onnx]', 'ONNX model')
    .option('--input-shape <shape>', 'run a zero batch of this shape (with the batch dim), e.g. 1,1,28,28')
    .option('--safetensors <file>', 'weights to load into --model (e.g. trained.safetensors from train_ddp.py)')
    .option('-m, --model <dir>', 'with --safetensors: the model folder whose model.safetensors is replaced')
    .action(async (file: string | undefined, o) => {
      if (o.safetensors || o.model) {
        const { CliError } = await app();
        if (!o.safetensors || !o.model || file) throw new CliError('import --safetensors FILE --model DIR (both, and no ONNX file)', 2);
        return void (await (await import('./pytorch.js')).importSafetensors(o.safetensors, o.model, out));
      }
      if (!file) throw new (await app()).CliError('import needs an ONNX file, or --safetensors FILE --model DIR', 2);
      await (await app()).importCmd(file, o, out);
    });
  return p;
}

/**
 * Run the CLI on `argv` (process.argv layout) and return the exit code: 0 on success, 2 for usage
 * errors, 1 for bad data/files/models, 70 for internal errors. Failures write exactly one line
 * `backprop: error: …` through `io.err`.
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const p = program(io);
  const fail = (message: string, code: number): number => {
    io.err(`backprop: error: ${message.replace(/\s*\n\s*/g, ' ').trim()}`);
    return code;
  };
  try {
    await p.parseAsync(argv);
    return 0;
  } catch (e) {
    if (process.env.BACKPROP_DEBUG) console.error(e);
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      const msg = e.message.replace(/^error:\s*/, '');
      return fail(
        `${msg}${e.code === 'commander.unknownCommand' || e.code === 'commander.unknownOption' ? ' (see backprop --help)' : ''}`,
        2,
      );
    }
    const { CliError } = await app();
    if (e instanceof CliError) return fail(e.message, e.exitCode);
    if (e instanceof BackpropError) return fail(e.message, 1);
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.path) return fail(`${err.code}: ${err.path}`, 1);
    return fail(`internal error: ${err?.message ?? String(e)} (set BACKPROP_DEBUG=1 for details)`, 70);
  }
}
