/**
 * Evaluation metrics. Every function takes tensors or plain arrays and returns plain numbers (or
 * nested arrays), computed in float64 on the host. Conventions follow scikit-learn / torchmetrics:
 * - classification predictions may be class scores `[N, C]` (the arg-max is taken) or labels `[N]`;
 * - confusion matrices are indexed `[trueClass][predictedClass]`;
 * - precision/recall/F1 of a class that is never predicted / never present is 0 (sklearn's
 *   `zero_division=0`).
 * @module
 */
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';

/** A tensor or anything array-like of numbers (booleans count as 0/1). */
export type ArrayInput = Tensor | ArrayLike<number> | readonly boolean[];

function flat(x: ArrayInput, op: string, name: string): Float64Array {
  if (x instanceof Tensor) return Float64Array.from(x.dataSync() as ArrayLike<number>);
  if (x == null || typeof (x as ArrayLike<number>).length !== 'number')
    throw new ValueError(`${op}: ${name} must be a Tensor or an array of numbers`);
  const a = x as ArrayLike<number | boolean>;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
  return out;
}

function shapeOf(x: ArrayInput): number[] {
  return x instanceof Tensor ? [...x.shape] : [(x as ArrayLike<number>).length];
}

/** Predicted labels: arg-max over the last dim of `[N, C]` scores, or the values of `[N]` labels. */
export function toLabels(pred: ArrayInput, op = 'metrics'): Int32Array {
  const shape = shapeOf(pred);
  // scores [N, C] are read in place (a float64 copy of 10,000 × 5,000 scores is 400 MB)
  const v: ArrayLike<number> =
    shape.length === 2 && pred instanceof Tensor ? (pred.dataSync() as ArrayLike<number>) : flat(pred, op, 'pred');
  if (shape.length === 2) {
    const [n, c] = shape as [number, number];
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bv = v[i * c]!;
      for (let j = 1; j < c; j++) {
        const s = v[i * c + j]!;
        if (s > bv) {
          bv = s;
          best = j;
        }
      }
      out[i] = best;
    }
    return out;
  }
  if (shape.length > 2) throw new ShapeError(`${op}: predictions must be labels [N] or scores [N, C], got ${fmtShape(shape)}`);
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i]))
      throw new ValueError(`${op}: label ${v[i]} at index ${i} is not an integer; pass scores [N, C] or integer labels [N]`);
    out[i] = v[i]!;
  }
  return out;
}

function labels(target: ArrayInput, op: string): Int32Array {
  const shape = shapeOf(target);
  if (shape.length > 1 && !(shape.length === 2 && shape[1] === 1))
    throw new ShapeError(`${op}: targets must be labels [N], got ${fmtShape(shape)}`);
  return toLabels(shape.length === 2 ? flat(target, op, 'target') : target, op);
}

function sameLength(op: string, a: ArrayLike<number>, b: ArrayLike<number>, an = 'pred', bn = 'target'): void {
  if (a.length !== b.length) throw new ShapeError(`${op}: ${an} has ${a.length} samples but ${bn} has ${b.length}`);
  if (a.length === 0) throw new ValueError(`${op}: no samples`);
}

/** Fraction of samples whose predicted label equals the target. `pred: [N, C] | [N]`, `target: [N]`. */
export function accuracy(pred: ArrayInput, target: ArrayInput): number {
  const p = toLabels(pred, 'accuracy');
  const t = labels(target, 'accuracy');
  sameLength('accuracy', p, t);
  let ok = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === t[i]) ok++;
  return ok / p.length;
}

/**
 * Fraction of samples whose target is among the `k` highest scores. `scores: [N, C]`, `target: [N]`.
 * Ties are broken towards the lower class index (like `torch.topk` on CPU in practice).
 */
