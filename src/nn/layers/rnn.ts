/**
 * Recurrent layers: RNN, LSTM, GRU (multi-layer, batchFirst, bidirectional) and their single-step
 * cells, with PyTorch's parameter names, layouts and gate orders:
 * `weight_ih_l{k}[_reverse]` [gates·H, in], `weight_hh_l{k}[_reverse]` [gates·H, H], `bias_ih_l{k}`,
 * `bias_hh_l{k}` [gates·H]; LSTM gates i, f, g, o; GRU gates r, z, n. Every weight and bias starts at
 * U(±1/√H).
 */
import { checkOptionKeys, optionKeys } from '../../core/options.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { defaultRng, type Rng } from '../../core/rng.js';
import { zeros } from '../../tensor/creation.js';
import { cat, stack } from '../../tensor/functional.js';
import { Tensor } from '../../tensor/tensor.js';
import * as F from '../functional.js';
import { PackedSequence, packLike, padPackedSequence } from '../rnn-utils.js';
import * as init from '../init.js';
import { Module, Parameter } from '../module.js';
import { checkPosInt, pyFloat, type InitOptions } from './common.js';

/** The recurrence of an `RNNBase` layer (PyTorch's mode strings): Elman RNN with tanh or ReLU, LSTM, or GRU. */
export type Mode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

const gateCount = (mode: Mode) => (mode === 'LSTM' ? 4 : mode === 'GRU' ? 3 : 1);

// ---------------------------------------------------------------- one time step (the math)

/** h' = act(x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ), given xp = x Wᵢₕᵀ + bᵢₕ. */
function rnnStep(xp: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | null, relu: boolean): Tensor {
  const pre = xp.add(F.linear(h, wHh, bHh));
  return relu ? pre.relu() : pre.tanh();
}

/**
 * LSTM: i, f, g, o = σ, σ, tanh, σ of (xp + h Wₕₕᵀ + bₕₕ); c' = f·c + i·g; h' = o·tanh(c'), projected
 * h' = (o·tanh(c')) W_hrᵀ when the layer has `projSize`.
 */
function lstmStep(xp: Tensor, h: Tensor, c: Tensor, wHh: Tensor, bHh: Tensor | null, wHr: Tensor | null = null): [Tensor, Tensor] {
  const [gi, gf, gg, go] = xp.add(F.linear(h, wHh, bHh)).chunk(4, -1) as [Tensor, Tensor, Tensor, Tensor];
  const c2 = gf.sigmoid().mul(c).add(gi.sigmoid().mul(gg.tanh()));
  const h2 = go.sigmoid().mul(c2.tanh());
  return [wHr ? F.linear(h2, wHr) : h2, c2];
}

/** GRU: r, z = σ(xpᵣ + hpᵣ), σ(xp_z + hp_z); n = tanh(xpₙ + r·hpₙ); h' = (1 − z)·n + z·h. */
function gruStep(xp: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | null): Tensor {
  const [ir, iz, inn] = xp.chunk(3, -1) as [Tensor, Tensor, Tensor];
  const [hr, hz, hn] = F.linear(h, wHh, bHh).chunk(3, -1) as [Tensor, Tensor, Tensor];
  const r = ir.add(hr).sigmoid();
  const z = iz.add(hz).sigmoid();
  const n = inn.add(r.mul(hn)).tanh();
  return n.add(z.mul(h.sub(n)));
}

// ---------------------------------------------------------------- the multi-layer modules

export interface RNNOptions extends InitOptions {
  numLayers?: number;
  bias?: boolean;
  /** Inputs and outputs are [B, T, F] instead of [T, B, F]. */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last (training mode only). */
  dropout?: number;
  bidirectional?: boolean;
}

export interface LSTMOptions extends RNNOptions {
  /** LSTM with projections (Sak et al. 2014): h = (o·tanh(c)) W_hrᵀ of size projSize < hiddenSize (0: none). */
  projSize?: number;
}

