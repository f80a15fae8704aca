// Float32 weights in JSON files: little-endian bytes, base64. Decoding checks the type and the
// length and names the file and field of any mismatch. Also: arrays joined into one, and raw
// float32 files read back.
import { readFile } from 'node:fs/promises';

/** A file of little-endian float32 values (refused, naming it, when its size is not a whole number of them). */
export async function readFloat32File(file: string): Promise<Float32Array> {
  const b = await readFile(file);
  if (b.byteLength % 4) throw new Error(`${file}: ${b.byteLength} bytes is not a whole number of float32 values`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The arrays one after another in one array. */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function float32ToBase64(data: Float32Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** Decodes `s`; with `length`, exactly that many values are required. */
export function base64ToFloat32(s: unknown, file: string, field: string, length?: number): Float32Array {
  if (typeof s !== 'string') throw new Error(`${file}: "${field}" must be a base64 string`);
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength % 4 !== 0 || (length !== undefined && buf.byteLength !== length * 4)) {
    throw new Error(`${file}: "${field}" holds ${buf.byteLength / 4} values, expected ${length ?? 'a whole number'}`);
  }
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}