export function topKAccuracy(scores: ArrayInput, target: ArrayInput, k = 5): number {
  const shape = shapeOf(scores);
  if (shape.length !== 2) throw new ShapeError(`topKAccuracy: scores must be [N, C], got ${fmtShape(shape)}`);
  const [n, c] = shape as [number, number];
  if (!Number.isInteger(k) || k < 1 || k > c) throw new ValueError(`topKAccuracy: k must be an integer in [1, ${c}], got ${k}`);
  const s = flat(scores, 'topKAccuracy', 'scores');
  const t = labels(target, 'topKAccuracy');
  sameLength('topKAccuracy', new Int32Array(n), t, 'scores');
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const ti = t[i]!;
    if (ti < 0 || ti >= c) throw new ValueError(`topKAccuracy: target ${ti} at index ${i} is outside [0, ${c})`);
    const st = s[i * c + ti]!;
    // rank = number of classes that beat the target (strictly greater, or equal with a lower index)
    let rank = 0;
    for (let j = 0; j < c; j++) {
      const v = s[i * c + j]!;
      if (v > st || (v === st && j < ti)) rank++;
    }
    if (rank < k) ok++;
  }
  return ok / n;
}

/** Predicted and true labels of equal length, and the class count (`numClasses`, or 1 + the largest label seen). */
function labelsAndClasses(
  who: string,
  pred: ArrayInput,
  target: ArrayInput,
  numClasses: number | undefined,
): { p: Int32Array; t: Int32Array; k: number } {
  const p = toLabels(pred, who);
  const t = labels(target, who);
  sameLength(who, p, t);
  let k = numClasses;
  if (k === undefined) {
    k = 0;
    for (let i = 0; i < p.length; i++) k = Math.max(k, p[i]! + 1, t[i]! + 1);
    const predShape = shapeOf(pred);
    if (predShape.length === 2) k = Math.max(k, predShape[1]!);
  }
  if (!Number.isInteger(k) || k < 1) throw new ValueError(`${who}: numClasses must be a positive integer, got ${k}`);
  return { p, t, k };
}

/**
 * Confusion matrix `m[true][pred]` (counts) of shape `[numClasses, numClasses]`.
 * `numClasses` defaults to 1 + the largest label seen.
 */
export function confusionMatrix(pred: ArrayInput, target: ArrayInput, numClasses?: number): number[][] {
  const { p, t, k } = labelsAndClasses('confusionMatrix', pred, target, numClasses);
  const m = Array.from({ length: k }, () => new Array<number>(k!).fill(0));
  for (let i = 0; i < p.length; i++) {
    const a = t[i]!;
    const b = p[i]!;
    if (a < 0 || a >= k || b < 0 || b >= k)
      throw new ValueError(`confusionMatrix: label ${a < 0 || a >= k ? a : b} at index ${i} is outside [0, ${k})`);
    m[a]![b]!++;
  }
  return m;
}

/** How per-class scores are combined: `'macro'` (unweighted mean over classes), `'micro'` (from global counts) or `'none'` (one score per class). */
export type Average = 'macro' | 'micro' | 'none';

/** What `classificationReport` returns: per-class precision, recall, F1 and support, with their macro and micro averages. */
export interface ClassificationReport {
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macro: { precision: number; recall: number; f1: number };
  micro: { precision: number; recall: number; f1: number };
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const harmonic = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/**
 * Per-class precision, recall, F1 and support, with macro (unweighted mean over classes) and micro
 * (from the pooled TP/FP/FN counts — equals accuracy for single-label problems) averages.
 */
export function classificationReport(pred: ArrayInput, target: ArrayInput, numClasses?: number): ClassificationReport {
  // per-class counts in O(N + k), not the k × k confusion matrix (5,000 classes: 25 million cells)
  const { p, t, k } = labelsAndClasses('classificationReport', pred, target, numClasses);
  const tpC = new Float64Array(k);
  const predCount = new Float64Array(k);
  const trueCount = new Float64Array(k);
  for (let i = 0; i < p.length; i++) {
    const a = t[i]!;
    const b = p[i]!;
    if (a < 0 || a >= k || b < 0 || b >= k)
      throw new ValueError(`classificationReport: label ${a < 0 || a >= k ? a : b} at index ${i} is outside [0, ${k})`);
    trueCount[a]!++;
    predCount[b]!++;
    if (a === b) tpC[a]!++;
  }
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const support: number[] = [];
  let tpAll = 0;
  let fpAll = 0;
  let fnAll = 0;
  for (let c = 0; c < k; c++) {
    const tp = tpC[c]!;
    const predC = predCount[c]!;
    const trueC = trueCount[c]!;
    tpAll += tp;
    fpAll += predC - tp;
    fnAll += trueC - tp;
    const pr = ratio(tp, predC);
    const r = ratio(tp, trueC);
    precision.push(pr);
    recall.push(r);
    f1.push(harmonic(pr, r));
    support.push(trueC);
  }
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
  const mp = ratio(tpAll, tpAll + fpAll);
  const mr = ratio(tpAll, tpAll + fnAll);
  return {
    precision,
    recall,
    f1,
    support,
    macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) },
    micro: { precision: mp, recall: mr, f1: harmonic(mp, mr) },
  };
}

