// USE lite written again with differentiable TF.js ops, from the package's own weights, so that it
// can be fine-tuned (training/encoderTuning.ts). The graph (encoder.ts) is a two-layer pre-norm
// transformer: embeddings entered as 2·e + a sinusoidal timing signal (the graph adds the signal to
// the embeddings and that sum to the embeddings again); layer 0 with 4 heads of 64 and a 256 → 512
// projection of its residual, layer 1 with 4 heads of 128; ReLU feed-forward 512 → 1,536 → 512; no
// final layer norm; the mean over the tokens, a tanh layer, L2 normalisation (left to the caller).
// Gradients need registerGradients() (engine/tf/gradients.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { embed } from '../../tf/embed';
import { fileHandler, useModelDir } from './encoder';
import { UseTokenizer, type Vocabulary } from './tokenizer';

const P = 'module_apply_default/Encoder_en/KonaTransformer/Encode/';
/** Texts are read up to this many tokens, as the graph model reads them. */
export const USE_MAX_TOKENS = 128;
/** Characters of a text that are tokenized (more never fit in USE_MAX_TOKENS). */
const MAX_CHARS = 1000;

/** The trainable weights by name, in a fixed order, the token embeddings (`emb`, 8,002 × 256) last. */
export const USE_TRAINABLE = [0, 1].flatMap((l) => ['ln1s', 'ln1b', 'qkv', 'qkvb', 'out', 'outb', 'ln2s', 'ln2b', 'ff1', 'ff1b', 'ff2', 'ff2b'].map((n) => `${n}${l}`)).concat(['res0', 'resb0', 'tanh', 'tanhb', 'emb']);

export interface UseWeights {
  /** Trainable weights, named as in USE_TRAINABLE. */
  params: Record<string, tf.Variable>;
  /** Inverse timescales of the timing signal, [1, 128]. */
  timescales: tf.Tensor;
  tokenizer: UseTokenizer;
}

/** Dropout in training: the share of activations zeroed, and the generator its masks are drawn from. */
export interface UseDropout {
  rate: number;
  rng: () => number;
}

/** The package's weights: the timing scales as a tensor, the rest as trainable variables. */
export async function loadUseWeights(): Promise<UseWeights> {
  const dir = useModelDir();
  const { weightSpecs, weightData } = await (await fileHandler(dir)).load!();
  const w = tf.io.decodeWeights(weightData as ArrayBuffer, weightSpecs!);
  const get = (n: string) => {
    const t = w[n];
    if (!t) throw new Error(`${dir}: the USE lite weights lack ${n}`);
    // Kernels stored as 1 × 1 × in × out convolutions become in × out matrices.
    return t.rank === 4 ? tf.reshape(t, t.shape.slice(2)) : t;
  };
  const source: Record<string, string> = { emb: 'module/Embeddings_en', res0: `${P}Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat`, resb0: `${P}Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat`, tanh: 'module/Encoder_en/hidden_layers/tanh_layer_0/weights', tanhb: 'module/Encoder_en/hidden_layers/tanh_layer_0/bias' };
  for (const l of [0, 1]) {
    const L = `${P}Layer_${l}/TransformerLayer/`;
    const kernel = (n: string) => `module/Encoder_en/KonaTransformer/Encode/Layer_${l}/TransformerLayer/MultiheadAttention/${n}/kernel/part_0`;
    Object.assign(source, {
      [`ln1s${l}`]: `${L}layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`,
      [`ln1b${l}`]: `${L}layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`,
      [`qkv${l}`]: kernel('qkv_transform_single'),
      [`qkvb${l}`]: `${L}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`,
      [`out${l}`]: kernel('output_transform_single'),
      [`outb${l}`]: `${L}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`,
      [`ln2s${l}`]: `${L}FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`,
      [`ln2b${l}`]: `${L}FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`,
      [`ff1${l}`]: `${P}TransformerStack/Layer_${l}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1`,
      [`ff1b${l}`]: `${L}FFN/conv1/bias/ConcatPartitions/concat`,
      [`ff2${l}`]: `${P}TransformerStack/Layer_${l}/TransformerLayer/FFN/conv2/Tensordot/Reshape_1`,
      [`ff2b${l}`]: `${L}FFN/conv2/bias/ConcatPartitions/concat`,
    });
  }
  const params = Object.fromEntries(USE_TRAINABLE.map((n) => [n, tf.variable(get(source[n]!), true)]));
  const timescales = get(`${P}TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`);
  tf.dispose(Object.values(w).filter((t) => t !== timescales));
  return { params, timescales, tokenizer: await loadUseTokenizer() };
}

