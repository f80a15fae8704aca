// Variables' values as plain arrays and back: what worker threads are sent and checkpoints keep.
import * as tf from '@tensorflow/tfjs-core';

/** Each variable's current values, in order. */
export function variableValues(variables: readonly tf.Variable[]): Float32Array[] {
  return variables.map((v) => v.dataSync() as Float32Array);
}

/** Sets each variable to the values at its index (each as long as the variable). */
export function assignValues(variables: readonly tf.Variable[], values: readonly Float32Array[]): void {
  tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(values[i]!, v.shape))));
}

/** Sets each variable of `into` to the value of the variable at its index in `from` (same shapes). */
export function copyVariables(into: readonly tf.Variable[], from: readonly tf.Variable[]): void {
  tf.tidy(() => into.forEach((v, i) => v.assign(from[i]!)));
}