/** Options of `RNN`: `RNNOptions` and the nonlinearity, 'tanh' (default) or 'relu'. */
export type RNNModuleOptions = RNNOptions & { nonlinearity?: 'tanh' | 'relu' };
const RNN_KEYS = optionKeys<RNNModuleOptions>()({
  numLayers: true,
  bias: true,
  batchFirst: true,
  dropout: true,
  bidirectional: true,
  rng: true,
  nonlinearity: true,
});
const LSTM_KEYS = optionKeys<LSTMOptions>()({
  numLayers: true,
  bias: true,
  batchFirst: true,
  dropout: true,
  bidirectional: true,
  rng: true,
  projSize: true,
});
const GRU_KEYS = optionKeys<RNNOptions>()({ numLayers: true, bias: true, batchFirst: true, dropout: true, bidirectional: true, rng: true });

abstract class RNNBase extends Module {
  readonly mode: Mode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** LSTM only: the size of the projected hidden state h (0: no projection). */
  readonly projSize: number;
  /** Generator for the inter-layer dropout masks (default: the global one at call time). */
  rng: Rng | null;

  constructor(mode: Mode, inputSize: number, hiddenSize: number, opts: LSTMOptions) {
    super();
    const who = this.typeName;
    checkOptionKeys(who, opts, mode === 'LSTM' ? LSTM_KEYS : mode === 'GRU' ? GRU_KEYS : RNN_KEYS);
    this.mode = mode;
    this.inputSize = checkPosInt(inputSize, 'inputSize', who);
    this.hiddenSize = checkPosInt(hiddenSize, 'hiddenSize', who);
    this.numLayers = checkPosInt(opts.numLayers ?? 1, 'numLayers', who);
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1))
      throw new ValueError(`${who}: dropout should be a number in [0, 1], got ${this.dropout}`);
    this.bidirectional = opts.bidirectional ?? false;
    this.rng = null;
    this.projSize = checkPosInt(opts.projSize ?? 0, 'projSize', who, true);
    if (this.projSize >= hiddenSize)
      throw new ValueError(`${who}: projSize (${this.projSize}) has to be smaller than hiddenSize (${hiddenSize})`);
    const g = gateCount(mode);
    const H = hiddenSize;
    const R = this.outSize;
    const rng = opts.rng ?? defaultRng();
    const bound = 1 / Math.sqrt(H);
    for (let l = 0; l < this.numLayers; l++)
      for (let d = 0; d < this.numDirections; d++) {
        const inF = l === 0 ? inputSize : R * this.numDirections;
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const shapes: [string, number[]][] = [
          [`weight_ih${sfx}`, [g * H, inF]],
          [`weight_hh${sfx}`, [g * H, R]],
        ];
        if (this.bias) shapes.push([`bias_ih${sfx}`, [g * H]], [`bias_hh${sfx}`, [g * H]]);
        if (this.projSize > 0) shapes.push([`weight_hr${sfx}`, [this.projSize, H]]);
        for (const [name, shape] of shapes)
          this.registerParameter(name, init.uniform_(new Parameter(zeros(shape)), -bound, bound, rng) as Parameter);
      }
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * `call()` for a PackedSequence (PyTorch's `rnn(packed)`), typed: the output is packed like the
   * input; the final state is in the original batch order, taken at each sequence's own last step.
   */
  callPacked(input: PackedSequence, state: Tensor | readonly [Tensor, Tensor] | null = null): [PackedSequence, Tensor | [Tensor, Tensor]] {
    if (!(input instanceof PackedSequence))
      throw new ValueError(`${this.describe()}.callPacked: expected a PackedSequence (from nn.packPaddedSequence)`);
    return (this.call as unknown as (...a: unknown[]) => [PackedSequence, Tensor | [Tensor, Tensor]]).call(this, input, state);
  }

  /** Size of h (and of each direction's output features): projSize, or hiddenSize without projection. */
  get outSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /** The layer as printed in error messages, e.g. `LSTM(8, 16)`. */
  protected describe(): string {
    return `${this.typeName}(${this.inputSize}, ${this.hiddenSize})`;
  }

  /**
   * Validate the input and the initial state; returns x as [B, T, I], whether it was unbatched, and
   * for a PackedSequence the sequence lengths (batch order) and the layout to pack the output with.
   */
  protected prepare(
    input: Tensor | PackedSequence,
    states: (Tensor | null)[],
  ): { x: Tensor; unbatched: boolean; states: Tensor[]; lengths: number[] | null; packed: PackedSequence | null } {
    const who = this.describe();
    let packed: PackedSequence | null = null;
    let lengths: number[] | null = null;
    if (input instanceof PackedSequence) {
      packed = input;
      lengths = input.lengths();
      return this.prepareTensor(padPackedSequence(input, { batchFirst: this.batchFirst })[0], states, lengths, packed);
    }
    if (!(input instanceof Tensor)) throw new ValueError(`${who}: expected a Tensor or a PackedSequence input`);
    return this.prepareTensor(input, states, lengths, packed);
  }

  private prepareTensor(
    input: Tensor,
    states: (Tensor | null)[],
    lengths: number[] | null,
    packed: PackedSequence | null,
  ): { x: Tensor; unbatched: boolean; states: Tensor[]; lengths: number[] | null; packed: PackedSequence | null } {
    const who = this.describe();
    const layout = this.batchFirst ? '[B, T, ' : '[T, B, ';
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== this.inputSize)
      throw new ShapeError(
        `${who}: expected input ${layout}${this.inputSize}]${this.batchFirst ? ' (batchFirst)' : ''} or unbatched [T, ${this.inputSize}], got ${fmtShape(input.shape)}`,
        'E_RNN_SHAPE',
      );
    if (!input.isFloatingPoint()) throw new DTypeError(`${who}: expected a floating-point input, got ${input.dtype}`);
    const unbatched = input.ndim === 2;
    let x = unbatched ? input.unsqueeze(0) : this.batchFirst ? input : input.transpose(0, 1);
    const B = x.shape[0]!;
    const LD = this.numLayers * this.numDirections;
    const dtype = input.dtype;
    const out = states.map((s, i) => {
      const size = i === 0 ? this.outSize : this.hiddenSize;
      const want = unbatched ? [LD, size] : [LD, B, size];
      if (s === null) return x.newZeros([LD, B, size], dtype);
      if (s.ndim !== want.length || s.shape.some((v, k) => v !== want[k]))
        throw new ShapeError(
          `${who}: expected ${this.mode === 'LSTM' ? (i === 0 ? 'h0' : 'c0') : 'h0'} of shape ${fmtShape(want)} [numLayers·numDirections, batch, ${i === 0 && this.projSize ? 'projSize' : 'hiddenSize'}], got ${fmtShape(s.shape)}`,
          'E_RNN_SHAPE',
        );
      return unbatched ? s.unsqueeze(1) : s;
    });
    x = x.contiguous();
    return { x, unbatched, states: out, lengths, packed };
  }

  /**
   * Run all layers and directions over x [B, T, I]; states are [L·D, B, H] each. Time steps are kept
   * as a list of [B, F] tensors between layers (stacked once at the end), so the backward pass never
   * scatters a per-step gradient into a full [B, T, F] tensor.
   */
  protected run(x: Tensor, states: Tensor[], lengths: number[] | null = null): { out: Tensor; finals: Tensor[] } {
    const T = x.shape[1]!;
    const D = this.numDirections;
    // packed input: step t updates only the sequences longer than t ([B, 1] 0/1 masks); the others
    // keep their state (the reverse direction thus starts at each sequence's own last step) and
    // output zeros
    const masks = lengths
      ? Array.from({ length: T }, (_, t) => {
          const on = lengths.map((n) => (t < n ? 1 : 0));
          return { keep: x.newTensor(on, [on.length, 1], 'bool'), scale: x.newTensor(on, [on.length, 1]) };
        })
      : null;
    const finals: Tensor[][] = states.map(() => []);
    let steps: Tensor[] = Array.from({ length: T }, (_, t) => x.select(1, t));
    for (let l = 0; l < this.numLayers; l++) {
      const dirOuts: Tensor[][] = [];
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const wIh = this.ownParameter(`weight_ih${sfx}`)!;
        const wHh = this.ownParameter(`weight_hh${sfx}`)!;
        const bIh = this.bias ? this.ownParameter(`bias_ih${sfx}`)! : null;
        const bHh = this.bias ? this.ownParameter(`bias_hh${sfx}`)! : null;
        const wHr = this.projSize > 0 ? this.ownParameter(`weight_hr${sfx}`)! : null;
        const k = l * D + d;
        let h = states[0]!.select(0, k);
        let c = this.mode === 'LSTM' ? states[1]!.select(0, k) : null;
        const hs: Tensor[] = new Array(T);
        for (let s = 0; s < T; s++) {
          const t = d === 0 ? s : T - 1 - s;
          const xt = F.linear(steps[t]!, wIh, bIh);
          let h2: Tensor;
          let c2: Tensor | null = null;
          if (this.mode === 'LSTM') [h2, c2] = lstmStep(xt, h, c!, wHh, bHh, wHr);
          else if (this.mode === 'GRU') h2 = gruStep(xt, h, wHh, bHh);
          else h2 = rnnStep(xt, h, wHh, bHh, this.mode === 'RNN_RELU');
          if (masks) {
            const m = masks[t]!;
            hs[t] = h2.mul(m.scale);
            h = h2.where(m.keep, h);
            if (c2) c = c2.where(m.keep, c!);
          } else {
            hs[t] = h2;
            h = h2;
            if (c2) c = c2;
          }
        }
        dirOuts.push(hs);
        finals[0]!.push(h);
        if (c) finals[1]!.push(c);
      }
      steps = D === 1 ? dirOuts[0]! : dirOuts[0]!.map((f, t) => cat([f, dirOuts[1]![t]!], 1));
      if (this.dropout > 0 && this.training && l < this.numLayers - 1) {
        const rng = this.rng ?? defaultRng();
        steps = steps.map((v) => F.dropout(v, this.dropout, true, rng));
      }
    }
    const out = T > 0 ? stack(steps, 1) : x.newZeros([x.shape[0]!, 0, D * this.outSize]);
    return { out, finals: finals.map((f) => stack(f, 0)) };
  }

  /** Outputs back to the caller's layout: squeeze the batch dim of an unbatched input, or re-pack a PackedSequence input. */
  protected finish(out: Tensor, unbatched: boolean): Tensor;
  /** As above; with `packed` given, the output is packed with the same batch sizes. */
  protected finish(out: Tensor, unbatched: boolean, packed: PackedSequence | null): Tensor | PackedSequence;
  protected finish(out: Tensor, unbatched: boolean, packed: PackedSequence | null = null): Tensor | PackedSequence {
    if (packed) return packLike(out.transpose(0, 1), packed);
    return unbatched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
  }

  /** A final state [L·D, N, H] back to [L·D, H] for an unbatched input. */
  protected finishState(s: Tensor, unbatched: boolean): Tensor {
    return unbatched ? s.squeeze(1) : s;
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ', bias=False';
    if (this.batchFirst) s += ', batch_first=True';
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += ', bidirectional=True';
    if (this.projSize) s += `, proj_size=${this.projSize}`;
    return s;
  }
}

