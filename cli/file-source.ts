// A ByteSource over a file on disk (Node only), read with positional reads on one open handle.
import { open } from 'node:fs/promises';
import type { ByteSource } from '../model/gguf/types.ts';

export interface NodeFileSource extends ByteSource {
  close(): Promise<void>;
}

export async function nodeFileSource(path: string): Promise<NodeFileSource> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size) {
        throw new RangeError(`read of ${length} bytes at ${offset} is outside ${path} (${size} bytes)`);
      }
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw new RangeError(`${path} ended at byte ${offset + done} while reading (it shrank?)`);
        done += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
}
