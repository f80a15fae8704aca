// T5 / FLAN-T5 encoder-decoder over Hugging Face weight names, computing what `transformers`'
// T5ForConditionalGeneration computes (float32). Weights live in `params` as tf.Variables keyed by
// their Hugging Face names; LoRA adapters (lora.ts) attach to linear weights through `adapters`.
//
// Getting the most out of wasm (the fastest backend installable here; numbers in BENCHMARKS.md,
// "T5 engine", measured on 2 shared cores): every projection runs as one untransposed 2-D matmul
// over all rows and heads, and transposes are materialised instead of passed to the kernel (layers.ts
// `matmul`: 20 GFLOP/s for x·W against 1.6 for x·Wᵀ and 0.5 for xᵀ·W); only the per-head score and
// context products stay batched (engine/tf/wasmMatMul.ts cuts them into single XNNPACK products).
// The backward pass avoids the kernels wasm lacks: the embedding gradient sums rows in JS instead of
// `UnsortedSegmentSum`, the position bias is a one-hot matmul, and the loss is log-softmax times a
// one-hot mask instead of the fused softmax-cross-entropy. Generation
// keeps transposed weights for the call (`freezeForInference`). wasm runs single-threaded with SIMD
// (its pthread workers cannot start under Node). Result (BENCHMARKS.md run at afee4b3): the fused
// projection at 24 GFLOP/s, the batched per-head product at 12 (1.5 before wasmMatMul.ts); the fixture
// (batch 8) trains at 20 steps/s on wasm against 0.5 on cpu.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeJsonAtomic } from '../../io/atomic';
import { readSafetensors, writeSafetensors, type NamedTensor } from '../../io/safetensors';
import { parseT5Config, t5ConfigJson, type T5Config } from './config';
import { embed } from '../../tf/embed';
import { attend, causalMask, crossEntropy, geluNew, matmul, paddingMask, positionBias, rmsNorm, splitHeads } from './layers';
import type { LoraSettings } from './lora';
import { T5Tokenizer } from './tokenizer';
import { expectedShapes } from './weights';

/** A LoRA adapter on one linear weight: W x + scaling · B (A dropout(x)). */
export interface LoraWeights {
  a: tf.Variable; // [r, in]
  b: tf.Variable; // [out, r]
  scaling: number;
  dropout: number;
}

/** Token ids of one batch; rows are padded here (inputs with pad, labels masked out of the loss). */
export interface T5Batch {
  inputIds: number[][];
  labels: number[][];
}

/** Per-layer key/value tensors [batch, heads, time, d_kv]. */
export interface KeyValue {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

/** What the decoder needs at each generation step: encoder output, cross-attention keys/values, self-attention cache. */
export interface DecoderState {
  encoderOut: tf.Tensor3D;
  encoderMask: tf.Tensor2D;
  cross: KeyValue[];
  /** Self-attention keys/values of the tokens decoded so far (KV cache). */
  self: KeyValue[];
  length: number;
}

export class T5Model {
  readonly adapters = new Map<string, LoraWeights>();
  /** Settings of the attached adapters (lora.ts), written to adapter_config.json. */
  loraSettings?: LoraSettings;
  /** Enables LoRA dropout. */
  training = false;

  constructor(
    readonly config: T5Config,
    readonly params: Map<string, tf.Variable>,
    readonly tokenizer?: T5Tokenizer,
    /** Unknown keys of the loaded config.json, written back by `save`. */
    readonly extraConfig: Record<string, unknown> = {},
  ) {}

