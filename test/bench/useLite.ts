// USE lite written again with differentiable TF.js ops, from the package's own weights, so that it
// can be fine-tuned (encoderFineTune.bench.ts). The graph (engine/encoders/use/encoder.ts) is a
// two-layer pre-norm transformer: embeddings entered as 2·e + a sinusoidal timing signal (the graph
// adds the signal to the embeddings and that sum to the embeddings again); layer 0 with 4 heads of
// 64 and a 256 → 512 projection of its residual, layer 1 with 4 heads of 128; ReLU feed-forward
// 512 → 1,536 → 512; no final layer norm; the mean over the tokens, a tanh layer, L2 normalisation.
// Call registerGradients() (engine/tf/gradients.ts) before training it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fileHandler, useModelDir } from '../../engine/encoders/use/encoder';
import { UseTokenizer, type Vocabulary } from '../../engine/encoders/use/tokenizer';

const P = 'module_apply_default/Encoder_en/KonaTransformer/Encode/';
export type Params = Record<string, tf.Variable>;

/** The weights as variables (the embeddings not trainable), the timing signal's inverse timescales, the tokenizer. */
export async function loadUse(): Promise<{ params: Params; timescales: tf.Tensor; tokenizer: UseTokenizer }> {
  const dir = useModelDir();
  const { weightSpecs, weightData } = await (await fileHandler(dir)).load!();
  const w = tf.io.decodeWeights(weightData as ArrayBuffer, weightSpecs!);
  const get = (n: string) => w[n]!;
  const params: Params = {};
  const v = (k: string, t: tf.Tensor) => (params[k] = tf.variable(tf.reshape(t, t.shape.filter((_, i) => !(t.rank === 4 && i < 2))), true, k));
  v('emb', get('module/Embeddings_en'));
  params.emb!.trainable = false;
  for (const l of [0, 1]) {
    const L = `${P}Layer_${l}/TransformerLayer/`;
    v(`ln1s${l}`, get(`${L}layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`));
    v(`ln1b${l}`, get(`${L}layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`));
    v(`qkv${l}`, get(`module/Encoder_en/KonaTransformer/Encode/Layer_${l}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`));
    v(`qkvb${l}`, get(`${L}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`));
    v(`out${l}`, get(`module/Encoder_en/KonaTransformer/Encode/Layer_${l}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`));
    v(`outb${l}`, get(`${L}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`));
    v(`ln2s${l}`, get(`${L}FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`));
    v(`ln2b${l}`, get(`${L}FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`));
    v(`ff1${l}`, get(`${P}TransformerStack/Layer_${l}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1`));
    v(`ff1b${l}`, get(`${L}FFN/conv1/bias/ConcatPartitions/concat`));
    v(`ff2${l}`, get(`${P}TransformerStack/Layer_${l}/TransformerLayer/FFN/conv2/Tensordot/Reshape_1`));
    v(`ff2b${l}`, get(`${L}FFN/conv2/bias/ConcatPartitions/concat`));
  }
  v('res0', get(`${P}Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat`));
  v('resb0', get(`${P}Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat`));
  v('tanh', get('module/Encoder_en/hidden_layers/tanh_layer_0/weights'));
  v('tanhb', get('module/Encoder_en/hidden_layers/tanh_layer_0/bias'));
  const timescales = get(`${P}TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`).clone();
  const vocab = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as Vocabulary;
  return { params, timescales, tokenizer: new UseTokenizer(vocab) };
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

/** Token-id rows (at most 128 each) → their [rows, 512] tanh-layer outputs (before L2 normalisation); `dropout` in training. */
export function forward(p: Params, timescales: tf.Tensor, ids: number[][], dropout = 0): tf.Tensor2D {
  const B = ids.length;
  const T = Math.max(1, ...ids.map((r) => r.length));
  const flat = new Int32Array(B * T);
  const maskArr = new Float32Array(B * T);
  ids.forEach((r, i) => r.forEach((id, j) => ((flat[i * T + j] = id), (maskArr[i * T + j] = 1))));
  const mask = tf.tensor2d(maskArr, [B, T]);
  const pos = tf.mul(tf.reshape(tf.range(0, T), [T, 1]), timescales); // [T, 128]
  const timing = tf.concat([tf.sin(pos), tf.cos(pos)], 1); // [T, 256]
  // The graph adds the timing signal to the embeddings and that sum to the embeddings again: 2·e + timing.
  let x: tf.Tensor = tf.add(tf.mul(tf.reshape(tf.gather(p.emb!, tf.tensor1d(flat, 'int32')), [B, T, 256]), 2), timing);
  const bias = tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [B, 1, 1, T]);
  const drop = (t: tf.Tensor) => (dropout > 0 ? tf.dropout(t, dropout) : t);
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
    x = tf.add(drop(out), residual);
    const z = layerNorm(x, p[`ln2s${l}`]!, p[`ln2b${l}`]!);
    const f = dense(tf.relu(dense(z, p[`ff1${l}`]!, p[`ff1b${l}`]!)), p[`ff2${l}`]!, p[`ff2b${l}`]!);
    x = tf.add(drop(f), x);
  }
  const len = tf.maximum(tf.sum(mask, 1, true), 1);
  const pooled = tf.div(tf.sum(tf.mul(x, tf.reshape(mask, [B, T, 1])), 1), len) as tf.Tensor2D;
  return tf.tanh(tf.add(tf.matMul(pooled, p.tanh! as tf.Tensor2D), p.tanhb!)) as tf.Tensor2D;
}
