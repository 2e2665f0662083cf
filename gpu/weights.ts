// Weight tensors on the GPU: a GGUF tensor's raw bytes (never a dequantized copy; a few block
// types padded to word-aligned blocks, see STORED_PADDING) in labelled
// storage buffers, split by whole rows across several buffers when the tensor is larger than one
// binding may be (Android often allows only 128 MiB per binding). Bytes stream in as chunks of
// any length, so a multi-GB file never has to be whole in JS memory.
import { EdgewiseError } from '../model/errors.ts';
import { ggmlType, type GgmlTypeInfo } from '../model/quant/types.ts';

/** Rows rowStart..rowStart+rows of a tensor, in one buffer starting at byte 0. */
export interface WeightPart {
  readonly buffer: GPUBuffer;
  readonly rowStart: number;
  readonly rows: number;
}

export interface WeightTensor {
  /** The GGUF tensor name; also every part buffer's label. */
  readonly name: string;
  /** GGML type id. */
  readonly type: number;
  /** ggml ne: dims[0] is the row length K (innermost); the rows are the product of the rest. */
  readonly dims: readonly number[];
  readonly parts: readonly WeightPart[];
}

export interface WeightShape {
  readonly name: string;
  readonly type: number;
  readonly dims: readonly number[];
}

/** The types the matrix kernels read (shaders/quant/weights.wgsl has a case for each). */
const KERNEL_TYPES = new Set([0, 1, 30, 2, 3, 6, 7, 8, 20, 23, 10, 11, 12, 13, 14]);

export function weightTypeInfo(t: WeightShape): GgmlTypeInfo {
  const info = ggmlType(t.type);
  if (!info || !KERNEL_TYPES.has(t.type)) {
    throw new EdgewiseError('gguf-unsupported',
      `tensor "${t.name}" has GGML type ${info?.name ?? `id ${t.type}`}, which the GPU kernels cannot read; use a model with F32/F16/BF16, Q4_0…Q8_0, K-quant or IQ4 weights`);
  }
  return info;
}

/**
 * Block types stored in a padded, word-aligned layout on the GPU, so that every field the
 * kernels read is a whole aligned u32 (one load, not two and a select): GGUF bytes inserted at
 * `at`, `pad` zero bytes. The blocks that start with one fp16 d get 2 pad bytes after it: Q4_0
 * and IQ4_NL (d, pad, qs[16]: 20 bytes, +11%), Q5_0 (d, pad, qh, qs[16]: 24 bytes, +9.1%), Q8_0
 * (d, pad, qs[32]: 36 bytes, +5.9%); Q6_K: 2 pad bytes at the end (212 bytes, +1.0%). Q4_1 (20),
 * Q5_1 (24) and the other K-quants are whole words already. shaders/quant/decode.wgsl reads these
 * layouts; every consumer of a weight buffer (gemv, gemm, embedding) goes through it.
 */
const STORED_PADDING: ReadonlyMap<number, { readonly at: number; readonly pad: number }> = new Map([
  [2, { at: 2, pad: 2 }],
  [6, { at: 2, pad: 2 }],
  [8, { at: 2, pad: 2 }],
  [14, { at: 210, pad: 2 }],
  [20, { at: 2, pad: 2 }],
]);

/** Bytes of one stored block of the tensor's type (the GGUF block size plus any padding). */
function storedBlockBytes(info: GgmlTypeInfo): number {
  return info.typeSize + (STORED_PADDING.get(info.id)?.pad ?? 0);
}

/** Bytes a tensor of `ggufBytes` bytes in the file takes on the GPU (memory plans). */
export function storedBytes(type: number, ggufBytes: number): number {
  const info = ggmlType(type);
  return info && STORED_PADDING.has(type) ? (ggufBytes / info.typeSize) * storedBlockBytes(info) : ggufBytes;
}

/** Row length K, row count and bytes per row of a tensor, as stored on the GPU (see STORED_PADDING). */
export function weightGeometry(t: WeightShape): { k: number; rows: number; rowBytes: number } {
  const info = weightTypeInfo(t);
  const k = t.dims[0];
  const rows = t.dims.slice(1).reduce((a, b) => a * b, 1);
  if (!(k > 0) || k % info.blockSize !== 0) {
    throw new EdgewiseError('tensor-shape',
      `tensor "${t.name}": row length ${k} is not a whole number of ${info.name} blocks of ${info.blockSize}`);
  }
  return { k, rows, rowBytes: (k / info.blockSize) * storedBlockBytes(info) };
}

/**
 * Pipeline constants that specialize shaders/quant/weights.wgsl to this tensor's type. Float
 * types are read in virtual blocks of 8 elements.
 */
export function weightConstants(t: WeightShape): Record<string, number> {
  const info = weightTypeInfo(t);
  const elems = info.blockSize === 1 ? 8 : info.blockSize;
  return { WTYPE: info.id, W_BLOCK_ELEMS: elems, W_BLOCK_BYTES: (elems / info.blockSize) * storedBlockBytes(info) };
}

/** Largest byte size one weight buffer may have on this device (a multiple of 4). */
export function maxWeightBufferBytes(limits: GPUSupportedLimits): number {
  return Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / 4) * 4;
}

