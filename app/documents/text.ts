// Plain text files (.txt, .md): UTF-8 (BOM stripped), or UTF-16 when a BOM says so. A file with
// NUL bytes in it is binary, not text.
import { DocumentError } from './errors.ts';

export function decodeText(bytes: Uint8Array, name: string): string {
  let encoding = 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
  if (encoding === 'utf-8' && bytes.subarray(0, 8192).includes(0)) {
    throw new DocumentError(`${name} is not a text file; open a .txt, .md, .html, .pdf or .docx file, or paste the text`);
  }
  return new TextDecoder(encoding).decode(bytes).replace(/\r\n?/g, '\n');
}