/**
 * Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) (or relu).
 * input [T, B, I] ([B, T, I] with batchFirst, or unbatched [T, I]), h0 [L·D, B, H] (default zeros)
 * → [output [T, B, D·H], h_n [L·D, B, H]].
 */
export class RNN extends RNNBase {
  static readonly displayName = 'RNN';
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, opts: RNNModuleOptions = {}) {
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new ValueError(`RNN: unknown nonlinearity '${String(nl)}'; use 'tanh' or 'relu'`);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }
  // the Tensor overload comes last: `call()` is typed from it (a PackedSequence goes through `callPacked`)
  /** Run over a PackedSequence: output packed like the input, and the last hidden state h_n [L·D, N, H] of each sequence. */
  forward(input: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  /**
   * Elman RNN over a sequence. `input`: [T, N, inputSize] (or [N, T, inputSize] with `batchFirst`, or unbatched [T, inputSize]); `h0`: [L·D, N, H] (default zeros).
   * Returns `[output, h_n]`: output [T, N, D·H], h_n [L·D, N, H].
   * @throws ShapeError if `input` or `h0` do not fit the layer.
   */
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  forward(input: Tensor | PackedSequence, h0: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const { x, unbatched, states, lengths, packed } = this.prepare(input, [h0]);
    const { out, finals } = this.run(x, states, lengths);
    return [this.finish(out, unbatched, packed), this.finishState(finals[0]!, unbatched)];
  }
}

