/** MultiheadAttention and TransformerEncoderLayer, with PyTorch's parameter names and semantics. */
import { checkOptionKeys } from '../../core/options.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { defaultRng, type Rng } from '../../core/rng.js';
import { zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module, Parameter } from '../module.js';
import { ModuleList } from '../containers.js';
import { Dropout } from './activation.js';
import { checkPosInt, checkProb, type InitOptions } from './common.js';
import { Linear } from './linear.js';
import { LayerNorm } from './norm.js';

export interface MultiheadAttentionOptions extends InitOptions {
  /** Dropout on the attention weights (training mode only). */
  dropout?: number;
  bias?: boolean;
  /** Inputs and output are [N, L, E] instead of [L, N, E]. */
  batchFirst?: boolean;
  /** Feature size of key (default E). When kdim or vdim ≠ E, separate q/k/v projection weights are used. */
  kdim?: number;
  /** Feature size of value (default E). */
  vdim?: number;
  /** Learned biases `bias_k`, `bias_v` [1, 1, E] appended to the projected keys and values as one more source position. */
  addBiasKv?: boolean;
  /** Append a zero key and value (one more source position) after the projection and split into heads. */
  addZeroAttn?: boolean;
}

/** Per-call options of `MultiheadAttention.forward`; unknown keys throw a `ValueError`. */
export interface MultiheadAttentionForwardOptions {
  /** Shape `[N, S]`: true (or −inf) marks keys to ignore (padding). */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·heads, L, S]: true (or −inf) marks disallowed positions; a float mask is added. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true) → [N, L, S]; else [N, heads, L, S]. */
  averageAttnWeights?: boolean;
  /** Apply a causal mask (position i attends to j ≤ i); combined with attnMask if both are given. */
  isCausal?: boolean;
}

/**
 * Multi-head attention (Vaswani et al. 2017), PyTorch's `nn.MultiheadAttention`.
 * query [L, N, E], key/value [S, N, E] ([N, L, E] with batchFirst; unbatched [L, E] also accepted)
 * → [output like query, weights [N, L, S] averaged over heads | [N, heads, L, S] | null].
 * Parameters: `in_proj_weight` [3E, E] = [W_q; W_k; W_v] (Xavier-uniform), `in_proj_bias` [3E] (zeros),
 * `out_proj.weight` [E, E] (Linear default), `out_proj.bias` [E] (zeros). With `kdim`/`vdim` ≠ E (key and
 * value of other feature sizes), `q_proj_weight` [E, E], `k_proj_weight` [E, kdim] and
 * `v_proj_weight` [E, vdim] (each Xavier-uniform) replace `in_proj_weight`, as in PyTorch.
 */