function averaged(which: 'precision' | 'recall' | 'f1') {
  return (pred: ArrayInput, target: ArrayInput, opts: { average?: Average; numClasses?: number } = {}): number | number[] => {
    const avg = opts.average ?? 'macro';
    if (avg !== 'macro' && avg !== 'micro' && avg !== 'none')
      throw new ValueError(`${which}: average must be 'macro', 'micro' or 'none', got '${String(avg)}'`);
    const r = classificationReport(pred, target, opts.numClasses);
    return avg === 'none' ? r[which] : r[avg][which];
  };
}

/** Precision TP / (TP + FP): per class (`average: 'none'`), macro (default) or micro. */
export const precision = averaged('precision') as {
  (pred: ArrayInput, target: ArrayInput, opts: { average: 'none'; numClasses?: number }): number[];
  (pred: ArrayInput, target: ArrayInput, opts?: { average?: 'macro' | 'micro'; numClasses?: number }): number;
};
/** Recall TP / (TP + FN): per class (`average: 'none'`), macro (default) or micro. */
export const recall = averaged('recall') as typeof precision;
/** F1 = 2PR / (P + R): per class (`average: 'none'`), macro (default, mean of per-class F1) or micro. */
export const f1Score = averaged('f1') as typeof precision;

function regressionPair(op: string, pred: ArrayInput, target: ArrayInput): [Float64Array, Float64Array] {
  const p = flat(pred, op, 'pred');
  const t = flat(target, op, 'target');
  sameLength(op, p, t);
  return [p, t];
}

/** Mean squared error, mean((pred − target)²), over all elements. */
export function mse(pred: ArrayInput, target: ArrayInput): number {
  const [p, t] = regressionPair('mse', pred, target);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i]! - t[i]!) ** 2;
  return s / p.length;
}

/** Mean absolute error, mean(|pred − target|). */
export function mae(pred: ArrayInput, target: ArrayInput): number {
  const [p, t] = regressionPair('mae', pred, target);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i]! - t[i]!);
  return s / p.length;
}

/** Root mean squared error, √mse. */
export function rmse(pred: ArrayInput, target: ArrayInput): number {
  return Math.sqrt(mse(pred, target));
}

/**
 * Coefficient of determination R² = 1 − SS_res / SS_tot. A constant target gives 1 for a perfect
 * prediction and 0 otherwise (sklearn's convention).
 */