/**
 * Long short-term memory. input as RNN; state [h0, c0], each [L·D, B, H] (default zeros)
 * → [output, [h_n, c_n]]. Gates i, f, g, o stacked by rows in weight_ih_l0 [4H, I].
 */
export class LSTM extends RNNBase {
  static readonly displayName = 'LSTM';
  constructor(inputSize: number, hiddenSize: number, opts: LSTMOptions = {}) {
    super('LSTM', inputSize, hiddenSize, opts);
  }
  // the Tensor overload comes last: `call()` is typed from it (a PackedSequence goes through `callPacked`)
  /** Run over a PackedSequence: output packed like the input, and the last `[h_n, c_n]` of each sequence. */
  forward(input: PackedSequence, state?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  /**
   * LSTM over a sequence. `input`: [T, N, inputSize] (or [N, T, inputSize] with `batchFirst`, or unbatched [T, inputSize]); `state`: `[h0, c0]`, each [L·D, N, H] (default zeros).
   * Returns `[output, [h_n, c_n]]`: output [T, N, D·H] (D·projSize with `projSize`).
   * @throws ShapeError if `input` or the state do not fit the layer.
   */
  forward(input: Tensor, state?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  forward(input: Tensor | PackedSequence, state: readonly [Tensor, Tensor] | null = null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (state !== null && (!Array.isArray(state) || state.length !== 2))
      throw new ValueError(`${this.describe()}: the initial state must be a pair [h0, c0]`);
    const { x, unbatched, states, lengths, packed } = this.prepare(input, state ? [state[0], state[1]] : [null, null]);
    const { out, finals } = this.run(x, states, lengths);
    return [this.finish(out, unbatched, packed), [this.finishState(finals[0]!, unbatched), this.finishState(finals[1]!, unbatched)]];
  }
}

/**
 * Gated recurrent unit. input and h0 as RNN → [output, h_n]. Gates r, z, n stacked by rows;
 * n = tanh(W_in x + b_in + r·(W_hn h + b_hn)).
 */
export class GRU extends RNNBase {
  static readonly displayName = 'GRU';
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super('GRU', inputSize, hiddenSize, opts);
  }
  // the Tensor overload comes last: `call()` is typed from it (a PackedSequence goes through `callPacked`)
  /** Run over a PackedSequence: output packed like the input, and the last hidden state h_n [L·D, N, H] of each sequence. */
  forward(input: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  /**
   * GRU over a sequence. `input`: [T, N, inputSize] (or [N, T, inputSize] with `batchFirst`, or unbatched [T, inputSize]); `h0`: [L·D, N, H] (default zeros).
   * Returns `[output, h_n]`: output [T, N, D·H], h_n [L·D, N, H].
   * @throws ShapeError if `input` or `h0` do not fit the layer.
   */
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  forward(input: Tensor | PackedSequence, h0: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const { x, unbatched, states, lengths, packed } = this.prepare(input, [h0]);
    const { out, finals } = this.run(x, states, lengths);
    return [this.finish(out, unbatched, packed), this.finishState(finals[0]!, unbatched)];
  }
}

// ---------------------------------------------------------------- cells

/** Options of `LSTMCell` and `GRUCell`: `bias` (default true) and the initial weights' `rng`. */
export type CellOptions = InitOptions & { bias?: boolean };
/** Options of `RNNCell`: `CellOptions` and the nonlinearity, 'tanh' (default) or 'relu'. */
export type RNNCellOptions = CellOptions & { nonlinearity?: 'tanh' | 'relu' };
const CELL_KEYS = optionKeys<CellOptions>()({ bias: true, rng: true });
const RNN_CELL_KEYS = optionKeys<RNNCellOptions>()({ bias: true, rng: true, nonlinearity: true });

abstract class CellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  constructor(gates: number, inputSize: number, hiddenSize: number, opts: CellOptions) {
    super();
    const who = this.typeName;
    checkOptionKeys(who, opts, gates === 1 ? RNN_CELL_KEYS : CELL_KEYS);
    this.inputSize = checkPosInt(inputSize, 'inputSize', who);
    this.hiddenSize = checkPosInt(hiddenSize, 'hiddenSize', who);
    const rng = opts.rng ?? defaultRng();
    const b = 1 / Math.sqrt(hiddenSize);
    const mk = (name: string, shape: number[]) =>
      this.registerParameter(name, init.uniform_(new Parameter(zeros(shape)), -b, b, rng) as Parameter);
    mk('weight_ih', [gates * hiddenSize, inputSize]);
    mk('weight_hh', [gates * hiddenSize, hiddenSize]);
    if (opts.bias ?? true) {
      mk('bias_ih', [gates * hiddenSize]);
      mk('bias_hh', [gates * hiddenSize]);
    }
  }

  /** `weight_ih` [G·H, I]. */
  get weightIh(): Parameter {
    return this.ownParameter('weight_ih')!;
  }
  /** `weight_hh` [G·H, H]. */
  get weightHh(): Parameter {
    return this.ownParameter('weight_hh')!;
  }
  /** `bias_ih` [G·H] or null. */
  get biasIh(): Parameter | null {
    return this.ownParameter('bias_ih');
  }
  /** `bias_hh` [G·H] or null. */
  get biasHh(): Parameter | null {
    return this.ownParameter('bias_hh');
  }

  /**
   * Check a cell's input `x` [N, inputSize] (or unbatched [inputSize]) and state `h` [N, H] (zeros when null); batches an unbatched input.
   * @throws ShapeError naming `what` if a shape does not fit.
   */
  protected check(x: Tensor, h: Tensor | null, what = 'hx'): { x: Tensor; h: Tensor; unbatched: boolean } {
    const who = `${this.typeName}(${this.inputSize}, ${this.hiddenSize})`;
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize)
      throw new ShapeError(`${who}: expected input [B, ${this.inputSize}] or [${this.inputSize}], got ${fmtShape(x.shape)}`, 'E_RNN_SHAPE');
    const unbatched = x.ndim === 1;
    const xb = unbatched ? x.unsqueeze(0) : x;
    const want = [xb.shape[0]!, this.hiddenSize];
    let hb = h === null ? x.newZeros(want) : unbatched ? h.unsqueeze(0) : h;
    if (hb.ndim !== 2 || hb.shape[0] !== want[0] || hb.shape[1] !== want[1])
      throw new ShapeError(
        `${who}: expected ${what} of shape ${fmtShape(unbatched ? [this.hiddenSize] : want)}, got ${fmtShape(h!.shape)}`,
        'E_RNN_SHAPE',
      );
    hb = hb.to(x.dtype);
    return { x: xb, h: hb, unbatched };
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.biasIh ? '' : ', bias=False'}`;
  }
}

/** One RNN step: x [B, I], h [B, H] → h' [B, H]. */
export class RNNCell extends CellBase {
  static readonly displayName = 'RNNCell';
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super(1, inputSize, hiddenSize, opts);
    this.nonlinearity = opts.nonlinearity ?? 'tanh';
    if (this.nonlinearity !== 'tanh' && this.nonlinearity !== 'relu')
      throw new ValueError(`RNNCell: unknown nonlinearity '${String(this.nonlinearity)}'`);
  }
  /** PyTorch's repr arguments, e.g. `8, 16, nonlinearity=relu`. */
  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === 'tanh' ? '' : `, nonlinearity=${this.nonlinearity}`);
  }
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const { x, h, unbatched } = this.check(input, hx);
    const out = rnnStep(F.linear(x, this.weightIh, this.biasIh), h, this.weightHh, this.biasHh, this.nonlinearity === 'relu');
    return unbatched ? out.squeeze(0) : out;
  }
}

/** One LSTM step: x [B, I], [h, c] → [h', c']. */
export class LSTMCell extends CellBase {
  static readonly displayName = 'LSTMCell';
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    super(4, inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, state: readonly [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const a = this.check(input, state ? state[0] : null, 'h');
    const b = this.check(input, state ? state[1] : null, 'c');
    const [h, c] = lstmStep(F.linear(a.x, this.weightIh, this.biasIh), a.h, b.h, this.weightHh, this.biasHh);
    return a.unbatched ? [h.squeeze(0), c.squeeze(0)] : [h, c];
  }
}

/** One GRU step: x [B, I], h [B, H] → h' [B, H]. */
export class GRUCell extends CellBase {
  static readonly displayName = 'GRUCell';
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    super(3, inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const { x, h, unbatched } = this.check(input, hx);
    const out = gruStep(F.linear(x, this.weightIh, this.biasIh), h, this.weightHh, this.biasHh);
    return unbatched ? out.squeeze(0) : out;
  }
}
