/**
 * 15. word2vec, CBOW flavour (Mikolov et al., 2013): predict a word from the average embedding of
 * the two words on each side. Trained on a small corpus shipped with the repo
 * (examples/data/village-corpus.txt: 640 sentences composed from simple patterns — royals and
 * villagers, men and women, young and old, animals and food), so that words used in the same
 * contexts (king/queen, cat/dog) end up close, and gender and status become directions.
 * Stated results: cat and dog are mutual nearest neighbours (cosine); the analogy
 * man : woman :: king : ? has queen among its top 3 answers (the three query words excluded).
 *
 *   npx tsx examples/15-word2vec-cbow.ts --full
 */
import { readFileSync } from 'node:fs';
import { data, manualSeed, nn, optim, tensor, type Tensor } from '../src/index.js';
import { claim, f, runIfMain, type RunOptions } from './lib.js';

class CBOW extends nn.Module {
  emb: nn.Embedding;
  out: nn.Linear;
  constructor(vocab: number, dim: number) {
    super();
    this.emb = new nn.Embedding(vocab, dim);
    this.out = new nn.Linear(dim, vocab);
  }
  forward(context: Tensor): Tensor {
    // context: int32 [N, 4] → logits [N, vocab]
    return this.out.call(this.emb.call(context).mean(1));
  }
}

export async function run({ fast }: RunOptions) {
  manualSeed(0);
  const sentences = readFileSync(new URL('./data/village-corpus.txt', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((s) => s.split(' '));
  const vocab = [...new Set(sentences.flat())].sort();
  const id = new Map(vocab.map((w, i) => [w, i]));
  const contexts: number[][] = [];
  const centres: number[] = [];
  for (const s of sentences) {
    const pad = ['<s>', '<s>', ...s, '</s>', '</s>'].map((w) => id.get(w) ?? -1);
    for (let i = 2; i < pad.length - 2; i++) {
      contexts.push([pad[i - 2]!, pad[i - 1]!, pad[i + 1]!, pad[i + 2]!].map((c) => (c < 0 ? vocab.length : c))); // padding id = V
      centres.push(pad[i]!);
    }
  }
  const model = new CBOW(vocab.length + 1, 24);
  const opt = new optim.Adam(model.parameters(), { lr: 5e-3 });
  const lossFn = new nn.CrossEntropyLoss();
  const loader = new data.DataLoader(new data.TensorDataset(tensor(contexts, { dtype: 'int32' }), tensor(centres, { dtype: 'int32' })), {
    batchSize: 128,
    shuffle: true,
    seed: 1,
  });
  const epochs = fast ? 40 : 100;
  let last = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let [sum, n] = [0, 0];
    for (const [ctx, centre] of loader) {
      opt.zeroGrad();
      const loss = lossFn.call(model.call(ctx!), centre!);
      loss.backward();
      opt.step();
      [sum, n] = [sum + loss.item(), n + 1];
    }
    last = sum / n;
  }
  // Unit-length word vectors; cosine similarity is a dot product.
  const W = model.emb.weight.detach().narrow(0, 0, vocab.length);
  const E = W.div(W.square().sum(1, true).sqrt());
  const vec = (w: string) => E.select(0, id.get(w)!);
  const nearest = (v: Tensor, k: number, exclude: string[] = []) => {
    const sims = E.matmul(v.div(v.square().sum().sqrt())).dataSync();
    return vocab
      .map((w, i) => ({ w, s: sims[i]! }))
      .filter((e) => !exclude.includes(e.w))
      .sort((a, b) => b.s - a.s)
      .slice(0, k);
  };
  for (const w of ['king', 'queen', 'woman', 'dog', 'apple'])
    console.log(
      `  ${w.padEnd(6)} → ${nearest(vec(w), 4, [w])
        .map((e) => `${e.w} (${f(e.s, 2)})`)
        .join(', ')}`,
    );
  const analogy = nearest(vec('king').sub(vec('man')).add(vec('woman')), 3, ['king', 'man', 'woman']);
  console.log(`  king − man + woman → ${analogy.map((e) => `${e.w} (${f(e.s, 2)})`).join(', ')}`);
  const [cd, dc] = [nearest(vec('cat'), 1, ['cat'])[0]!.w, nearest(vec('dog'), 1, ['dog'])[0]!.w];
  return {
    metrics: { final_loss: last, vocab: vocab.length, analogy_top3: analogy.map((e) => e.w).join('/') },
    claims: [
      claim('cat and dog are mutual nearest neighbours', cd === 'dog' && dc === 'cat', `cat → ${cd}; dog → ${dc}`),
      claim(
        'man : woman :: king : ? has queen in the top 3',
        analogy.some((e) => e.w === 'queen'),
        `king − man + woman → ${analogy.map((e) => e.w).join(', ')}`,
      ),
    ],
  };
}

await runIfMain(import.meta.url, run);
