// The one interface every block format implements: whole blocks in, whole blocks out. Offsets
// are the caller's business (it passes subarrays), so a codec only knows its own block layout.

export interface BlockCodec {
  /** Decodes `blocks` blocks from `src` (block 0 at byte 0) into `dst` (element 0 at index 0). */
  decode(src: Uint8Array, dst: Float32Array, blocks: number): void;
  /** Encodes `blocks` blocks of `src` into `dst` (round-to-nearest; valid blocks for `decode`). */
  encode(src: Float32Array, dst: Uint8Array, blocks: number): void;
}