/** The package's tokenizer alone. */
export async function loadUseTokenizer(): Promise<UseTokenizer> {
  return new UseTokenizer(JSON.parse(await readFile(join(useModelDir(), 'vocab.json'), 'utf8')) as Vocabulary);
}

/** A text's token ids as the model reads them: at most USE_MAX_TOKENS, never none. */
export function useTokenIds(tokenizer: UseTokenizer, text: string): number[] {
  const ids = tokenizer.encode(text.slice(0, MAX_CHARS)).slice(0, USE_MAX_TOKENS);
  return ids.length ? ids : tokenizer.encode(' ');
}

/** Tokens that the model reads over `texts` (useTokenIds), the measure of a fine-tuning epoch's cost. */
export function useTokenCount(tokenizer: UseTokenizer, texts: readonly string[]): number {
  return texts.reduce((sum, t) => sum + useTokenIds(tokenizer, t).length, 0);
}

function layerNorm(x: tf.Tensor, s: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const c = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(c), -1, true);
  return tf.add(tf.mul(tf.div(c, tf.sqrt(tf.add(variance, 1e-6))), s), b);
}

function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [B, T, D] = x.shape as [number, number, number];
  return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, D]), w as tf.Tensor2D), b), [B, T, w.shape[1]!]);
}

/** `t` with a seeded dropout mask applied (entries zeroed with probability `rate`, the rest scaled by 1/(1 − rate)). */
function drop(t: tf.Tensor, d: UseDropout | undefined): tf.Tensor {
  if (!d || d.rate <= 0) return t;
  const keep = 1 / (1 - d.rate);
  const mask = new Float32Array(t.size);
  for (let i = 0; i < mask.length; i++) mask[i] = d.rng() < d.rate ? 0 : keep;
  return tf.mul(t, tf.tensor(mask, t.shape));
}

/**
 * Token-id rows (useTokenIds) → their [rows, 512] tanh-layer outputs (before L2 normalisation).
 * `dropout` (training) applies to the attention and feed-forward outputs of both layers.
 */
export function useForward(w: UseWeights, ids: readonly (readonly number[])[], dropout?: UseDropout): tf.Tensor2D {
  const p = w.params;
  const B = ids.length;
  const T = Math.max(1, ...ids.map((r) => r.length));
  const flat = new Int32Array(B * T);
  const maskArr = new Float32Array(B * T);
  ids.forEach((r, i) => r.forEach((id, j) => ((flat[i * T + j] = id), (maskArr[i * T + j] = 1))));
  const mask = tf.tensor2d(maskArr, [B, T]);
  const pos = tf.mul(tf.reshape(tf.range(0, T), [T, 1]), w.timescales); // [T, 128]
  const timing = tf.concat([tf.sin(pos), tf.cos(pos)], 1); // [T, 256]
  let x: tf.Tensor = tf.add(tf.mul(embed(p.emb as tf.Tensor2D, tf.tensor2d(flat, [B, T], 'int32')), 2), timing);
  const bias = tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [B, 1, 1, T]);
  for (const l of [0, 1]) {
    const heads = 4;
    const d = l === 0 ? 256 : 512;
    const hd = d / heads;
    const y = layerNorm(x, p[`ln1s${l}`]!, p[`ln1b${l}`]!);
    const qkv = dense(y, p[`qkv${l}`]!, p[`qkvb${l}`]!);
    const [q, k, v] = [0, 1, 2].map((i) => tf.slice(qkv, [0, 0, i * d], [B, T, d])).map((t) => tf.transpose(tf.reshape(t, [B, T, heads, hd]), [0, 2, 1, 3]));
    const logits = tf.add(tf.matMul(tf.mul(q!, 1 / Math.sqrt(hd)), k!, false, true), bias);
    const att = tf.reshape(tf.transpose(tf.matMul(tf.softmax(logits), v!), [0, 2, 1, 3]), [B, T, d]);
    const out = dense(att, p[`out${l}`]!, p[`outb${l}`]!);
    const residual = l === 0 ? dense(x, p.res0!, p.resb0!) : x;
    x = tf.add(drop(out, dropout), residual);
    const z = layerNorm(x, p[`ln2s${l}`]!, p[`ln2b${l}`]!);
    const f = dense(tf.relu(dense(z, p[`ff1${l}`]!, p[`ff1b${l}`]!)), p[`ff2${l}`]!, p[`ff2b${l}`]!);
    x = tf.add(drop(f, dropout), x);
  }
  const len = tf.maximum(tf.sum(mask, 1, true), 1);
  const pooled = tf.div(tf.sum(tf.mul(x, tf.reshape(mask, [B, T, 1])), 1), len) as tf.Tensor2D;
  return tf.tanh(tf.add(tf.matMul(pooled, p.tanh! as tf.Tensor2D), p.tanhb!)) as tf.Tensor2D;
}
