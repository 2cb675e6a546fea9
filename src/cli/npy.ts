/**
 * Reading and writing NumPy `.npy` files of float32 data (C order), for `larq-ts run`.
 */

/** A float32 array and its shape. */
export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/**
 * Parses a `.npy` file holding little-endian float32 (`<f4`) or float64 (`<f8`, converted) data in C order.
 *
 * @throws an error naming what is wrong (magic, version, dtype, Fortran order, size).
 */
export function parseNpy(bytes: Uint8Array, name = "the .npy file"): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${name} is not a .npy file (no \\x93NUMPY magic).`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new Error(`${name}: unsupported .npy version ${major}.${bytes[7]}.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + headerLength;
  if (start > bytes.length) throw new Error(`${name}: the header runs past the end of the file.`);
  const header = new TextDecoder().decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new Error(`${name}: unreadable header ${JSON.stringify(header.trim())}.`);
  if (fortran === "True") throw new Error(`${name}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray.`);
  if (descr !== "<f4" && descr !== "<f8")
    throw new Error(`${name}: dtype ${JSON.stringify(descr)} is not supported (float32 '<f4' or float64 '<f8').`);
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${name}: bad shape (${shapeText}).`);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemSize = descr === "<f4" ? 4 : 8;
  if (bytes.length - start !== count * itemSize)
    throw new Error(`${name}: shape (${shape}) needs ${count * itemSize} data bytes, the file has ${bytes.length - start}.`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = itemSize === 4 ? view.getFloat32(start + 4 * i, true) : view.getFloat64(start + 8 * i, true);
  return { shape, data };
}

/** Writes float32 data as a version 1.0 `.npy` file (C order). */
export function formatNpy(array: NpyArray): Uint8Array {
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + array.data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  new Uint8Array(out.buffer, 10 + header.length).set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength));
  return out;
}