  static async fromPretrained(dir: string): Promise<T5Model> {
    const cfgFile = join(dir, 'config.json');
    if (!existsSync(cfgFile)) throw new Error(`${dir}: no config.json (expected a Hugging Face T5 checkpoint folder)`);
    const raw = JSON.parse(await readFile(cfgFile, 'utf8')) as Record<string, unknown>;
    const config = parseT5Config(raw, cfgFile);
    const weightsFile = join(dir, 'model.safetensors');
    if (!existsSync(weightsFile)) throw new Error(`${dir}: no model.safetensors`);
    const tensors = await readSafetensors(weightsFile);
    if (!tensors.has('shared.weight') && tensors.has('encoder.embed_tokens.weight')) tensors.set('shared.weight', tensors.get('encoder.embed_tokens.weight')!);
    const params = new Map<string, tf.Variable>();
    for (const [name, shape] of expectedShapes(config)) {
      const t = tensors.get(name);
      if (!t) throw new Error(`${weightsFile}: missing tensor "${name}"`);
      if (t.shape.join() !== shape.join()) throw new Error(`${weightsFile}: tensor "${name}" has shape [${t.shape}], config.json implies [${shape}]`);
      params.set(name, tf.variable(tf.tensor(t.data, t.shape), true));
    }
    const tokenizer = existsSync(join(dir, 'tokenizer.json')) ? await T5Tokenizer.load(dir) : undefined;
    return new T5Model(config, params, tokenizer, raw);
  }

  /** Random initialisation as in Hugging Face's T5PreTrainedModel._init_weights, seeded. */
  static fromConfig(config: T5Config, seed = 0, tokenizer?: T5Tokenizer): T5Model {
    const params = new Map<string, tf.Variable>();
    let s = seed;
    const { dModel, dKv, numHeads, dFf } = config;
    for (const [name, shape] of expectedShapes(config)) {
      const std = name.endsWith('layer_norm.weight')
        ? 0
        : name === 'shared.weight'
          ? 1
          : name.endsWith('.q.weight')
            ? (dModel * dKv) ** -0.5
            : name.endsWith('.o.weight')
              ? (numHeads * dKv) ** -0.5
              : name.endsWith('.wo.weight')
                ? dFf ** -0.5
                : dModel ** -0.5;
      const init = std === 0 ? tf.ones(shape) : tf.randomNormal(shape, 0, std, 'float32', s++);
      params.set(name, tf.variable(init, true));
    }
    return new T5Model(config, params, tokenizer);
  }

  /** Writes config.json, model.safetensors (Hugging Face names) and the tokenizer files, atomically. */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const tensors = new Map<string, NamedTensor>();
    for (const [name, v] of this.params) tensors.set(name, { shape: v.shape, data: v.dataSync() as Float32Array });
    await writeSafetensors(join(dir, 'model.safetensors'), tensors);
    await writeJsonAtomic(join(dir, 'config.json'), { ...this.extraConfig, ...t5ConfigJson(this.config) });
    if (this.tokenizer) {
      await writeJsonAtomic(join(dir, 'tokenizer.json'), this.tokenizer.json);
      if (Object.keys(this.tokenizer.configJson).length) await writeJsonAtomic(join(dir, 'tokenizer_config.json'), this.tokenizer.configJson);
    }
  }