export class MultiheadAttention extends Module {
  static readonly displayName = 'MultiheadAttention';
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly kdim: number;
  readonly vdim: number;
  /** Whether a zero key/value position is appended (PyTorch's `add_zero_attn`). */
  readonly addZeroAttn: boolean;
  /** Generator for attention dropout (default: the global one at call time). */
  rng: Rng | null = null;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    const who = 'MultiheadAttention';
    checkOptionKeys(who, opts, {
      dropout: true,
      bias: true,
      batchFirst: true,
      kdim: true,
      vdim: true,
      addBiasKv: true,
      addZeroAttn: true,
      rng: true,
    });
    this.embedDim = checkPosInt(embedDim, 'embedDim', who);
    this.numHeads = checkPosInt(numHeads, 'numHeads', who);
    if (embedDim % numHeads) throw new ValueError(`${who}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.headDim = embedDim / numHeads;
    this.dropout = checkProb(opts.dropout ?? 0, who);
    this.batchFirst = opts.batchFirst ?? false;
    const rng = opts.rng ?? defaultRng();
    const bias = opts.bias ?? true;
    this.kdim = checkPosInt(opts.kdim ?? embedDim, 'kdim', who);
    this.vdim = checkPosInt(opts.vdim ?? embedDim, 'vdim', who);
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.registerParameter('in_proj_weight', new Parameter(zeros(3 * embedDim, embedDim)));
    } else {
      this.registerParameter('q_proj_weight', new Parameter(zeros(embedDim, embedDim)));
      this.registerParameter('k_proj_weight', new Parameter(zeros(embedDim, this.kdim)));
      this.registerParameter('v_proj_weight', new Parameter(zeros(embedDim, this.vdim)));
    }
    this.registerParameter('in_proj_bias', bias ? new Parameter(zeros(3 * embedDim)) : null);
    this.addZeroAttn = opts.addZeroAttn ?? false;
    if (opts.addBiasKv) {
      this.registerParameter('bias_k', new Parameter(zeros(1, 1, embedDim)));
      this.registerParameter('bias_v', new Parameter(zeros(1, 1, embedDim)));
    }
    const outProj = this.registerModule('out_proj', new Linear(embedDim, embedDim, { bias, rng }));
    for (const name of ['in_proj_weight', 'q_proj_weight', 'k_proj_weight', 'v_proj_weight']) {
      const w = this.ownParameter(name);
      if (w) init.xavierUniform_(w, 1, rng);
    }
    if (outProj.bias) init.zeros_(outProj.bias);
    for (const name of ['bias_k', 'bias_v']) {
      const b = this.ownParameter(name);
      if (b) init.xavierNormal_(b, 1, rng);
    }
  }

  /** `in_proj_weight` [3E, E] (null when kdim/vdim ≠ E). */
  get inProjWeight(): Parameter | null {
    return this.ownParameter('in_proj_weight');
  }
  /** `q_proj_weight` [E, E], `k_proj_weight` [E, kdim], `v_proj_weight` [E, vdim] (only when kdim/vdim ≠ E). */
  get qProjWeight(): Parameter | null {
    return this.ownParameter('q_proj_weight');
  }
  get kProjWeight(): Parameter | null {
    return this.ownParameter('k_proj_weight');
  }
  get vProjWeight(): Parameter | null {
    return this.ownParameter('v_proj_weight');
  }
  /** `in_proj_bias` [3E] or null. */
  get inProjBias(): Parameter | null {
    return this.ownParameter('in_proj_bias');
  }
  /** `out_proj`: Linear(E, E). */
  get outProj(): Linear {
    return this.ownModule('out_proj') as Linear;
  }

  private describe(): string {
    return `MultiheadAttention(embed_dim=${this.embedDim}, num_heads=${this.numHeads})`;
  }

  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const who = this.describe();
    checkOptionKeys(`${who}.forward`, opts, {
      keyPaddingMask: true,
      needWeights: true,
      attnMask: true,
      averageAttnWeights: true,
      isCausal: true,
    });
    for (const [n, t, f, fname] of [
      ['query', query, this.embedDim, 'E'],
      ['key', key, this.kdim, this.kdim === this.embedDim ? 'E' : 'kdim'],
      ['value', value, this.vdim, this.vdim === this.embedDim ? 'E' : 'vdim'],
    ] as const) {
      if ((t.ndim !== 2 && t.ndim !== 3) || t.shape[t.ndim - 1] !== f)
        throw new ShapeError(
          `${who}: expected ${n} ${this.batchFirst ? `[N, ${n === 'query' ? 'L' : 'S'}, ${fname}]` : `[${n === 'query' ? 'L' : 'S'}, N, ${fname}]`} with ${fname} = ${f} (or unbatched), got ${fmtShape(t.shape)}`,
          'E_ATTENTION_SHAPE',
        );
      if (!t.isFloatingPoint()) throw new DTypeError(`${who}: ${n} must be floating point, got ${t.dtype}`);
    }
    if (query.ndim !== key.ndim || key.ndim !== value.ndim)
      throw new ShapeError(
        `${who}: query, key and value must all be batched or all unbatched, got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`,
        'E_ATTENTION_SHAPE',
      );
    const unbatched = query.ndim === 2;
    const toSeqFirst = (t: Tensor) => (unbatched ? t.unsqueeze(1) : this.batchFirst ? t.transpose(0, 1) : t);
    const q = toSeqFirst(query);
    const k = toSeqFirst(key);
    const v = toSeqFirst(value);
    const [L, N] = q.shape as [number, number];
    const S = k.shape[0]!;
    if (k.shape[1] !== N || v.shape[1] !== N || v.shape[0] !== S)
      throw new ShapeError(
        `${who}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same length and the batch size of query ${fmtShape(query.shape)}`,
        'E_ATTENTION_SHAPE',
      );
    let kpm = opts.keyPaddingMask ?? null;
    if (kpm && unbatched) kpm = kpm.ndim === 1 ? kpm.unsqueeze(0) : kpm;
    let attnMask = opts.attnMask ?? null;
    if (opts.isCausal) {
      const a = new Uint8Array(L * S);
      for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) a[i * S + j] = 1;
      const causal = q.newTensor(a, [L, S], 'bool');
      attnMask = attnMask
        ? attnMask.dtype === 'bool'
          ? attnMask.logicalOr(causal)
          : attnMask.add(causal.ifElse(-Infinity, 0).to(attnMask.dtype))
        : causal;
    }
    const [out, w] = F.multiHeadAttentionForward(q, k, v, {
      numHeads: this.numHeads,
      inProjWeight: this.inProjWeight,
      qProjWeight: this.qProjWeight,
      kProjWeight: this.kProjWeight,
      vProjWeight: this.vProjWeight,
      inProjBias: this.inProjBias,
      outProjWeight: this.outProj.weight,
      outProjBias: this.outProj.bias,
      biasK: this.ownParameter('bias_k'),
      biasV: this.ownParameter('bias_v'),
      addZeroAttn: this.addZeroAttn,
      keyPaddingMask: kpm,
      attnMask,
      needWeights: opts.needWeights ?? true,
      averageAttnWeights: opts.averageAttnWeights ?? true,
      dropoutP: this.dropout,
      training: this.training,
      rng: this.rng ?? defaultRng(),
    });
    const o = unbatched ? out.squeeze(1) : this.batchFirst ? out.transpose(0, 1) : out;
    return [o, w && unbatched ? w.squeeze(0) : w];
  }
}

export interface TransformerEncoderLayerOptions extends InitOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: 'relu' | 'gelu';
  layerNormEps?: number;
  batchFirst?: boolean;
  /** Pre-norm (LayerNorm before each block) instead of PyTorch's default post-norm. */
  normFirst?: boolean;
  bias?: boolean;
}

/**
 * One Transformer encoder block (PyTorch's `nn.TransformerEncoderLayer`): self-attention and a
 * feed-forward network (linear1 → activation → dropout → linear2), each with dropout and a residual
 * connection, and LayerNorm after (default) or before (`normFirst`) each.
 * src [S, N, E] ([N, S, E] with batchFirst) → same shape.
 */
export class TransformerEncoderLayer extends Module {
  static readonly displayName = 'TransformerEncoderLayer';
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly activation: 'relu' | 'gelu';

  constructor(dModel: number, nhead: number, opts: TransformerEncoderLayerOptions = {}) {
    super();
    checkOptionKeys('TransformerEncoderLayer', opts, {
      dimFeedforward: true,
      dropout: true,
      activation: true,
      layerNormEps: true,
      batchFirst: true,
      normFirst: true,
      bias: true,
      rng: true,
    });
    const rng = opts.rng ?? defaultRng();
    const p = checkProb(opts.dropout ?? 0.1, 'TransformerEncoderLayer');
    const ff = checkPosInt(opts.dimFeedforward ?? 2048, 'dimFeedforward', 'TransformerEncoderLayer');
    const act = opts.activation ?? 'relu';
    if (act !== 'relu' && act !== 'gelu')
      throw new ValueError(`TransformerEncoderLayer: activation should be 'relu' or 'gelu', not '${String(act)}'`);
    const eps = opts.layerNormEps ?? 1e-5;
    const bias = opts.bias ?? true;
    this.dModel = dModel;
    this.nhead = nhead;
    this.normFirst = opts.normFirst ?? false;
    this.activation = act;
    this.registerModule(
      'self_attn',
      new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: opts.batchFirst ?? false, rng }),
    );
    this.registerModule('linear1', new Linear(dModel, ff, { bias, rng }));
    this.registerModule('dropout', new Dropout(p));
    this.registerModule('linear2', new Linear(ff, dModel, { bias, rng }));
    this.registerModule('norm1', new LayerNorm(dModel, { eps, bias }));
    this.registerModule('norm2', new LayerNorm(dModel, { eps, bias }));
    this.registerModule('dropout1', new Dropout(p));
    this.registerModule('dropout2', new Dropout(p));
  }

  get selfAttn(): MultiheadAttention {
    return this.ownModule('self_attn') as MultiheadAttention;
  }
  get linear1(): Linear {
    return this.ownModule('linear1') as Linear;
  }
  get linear2(): Linear {
    return this.ownModule('linear2') as Linear;
  }
  get norm1(): LayerNorm {
    return this.ownModule('norm1') as LayerNorm;
  }
  get norm2(): LayerNorm {
    return this.ownModule('norm2') as LayerNorm;
  }
  private drop(name: 'dropout' | 'dropout1' | 'dropout2'): Dropout {
    return this.ownModule(name) as Dropout;
  }

  /** Set the generator of every dropout inside (masks are otherwise drawn from the global one). */
  setRng(rng: Rng): this {
    for (const m of this.modules()) if (m instanceof Dropout || m instanceof MultiheadAttention) m.rng = rng;
    return this;
  }

  forward(src: Tensor, opts: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean } = {}): Tensor {
    checkOptionKeys('TransformerEncoderLayer.forward', opts, { srcMask: true, srcKeyPaddingMask: true, isCausal: true });
    const sa = (x: Tensor) =>
      this.drop('dropout1').call(
        this.selfAttn.call(x, x, x, {
          attnMask: opts.srcMask ?? null,
          keyPaddingMask: opts.srcKeyPaddingMask ?? null,
          needWeights: false,
          isCausal: opts.isCausal ?? false,
        })[0],
      );
    const ffBlock = (x: Tensor) => {
      const h = this.linear1.call(x);
      return this.drop('dropout2').call(this.linear2.call(this.drop('dropout').call(this.activation === 'relu' ? h.relu() : h.gelu())));
    };
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.call(x)));
      x = x.add(ffBlock(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(sa(x)));
      x = this.norm2.call(x.add(ffBlock(x)));
    }
    return x;
  }

  override extraRepr(): string {
    return '';
  }
}

/**
 * A stack of encoder layers (PyTorch's `nn.TransformerEncoder`), state-dict keys `layers.0.…`, and an
 * optional final `norm`. PyTorch deep-copies one layer; here a factory builds each layer (so each gets
 * its own initial weights): `new TransformerEncoder(() => new TransformerEncoderLayer(64, 4), 6)`.
 */
export class TransformerEncoder extends Module {
  static readonly displayName = 'TransformerEncoder';
  readonly numLayers: number;
  layers: ModuleList;
  norm: Module | null;

  constructor(makeLayer: (index: number) => TransformerEncoderLayer, numLayers: number, opts: { norm?: Module | null } = {}) {
    super();
    checkOptionKeys('TransformerEncoder', opts, { norm: true });
    if (typeof makeLayer !== 'function')
      throw new ValueError('TransformerEncoder: the first argument must be a factory () => new TransformerEncoderLayer(...)');
    this.numLayers = checkPosInt(numLayers, 'numLayers', 'TransformerEncoder');
    this.layers = new ModuleList(Array.from({ length: numLayers }, (_, i) => makeLayer(i)));
    this.norm = opts.norm ?? null;
  }

  /** src [S, N, E] ([N, S, E] with batchFirst layers) → same shape. */
  forward(src: Tensor, opts: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean } = {}): Tensor {
    checkOptionKeys('TransformerEncoder.forward', opts, { mask: true, srcKeyPaddingMask: true, isCausal: true });
    let x = src;
    for (const layer of this.layers)
      x = (layer as TransformerEncoderLayer).call(x, {
        srcMask: opts.mask ?? null,
        srcKeyPaddingMask: opts.srcKeyPaddingMask ?? null,
        isCausal: opts.isCausal ?? false,
      });
    return this.norm ? (this.norm.call(x) as Tensor) : x;
  }
}