export function r2Score(pred: ArrayInput, target: ArrayInput): number {
  const [p, t] = regressionPair('r2Score', pred, target);
  let mean = 0;
  for (let i = 0; i < t.length; i++) mean += t[i]!;
  mean /= t.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < p.length; i++) {
    res += (t[i]! - p[i]!) ** 2;
    tot += (t[i]! - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

/**
 * Area under the ROC curve for binary labels (0/1) and real-valued scores (higher = more positive),
 * computed as the Mann–Whitney U statistic with tied scores counted as ½. `scores` may be `[N]` or
 * `[N, 2]` (then column 1 is used).
 */
export function rocAuc(scores: ArrayInput, target: ArrayInput): number {
  const shape = shapeOf(scores);
  let s = flat(scores, 'rocAuc', 'scores');
  if (shape.length === 2) {
    if (shape[1] !== 2 && shape[1] !== 1)
      throw new ShapeError(`rocAuc: binary scores must be [N], [N, 1] or [N, 2], got ${fmtShape(shape)}`);
    if (shape[1] === 2) s = s.filter((_, i) => i % 2 === 1);
  }
  const t = flat(target, 'rocAuc', 'target');
  sameLength('rocAuc', s, t, 'scores');
  const idx = Array.from(s.keys()).sort((a, b) => s[a]! - s[b]!);
  let nPos = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] !== 0 && t[i] !== 1) throw new ValueError(`rocAuc: targets must be 0 or 1, got ${t[i]} at index ${i}`);
    nPos += t[i]!;
  }
  const nNeg = t.length - nPos;
  if (nPos === 0 || nNeg === 0) throw new ValueError(`rocAuc: needs both classes in the targets (got ${nPos} positive, ${nNeg} negative)`);
  // sum of (average) ranks of the positives
  let rankSum = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && s[idx[j + 1]!] === s[idx[i]!]) j++;
    const avgRank = (i + j + 2) / 2; // ranks are 1-based
    for (let q = i; q <= j; q++) if (t[idx[q]!] === 1) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

function groupsOf(op: string, group: ArrayInput | readonly (string | number)[], n: number): Map<string, number[]> {
  const g = group instanceof Tensor ? Array.from(group.dataSync() as ArrayLike<number>) : Array.from(group as ArrayLike<string | number>);
  if (g.length !== n) throw new ShapeError(`${op}: group has ${g.length} entries but there are ${n} predictions`);
  const m = new Map<string, number[]>();
  g.forEach((v, i) => {
    const key = String(v);
    const list = m.get(key);
    if (list) list.push(i);
    else m.set(key, [i]);
  });
  if (m.size < 2) throw new ValueError(`${op}: needs at least two groups, got ${m.size}`);
  return m;
}

function binary(op: string, x: ArrayInput, name: string): Float64Array {
  const v = flat(x, op, name);
  v.forEach((e, i) => {
    if (e !== 0 && e !== 1) throw new ValueError(`${op}: ${name} must be binary (0/1), got ${e} at index ${i}`);
  });
  return v;
}

/**
 * Demographic parity difference: max over groups of P(ŷ = 1 | group) minus the min over groups
 * (0 = every group receives positive predictions at the same rate). `pred` are 0/1 predictions and
 * `group` the sensitive attribute (numbers or strings), one per sample.
 */
export function demographicParityDifference(pred: ArrayInput, group: ArrayInput | readonly (string | number)[]): number {
  const p = binary('demographicParityDifference', pred, 'pred');
  const groups = groupsOf('demographicParityDifference', group, p.length);
  const rates = [...groups.values()].map((ix) => ix.reduce((s, i) => s + p[i]!, 0) / ix.length);
  return Math.max(...rates) - Math.min(...rates);
}

/**
 * Equalized odds difference: the larger of the true-positive-rate gap and the false-positive-rate gap
 * between groups (each gap is max − min over groups), as in fairlearn. 0 means the classifier's error
 * rates do not depend on the group. A group with no positives (or no negatives) is left out of the
 * TPR (or FPR) gap.
 */
export function equalizedOddsDifference(pred: ArrayInput, target: ArrayInput, group: ArrayInput | readonly (string | number)[]): number {
  const p = binary('equalizedOddsDifference', pred, 'pred');
  const t = binary('equalizedOddsDifference', target, 'target');
  sameLength('equalizedOddsDifference', p, t);
  const groups = groupsOf('equalizedOddsDifference', group, p.length);
  const tpr: number[] = [];
  const fpr: number[] = [];
  for (const ix of groups.values()) {
    let pos = 0;
    let tp = 0;
    let neg = 0;
    let fp = 0;
    for (const i of ix) {
      if (t[i] === 1) {
        pos++;
        tp += p[i]!;
      } else {
        neg++;
        fp += p[i]!;
      }
    }
    if (pos > 0) tpr.push(tp / pos);
    if (neg > 0) fpr.push(fp / neg);
  }
  const gap = (a: number[]): number => (a.length < 2 ? 0 : Math.max(...a) - Math.min(...a));
  return Math.max(gap(tpr), gap(fpr));
}
