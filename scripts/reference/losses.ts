/** Reference runners for losses.json cases, keyed by the case's `fn`. */
import { nn, type Tensor } from '../../src/index.js';
import type { RefCase, Registry } from './types.js';
import { caseInputs, kw, resolveArg, standardChecks } from './util.js';

const F = nn.functional;

type Inputs = Record<string, Tensor>;

/** input/target from args; optional tensors from kwargs. */
function prep(c: RefCase): { inputs: Inputs; a: Tensor[]; opt: (k: string) => Tensor | null } {
  const inputs = caseInputs(c);
  const a = c.args.map((x) => resolveArg(x, inputs) as Tensor);
  const opt = (k: string): Tensor | null => (k in c.kwargs ? (resolveArg(c.kwargs[k], inputs) as Tensor | null) : null);
  return { inputs, a, opt };
}

type Red = 'none' | 'mean' | 'sum';

export const registry: Registry = {
  'torch.nn.functional.mse_loss': (c) => {
    const { inputs, a } = prep(c);
    return standardChecks(c, inputs, F.mseLoss(a[0]!, a[1]!, { reduction: kw<Red>(c, 'reduction', 'mean') }));
  },
  'torch.nn.functional.l1_loss': (c) => {
    const { inputs, a } = prep(c);
    return standardChecks(c, inputs, F.l1Loss(a[0]!, a[1]!, { reduction: kw<Red>(c, 'reduction', 'mean') }));
  },
  'torch.nn.functional.smooth_l1_loss': (c) => {
    const { inputs, a } = prep(c);
    return standardChecks(c, inputs, F.smoothL1Loss(a[0]!, a[1]!, { reduction: kw<Red>(c, 'reduction', 'mean'), beta: kw(c, 'beta', 1) }));
  },
  'torch.nn.functional.huber_loss': (c) => {
    const { inputs, a } = prep(c);
    return standardChecks(c, inputs, F.huberLoss(a[0]!, a[1]!, { reduction: kw<Red>(c, 'reduction', 'mean'), delta: kw(c, 'delta', 1) }));
  },
  'torch.nn.functional.binary_cross_entropy': (c) => {
    const { inputs, a, opt } = prep(c);
    return standardChecks(
      c,
      inputs,
      F.binaryCrossEntropy(a[0]!, a[1]!, { reduction: kw<Red>(c, 'reduction', 'mean'), weight: opt('weight') }),
    );
  },
  'torch.nn.functional.binary_cross_entropy_with_logits': (c) => {
    const { inputs, a, opt } = prep(c);
    return standardChecks(
      c,
      inputs,
      F.binaryCrossEntropyWithLogits(a[0]!, a[1]!, {
        reduction: kw<Red>(c, 'reduction', 'mean'),
        weight: opt('weight'),
        posWeight: opt('pos_weight'),
      }),
    );
  },
  'torch.nn.functional.cross_entropy': (c) => {
    const { inputs, a, opt } = prep(c);
    return standardChecks(
      c,
      inputs,
      F.crossEntropy(a[0]!, a[1]!, {
        reduction: kw<Red>(c, 'reduction', 'mean'),
        weight: opt('weight'),
        ignoreIndex: kw(c, 'ignore_index', -100),
        labelSmoothing: kw(c, 'label_smoothing', 0),
      }),
    );
  },
  'torch.nn.functional.nll_loss': (c) => {
    const { inputs, a, opt } = prep(c);
    return standardChecks(
      c,
      inputs,
      F.nllLoss(a[0]!, a[1]!, {
        reduction: kw<Red>(c, 'reduction', 'mean'),
        weight: opt('weight'),
        ignoreIndex: kw(c, 'ignore_index', -100),
      }),
    );
  },
  'torch.nn.functional.kl_div': (c) => {
    const { inputs, a } = prep(c);
    return standardChecks(
      c,
      inputs,
      F.klDiv(a[0]!, a[1]!, { reduction: kw<Red | 'batchmean'>(c, 'reduction', 'mean'), logTarget: kw(c, 'log_target', false) }),
    );
  },
  'torch.nn.functional.cosine_similarity': (c) => {
    const { inputs, a } = prep(c);
    return standardChecks(c, inputs, F.cosineSimilarity(a[0]!, a[1]!, kw(c, 'dim', 1), kw(c, 'eps', 1e-8)));
  },
  'torch.nn.functional.hinge_embedding_loss': (c) => {
    const { inputs, a } = prep(c);
    return standardChecks(
      c,
      inputs,
      F.hingeEmbeddingLoss(a[0]!, a[1]!, { reduction: kw<Red>(c, 'reduction', 'mean'), margin: kw(c, 'margin', 1) }),
    );
  },
};