  p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`T5 weight "${name}" is missing`);
    return v;
  }

  /** Transposed weights kept by `freezeForInference`. */
  private transposed?: Map<string, tf.Tensor2D>;

  /**
   * Keeps every linear weight transposed ([in, out]) until the returned release is called, so that
   * decoding steps multiply without transposing a weight per call (wasm multiplies untransposed
   * operands fastest). Only for inference: the copies do not follow later weight updates.
   */
  freezeForInference(): () => void {
    if (this.transposed) return () => {};
    const map = new Map<string, tf.Tensor2D>();
    for (const [name, v] of this.params) if (v.rank === 2 && !name.includes('relative_attention_bias')) map.set(name, tf.transpose(v as tf.Tensor2D));
    this.transposed = map;
    return () => {
      for (const t of map.values()) t.dispose();
      this.transposed = undefined;
    };
  }

  /** x [rows, in] · Wᵀ (+ the LoRA term when an adapter sits on `name`). */
  linear(x: tf.Tensor2D, name: string): tf.Tensor2D {
    const wt = this.transposed?.get(name);
    const y = (wt ? tf.matMul(x, wt) : matmul(x, this.p(name), false, true)) as tf.Tensor2D;
    const lora = this.adapters.get(name);
    if (!lora) return y;
    const input = this.training && lora.dropout > 0 ? (tf.dropout(x, lora.dropout) as tf.Tensor2D) : x;
    return tf.add(y, tf.mul(matmul(matmul(input, lora.a, false, true), lora.b, false, true), lora.scaling)) as tf.Tensor2D;
  }

  private project(x: tf.Tensor2D, name: string, batch: number): tf.Tensor4D {
    return splitHeads(this.linear(x, name), batch, this.config.numHeads, this.config.dKv);
  }

  private feedForward(x: tf.Tensor2D, prefix: string): tf.Tensor2D {
    const h = this.config.gated
      ? tf.mul(geluNew(this.linear(x, `${prefix}.wi_0.weight`)), this.linear(x, `${prefix}.wi_1.weight`))
      : tf.relu(this.linear(x, `${prefix}.wi.weight`));
    return this.linear(h as tf.Tensor2D, `${prefix}.wo.weight`);
  }

  /** Encoder last hidden state [batch, time, d_model]. `mask` is 1 for real tokens, 0 for padding. */
  encode(inputIds: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor3D {
    const { dModel, eps, numLayers, maxDistance } = this.config;
    const [b, t] = inputIds.shape;
    let h = tf.reshape(embed(this.p('shared.weight') as tf.Tensor2D, inputIds), [b * t, dModel]) as tf.Tensor2D;
    let bias: tf.Tensor = positionBias(this.p('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight') as tf.Tensor2D, t, t, 0, true, maxDistance);
    if (mask) bias = tf.add(bias, paddingMask(mask));
    for (let i = 0; i < numLayers; i++) {
      const pre = `encoder.block.${i}`;
      const att = `${pre}.layer.0.SelfAttention`;
      const n = rmsNorm(h, this.p(`${pre}.layer.0.layer_norm.weight`), eps) as tf.Tensor2D;
      h = tf.add(h, this.linear(attend(this.project(n, `${att}.q.weight`, b), this.project(n, `${att}.k.weight`, b), this.project(n, `${att}.v.weight`, b), bias), `${att}.o.weight`));
      const n2 = rmsNorm(h, this.p(`${pre}.layer.1.layer_norm.weight`), eps) as tf.Tensor2D;
      h = tf.add(h, this.feedForward(n2, `${pre}.layer.1.DenseReluDense`));
    }
    return tf.reshape(rmsNorm(h, this.p('encoder.final_layer_norm.weight'), eps), [b, t, dModel]);
  }

  /** Cross-attention keys/values of every decoder layer, computed once per encoder output. */
  crossKeyValues(encoderOut: tf.Tensor3D): KeyValue[] {
    const [b, t, d] = encoderOut.shape;
    const flat = tf.reshape(encoderOut, [b * t, d]) as tf.Tensor2D;
    return Array.from({ length: this.config.numDecoderLayers }, (_, i) => {
      const att = `decoder.block.${i}.layer.1.EncDecAttention`;
      return { k: this.project(flat, `${att}.k.weight`, b), v: this.project(flat, `${att}.v.weight`, b) };
    });
  }

  /**
   * Decoder over `ids` [batch, time] → logits [batch, time, vocab]. With `state`, `ids` continue the
   * sequence cached there, and the new self-attention keys/values are appended to it.
   */
  decode(ids: tf.Tensor2D, encoderOut: tf.Tensor3D, encoderMask?: tf.Tensor2D, state?: { cross: KeyValue[]; self: KeyValue[]; length: number }): tf.Tensor3D {
    const { dModel, eps, numDecoderLayers, maxDistance } = this.config;
    const [b, t] = ids.shape;
    const start = state?.length ?? 0;
    const cross = state?.cross ?? this.crossKeyValues(encoderOut);
    let h = tf.reshape(embed(this.p('shared.weight') as tf.Tensor2D, ids), [b * t, dModel]) as tf.Tensor2D;
    const keys = start + t;
    const selfBias = tf.add(positionBias(this.p('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight') as tf.Tensor2D, t, keys, start, false, maxDistance), causalMask(t, keys, start));
    const crossBias = encoderMask ? paddingMask(encoderMask) : undefined;
    for (let i = 0; i < numDecoderLayers; i++) {
      const pre = `decoder.block.${i}`;
      const att = `${pre}.layer.0.SelfAttention`;
      const n = rmsNorm(h, this.p(`${pre}.layer.0.layer_norm.weight`), eps) as tf.Tensor2D;
      let k = this.project(n, `${att}.k.weight`, b);
      let v = this.project(n, `${att}.v.weight`, b);
      if (state) {
        const past = state.self[i];
        if (past) {
          k = tf.concat([past.k, k], 2);
          v = tf.concat([past.v, v], 2);
        }
        state.self[i] = { k, v };
      }
      h = tf.add(h, this.linear(attend(this.project(n, `${att}.q.weight`, b), k, v, selfBias), `${att}.o.weight`));
      const cat = `${pre}.layer.1.EncDecAttention`;
      const n2 = rmsNorm(h, this.p(`${pre}.layer.1.layer_norm.weight`), eps) as tf.Tensor2D;
      h = tf.add(h, this.linear(attend(this.project(n2, `${cat}.q.weight`, b), cross[i]!.k, cross[i]!.v, crossBias), `${cat}.o.weight`));
      const n3 = rmsNorm(h, this.p(`${pre}.layer.2.layer_norm.weight`), eps) as tf.Tensor2D;
      h = tf.add(h, this.feedForward(n3, `${pre}.layer.2.DenseReluDense`));
    }
    if (state) state.length = keys;
    let out = rmsNorm(h, this.p('decoder.final_layer_norm.weight'), eps) as tf.Tensor2D;
    if (this.config.tied) out = tf.mul(out, dModel ** -0.5) as tf.Tensor2D;
    const logits = this.linear(out, this.config.tied ? 'shared.weight' : 'lm_head.weight');
    return tf.reshape(logits, [b, t, this.config.vocabSize]);
  }

  /** Padded tensors of a batch: decoder inputs are the labels shifted right after the start token. */
  batchTensors(batch: T5Batch): { inputIds: tf.Tensor2D; mask: tf.Tensor2D; decoderIds: tf.Tensor2D; labels: tf.Tensor1D; weights: tf.Tensor1D } {
    const pad = this.config.padTokenId;
    const b = batch.inputIds.length;
    const ti = Math.max(...batch.inputIds.map((r) => r.length));
    const tl = Math.max(...batch.labels.map((r) => r.length));
    const ids = new Int32Array(b * ti).fill(pad);
    const mask = new Float32Array(b * ti);
    const dec = new Int32Array(b * tl).fill(pad);
    const labels = new Int32Array(b * tl);
    const weights = new Float32Array(b * tl);
    batch.inputIds.forEach((r, i) => r.forEach((id, j) => ((ids[i * ti + j] = id), (mask[i * ti + j] = 1))));
    batch.labels.forEach((r, i) =>
      r.forEach((id, j) => {
        labels[i * tl + j] = id;
        weights[i * tl + j] = 1;
        dec[i * tl + j] = j === 0 ? this.config.decoderStartTokenId : r[j - 1]!;
      }),
    );
    return {
      inputIds: tf.tensor2d(ids, [b, ti], 'int32'),
      mask: tf.tensor2d(mask, [b, ti]),
      decoderIds: tf.tensor2d(dec, [b, tl], 'int32'),
      labels: tf.tensor1d(labels, 'int32'),
      weights: tf.tensor1d(weights),
    };
  }

  /** Teacher-forced logits [batch, target length, vocab]. */
  logits(batch: T5Batch): tf.Tensor3D {
    const t = this.batchTensors(batch);
    return this.decode(t.decoderIds, this.encode(t.inputIds, t.mask), t.mask);
  }

  /** Mean cross-entropy over all target tokens of the batch; differentiable (use inside tf.variableGrads / minimize). */
  loss(batch: T5Batch): tf.Scalar {
    const t = this.batchTensors(batch);
    const logits = this.decode(t.decoderIds, this.encode(t.inputIds, t.mask), t.mask);
    return crossEntropy(tf.reshape(logits, [-1, this.config.vocabSize]) as tf.Tensor2D, t.labels, t.weights);
  }

  /** Trainable variables (all base weights, or only the adapters once LoRA froze the base). */
  trainableVariables(): tf.Variable[] {
    return [...this.params.values(), ...[...this.adapters.values()].flatMap((l) => [l.a, l.b])].filter((v) => v.trainable);
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const l of this.adapters.values()) (l.a.dispose(), l.b.dispose());
  }
}