/** Splits a tensor's rows into as few, evenly sized parts as fit `maxBytes` each. */
export function planWeightParts(t: WeightShape, maxBytes: number): { rowStart: number; rows: number }[] {
  const { rows, rowBytes } = weightGeometry(t);
  // Buffers are padded to whole words, so the padded size must fit as well.
  const rowsPerPart = Math.floor(Math.floor(maxBytes / 4) * 4 / rowBytes);
  if (rowsPerPart < 1) {
    throw new EdgewiseError('device-too-small',
      `tensor "${t.name}": one row is ${rowBytes} bytes but this GPU binds at most ${maxBytes} bytes per buffer`);
  }
  const count = Math.max(1, Math.ceil(rows / rowsPerPart));
  const even = Math.ceil(rows / count);
  const parts: { rowStart: number; rows: number }[] = [];
  for (let r = 0; r < rows; r += even) parts.push({ rowStart: r, rows: Math.min(even, rows - r) });
  if (parts.length === 0) parts.push({ rowStart: 0, rows: 0 });
  return parts;
}

/**
 * Receives a tensor's bytes in order, in chunks of any length, and writes them to its part
 * buffers. queue.writeBuffer needs 4-byte multiples, so up to 3 bytes are carried between chunks
 * and each part's tail is zero-padded to a whole word.
 */
export class WeightUpload {
  readonly tensor: WeightTensor;
  private readonly partBytes: number[];
  private part = 0;
  private written = 0;          // bytes of the current part already written (a multiple of 4)
  private readonly carry = new Uint8Array(4);
  private carried = 0;
  /** Padded types: the GGUF block being gathered (see STORED_PADDING). */
  private readonly padding?: { readonly at: number; readonly pad: number; readonly block: Uint8Array };
  private blockFill = 0;

  constructor(private readonly device: GPUDevice, shape: WeightShape, maxBytes: number = maxWeightBufferBytes(device.limits)) {
    const { rowBytes } = weightGeometry(shape);
    const plan = planWeightParts(shape, maxBytes);
    this.partBytes = plan.map((p) => p.rows * rowBytes);
    const parts = plan.map((p, i) => ({
      rowStart: p.rowStart,
      rows: p.rows,
      buffer: device.createBuffer({
        label: plan.length === 1 ? shape.name : `${shape.name}[${i}]`,
        size: Math.max(16, Math.ceil(this.partBytes[i] / 4) * 4),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
      }),
    }));
    this.tensor = { name: shape.name, type: shape.type, dims: [...shape.dims], parts };
    const info = weightTypeInfo(shape);
    const padding = STORED_PADDING.get(info.id);
    if (padding) this.padding = { ...padding, block: new Uint8Array(info.typeSize) };
  }

  /** Total bytes the tensor holds on the GPU (padded types: more than in the GGUF file). */
  get byteLength(): number {
    return this.partBytes.reduce((a, b) => a + b, 0);
  }

  /** The tensor's next GGUF bytes. */
  write(chunk: Uint8Array): void {
    if (!this.padding) return this.writeStored(chunk);
    const { at, pad, block } = this.padding;
    const stored = block.length + pad;
    const whole = Math.floor((this.blockFill + chunk.length) / block.length);
    const out = new Uint8Array(whole * stored);
    let i = 0;
    for (let b = 0; b < whole; b++) {
      const take = block.length - this.blockFill;
      block.set(chunk.subarray(i, i + take), this.blockFill);
      i += take;
      this.blockFill = 0;
      out.set(block.subarray(0, at), b * stored);
      out.set(block.subarray(at), b * stored + at + pad);
    }
    block.set(chunk.subarray(i), this.blockFill);
    this.blockFill += chunk.length - i;
    this.writeStored(out);
  }

  private writeStored(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.part >= this.partBytes.length) {
        throw new EdgewiseError('gguf-malformed', `tensor "${this.tensor.name}": more bytes than its ${this.byteLength}-byte size`);
      }
      const buffer = this.tensor.parts[this.part].buffer;
      const left = this.partBytes[this.part] - this.written - this.carried;
      const take = Math.min(left, chunk.length - at);
      let i = at;
      const end = at + take;
      if (this.carried > 0) {
        while (this.carried < 4 && i < end) this.carry[this.carried++] = chunk[i++];
        if (this.carried === 4) this.flushCarry(buffer);
      }
      const aligned = Math.floor((end - i) / 4) * 4;
      if (aligned > 0) {
        this.device.queue.writeBuffer(buffer, this.written, chunk as Uint8Array<ArrayBuffer>, i, aligned);
        this.written += aligned;
        i += aligned;
      }
      while (i < end) this.carry[this.carried++] = chunk[i++];
      at = end;
      if (this.written + this.carried === this.partBytes[this.part]) this.nextPart(buffer);
    }
  }

  /** The uploaded tensor; throws if fewer bytes came than the tensor holds. */
  finish(): WeightTensor {
    if (this.blockFill > 0 || (this.part < this.partBytes.length && this.partBytes[this.part] > 0)) {
      const got = this.partBytes.slice(0, this.part).reduce((a, b) => a + b, 0) + this.written + this.carried;
      throw new EdgewiseError('gguf-malformed', `tensor "${this.tensor.name}": got ${got} of its ${this.byteLength} bytes`);
    }
    return this.tensor;
  }

  private flushCarry(buffer: GPUBuffer): void {
    this.carry.fill(0, this.carried);
    this.device.queue.writeBuffer(buffer, this.written, this.carry, 0, 4);
    this.written += 4;
    this.carried = 0;
  }

  private nextPart(buffer: GPUBuffer): void {
    if (this.carried > 0) this.flushCarry(buffer);
    this.part++;
    this.written = 0;
    while (this.part < this.partBytes.length && this.partBytes[this.part] === 0) this.part++;
  }
}

/** Uploads a tensor whose bytes are at hand (tests, small tensors): one chunk. */
export function uploadWeight(device: GPUDevice, shape: WeightShape, bytes: Uint8Array, maxBytes?: number): WeightTensor {
  const upload = new WeightUpload(device, shape, maxBytes);
  upload.write(bytes);
  return upload.finish();
}

