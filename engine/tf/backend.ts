// Chooses the TF.js backend once per process: the optional native bindings first
// (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node), then WebAssembly, then plain CPU.
// `--backend` / LAGAMC_BACKEND names one explicitly.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { installWasmMatMul } from './wasmMatMul';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

const require = createRequire(import.meta.url);
let chosen: Promise<BackendName> | undefined;

async function tryNative(): Promise<boolean> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* optional, never bundled */ pkg);
      if (await tf.setBackend('tensorflow')) return true;
    } catch {
      // not installed: the bindings are optional
    }
  }
  return false;
}

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    wasm.setWasmPaths(dist + '/');
    if (!(await tf.setBackend('wasm'))) return false;
    installWasmMatMul();
    return true;
  } catch {
    return false;
  }
}

async function select(preferred: string | undefined): Promise<BackendName> {
  if (preferred !== undefined) {
    if (!BACKENDS.includes(preferred as BackendName)) {
      throw new Error(`unknown backend "${preferred}"; choose one of ${BACKENDS.join(', ')}`);
    }
    const ok = preferred === 'tensorflow' ? await tryNative() : preferred === 'wasm' ? await tryWasm() : await tf.setBackend('cpu');
    if (!ok) throw new Error(`backend "${preferred}" is not available here${preferred === 'tensorflow' ? ' (install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu)' : ''}`);
    await tf.ready();
    return preferred as BackendName;
  }
  const name: BackendName = (await tryNative()) ? 'tensorflow' : (await tryWasm()) ? 'wasm' : 'cpu';
  if (name === 'cpu') await tf.setBackend('cpu');
  await tf.ready();
  return name;
}

/** Initialises the backend (once); later calls return the same choice. */
export function initBackend(preferred: string | undefined = process.env.LAGAMC_BACKEND || undefined): Promise<BackendName> {
  chosen ??= select(preferred);
  return chosen;
}
