// One-vs-rest linear SVMs over the TF-IDF rows (textFeatures.ts), whose margins the label head reads.
// A linear SVM on TF-IDF is the strongest cheap text classifier (the reference: 87.2 / 46.4
// micro / macro-F1 on Reuters), and what the head learns by gradient descent through its
// projection falls short of it (~85 / 41 there); so each label's SVM is trained exactly, in a
// few seconds, and the head learns how far to trust its margin.
//
// Each label's SVM minimises ½‖w‖² + C Σᵢ max(0, 1 − yᵢ w·xᵢ)² (squared hinge loss, as
// scikit-learn's LinearSVC; the bias is w's weight on a constant feature 1), solved by dual
// coordinate descent (Hsieh et al., ICML 2008): one dual variable αᵢ ≥ 0 per text, w = Σ αᵢ yᵢ xᵢ,
// passes over the texts in a seeded order until the projected gradient spans less than `tolerance`;
// texts that are safely outside the margin drop out of the passes (shrinking, as liblinear).
//
// The head learns on training texts, whose margins an SVM trained on them overstates; it therefore
// reads out-of-fold margins there (svmThreads.ts: each text scored by the SVMs trained without its
// fold), and the SVMs trained on all texts elsewhere.
import { base64ToFloat32, float32ToBase64 } from '../../io/float32';
import { seededRng, shuffle } from '../../random';
import type { SparseRow } from './textFeatures';

export interface LinearSvmOptions {
  /** Weight C of the loss against the regulariser (default 1). */
  c?: number;
  /** Most passes over the texts per label (default 20). */
  passes?: number;
  /** Stop once the projected gradient's span falls below this (default 0.1, as liblinear). */
  tolerance?: number;
  seed?: number;
}

export interface LinearSvmJson {
  format: 'lagamc-linear-svm/1';
  labels: number;
  terms: number;
  /** labels × (terms + 1) weights, row-major, each row's last entry the bias (base64 float32). */
  weights: string;
}

export class LinearSvm {
  constructor(
    readonly labels: number,
    readonly terms: number,
    /** labels × (terms + 1); each row's last entry is the bias. */
    readonly weights: Float32Array,
  ) {}

  /** `golds[i]`: the label indices of row i. */
  static fit(rows: readonly SparseRow[], golds: readonly (readonly number[])[], labels: number, terms: number, opts: LinearSvmOptions = {}): LinearSvm {
    const c = opts.c ?? 1;
    const passes = opts.passes ?? 20;
    const tolerance = opts.tolerance ?? 0.1;
    const rng = seededRng(opts.seed ?? 1);
    const width = terms + 1;
    const weights = new Float32Array(labels * width);
    // Dual of the squared hinge: Q̄ᵢᵢ = xᵢ·xᵢ + 1 (bias) + 1/(2C), no upper bound on αᵢ.
    const diagonal = 1 / (2 * c);
    const qii = rows.map((r) => r.value.reduce((s, v) => s + v * v, 0) + 1 + diagonal);
    const positive = golds.map((g) => new Set(g));
    for (let j = 0; j < labels; j++) {
      const w = weights.subarray(j * width, (j + 1) * width);
      const alpha = new Float64Array(rows.length);
      // Shrinking (liblinear's): a text at αᵢ = 0 whose gradient exceeds the last pass's largest
      // projected gradient leaves the active set; once the active texts converge, all texts are
      // checked again, and the fit ends only when they all have.
      const order = [...rows.keys()];
      let active = rows.length;
      let highBefore = Infinity;
      for (let pass = 0; pass < passes; pass++) {
        let [low, high] = [Infinity, -Infinity];
        shuffle(order, rng, active);
        for (let s = 0; s < active; s++) {
          const i = order[s]!;
          const r = rows[i]!;
          const y = positive[i]!.has(j) ? 1 : -1;
          let wx = w[terms]!;
          for (let k = 0; k < r.index.length; k++) wx += w[r.index[k]!]! * r.value[k]!;
          const g = y * wx - 1 + diagonal * alpha[i]!;
          if (alpha[i] === 0 && g > highBefore) {
            active--;
            [order[s], order[active]] = [order[active]!, order[s]!];
            s--;
            continue;
          }
          const projected = alpha[i] === 0 ? Math.min(g, 0) : g;
          low = Math.min(low, projected);
          high = Math.max(high, projected);
          if (projected === 0) continue;
          const next = Math.max(0, alpha[i]! - g / qii[i]!);
          const step = (next - alpha[i]!) * y;
          alpha[i] = next;
          for (let k = 0; k < r.index.length; k++) w[r.index[k]!]! += step * r.value[k]!;
          w[terms]! += step;
        }
        if (high - low < tolerance) {
          if (active === rows.length) break;
          active = rows.length;
          highBefore = Infinity;
          continue;
        }
        highBefore = high > 0 ? high : Infinity;
      }
    }
    return new LinearSvm(labels, terms, weights);
  }

  /** rows × labels margins w·x + b. */
  margins(rows: readonly SparseRow[]): Float32Array {
    const width = this.terms + 1;
    const out = new Float32Array(rows.length * this.labels);
    rows.forEach((r, i) => {
      for (let j = 0; j < this.labels; j++) {
        const w = j * width;
        let s = this.weights[w + this.terms]!;
        for (let k = 0; k < r.index.length; k++) s += this.weights[w + r.index[k]!]! * r.value[k]!;
        out[i * this.labels + j] = s;
      }
    });
    return out;
  }

  /** The same SVMs with each label's bias lowered by `offsets[label]`, so that their margins are lowered by it. */
  lowered(offsets: Float32Array): LinearSvm {
    if (offsets.length !== this.labels) throw new Error(`LinearSvm.lowered: ${offsets.length} offsets for ${this.labels} labels`);
    const weights = this.weights.slice();
    for (let j = 0, at = this.terms; j < this.labels; j++, at += this.terms + 1) weights[at] = weights[at]! - offsets[j]!;
    return new LinearSvm(this.labels, this.terms, weights);
  }

  toJSON(): LinearSvmJson {
    return { format: 'lagamc-linear-svm/1', labels: this.labels, terms: this.terms, weights: float32ToBase64(this.weights) };
  }

  static fromJSON(json: unknown, file: string): LinearSvm {
    const j = json as Partial<LinearSvmJson>;
    if (j?.format !== 'lagamc-linear-svm/1') throw new Error(`${file}: "format" must be "lagamc-linear-svm/1", got ${JSON.stringify(j?.format)}`);
    for (const key of ['labels', 'terms'] as const) {
      if (!Number.isInteger(j[key]) || j[key]! < 1) throw new Error(`${file}: "${key}" must be a positive integer`);
    }
    if (typeof j.weights !== 'string') throw new Error(`${file}: "weights" must be a base64 string`);
    return new LinearSvm(j.labels!, j.terms!, base64ToFloat32(j.weights, file, 'weights', j.labels! * (j.terms! + 1)));
  }
}
