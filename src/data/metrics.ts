// GLUE's dev metrics as pure functions over plain arrays: accuracy, F1 (class 1 positive),
// Matthews correlation (binary and Gorodkin's multi-class R_K), Pearson and Spearman (average
// ranks for ties). Degenerate inputs give 0, never NaN, so a metric can always be charted.
import type { MetricName, TaskSpec } from './types';

type Nums = ArrayLike<number>;

function checkLengths(pred: Nums, gold: Nums, what: string): void {
  if (pred.length !== gold.length) {
    throw new RangeError(`${what}: ${pred.length} predictions for ${gold.length} labels`);
  }
}

/** Fraction of exact matches, pred[i] === gold[i]. Empty input → 0. */
export function accuracy(pred: Nums, gold: Nums): number {
  checkLengths(pred, gold, 'accuracy');
  if (gold.length === 0) return 0;
  let hit = 0;
  for (let i = 0; i < gold.length; i++) if (pred[i] === gold[i]) hit++;
  return hit / gold.length;
}

/**
 * Binary F1 with class 1 positive: 2·tp / (2·tp + fp + fn). When there is no positive in either
 * the predictions or the labels (tp + fp + fn = 0) → 0, as scikit-learn's default.
 */
export function f1(pred: Nums, gold: Nums): number {
  checkLengths(pred, gold, 'f1');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < gold.length; i++) {
    const p = pred[i] === 1;
    const g = gold[i] === 1;
    if (p && g) tp++;
    else if (p) fp++;
    else if (g) fn++;
  }
  const denom = 2 * tp + fp + fn;
  return denom === 0 ? 0 : (2 * tp) / denom;
}

/**
 * Matthews correlation coefficient over integer class labels, in Gorodkin's (2004) multi-class
 * form; for 2 classes it equals (tp·tn − fp·fn) / √((tp+fp)(tp+fn)(tn+fp)(tn+fn)). In general
 *   MCC = (c·s − Σ_k p_k·t_k) / √((s² − Σ_k p_k²)(s² − Σ_k t_k²))
 * with s examples, c correct, p_k predicted and t_k true counts of class k.
 * Zero denominator (all predictions or all labels one class) → 0.
 */
export function mcc(pred: Nums, gold: Nums): number {
  checkLengths(pred, gold, 'mcc');
  const p = new Map<number, number>();
  const t = new Map<number, number>();
  let c = 0;
  for (let i = 0; i < gold.length; i++) {
    const pi = pred[i]!;
    const gi = gold[i]!;
    if (pi === gi) c++;
    p.set(pi, (p.get(pi) ?? 0) + 1);
    t.set(gi, (t.get(gi) ?? 0) + 1);
  }
  const s = gold.length;
  let pt = 0;
  let pp = 0;
  let tt = 0;
  for (const [k, n] of p) {
    pt += n * (t.get(k) ?? 0);
    pp += n * n;
  }
  for (const n of t.values()) tt += n * n;
  const denom = Math.sqrt((s * s - pp) * (s * s - tt));
  return denom === 0 ? 0 : (c * s - pt) / denom;
}

/**
 * Pearson correlation r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² · Σ(y−ȳ)²).
 * Fewer than 2 points, or either side constant (zero variance) → 0.
 */
export function pearson(x: Nums, y: Nums): number {
  checkLengths(x, y, 'pearson');
  const n = x.length;
  if (n < 2) return 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const denom = Math.sqrt(sxx * syy);
  return denom === 0 ? 0 : Math.max(-1, Math.min(1, sxy / denom));
}

/** 1-based ranks of `x`, tied values sharing the average of the ranks they span. */
export function averageRanks(x: Nums): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => x[i]! - x[j]!);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && x[order[end]!] === x[order[start]!]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

/** Spearman's rank correlation: Pearson of the average ranks (ties averaged). Constant → 0. */
export function spearman(x: Nums, y: Nums): number {
  checkLengths(x, y, 'spearman');
  return pearson(averageRanks(x), averageRanks(y));
}

/** One metric by name. Classification metrics read predictions as class indices. */
export function metric(name: MetricName, pred: Nums, gold: Nums): number {
  switch (name) {
    case 'accuracy':
      return accuracy(pred, gold);
    case 'f1':
      return f1(pred, gold);
    case 'mcc':
      return mcc(pred, gold);
    case 'pearson':
      return pearson(pred, gold);
    case 'spearman':
      return spearman(pred, gold);
  }
}

/**
 * The task's dev metrics, each in spec.metrics. `predictions`: class indices (argmax of the
 * logits) for classification, predicted scores for regression; `labels`: the gold labels.
 */
export function computeMetrics(
  spec: TaskSpec,
  predictions: Nums,
  labels: Nums,
): Partial<Record<MetricName, number>> {
  checkLengths(predictions, labels, `computeMetrics(${spec.id})`);
  const out: Partial<Record<MetricName, number>> = {};
  for (const name of spec.metrics) out[name] = metric(name, predictions, labels);
  return out;
}
