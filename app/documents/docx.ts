// Text of a Word (.docx) file through mammoth. A .docx is a zip; an encrypted one (or a legacy
// .doc) is an OLE compound file instead, which gets its own message.
import { DocumentError } from './errors.ts';

const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0];
const ZIP_MAGIC = [0x50, 0x4b];

export interface DocxLib {
  /** The browser build reads `arrayBuffer`, the Node build `buffer`; both are given. */
  extractRawText(input: { arrayBuffer: ArrayBuffer; buffer: Uint8Array }): Promise<{ value: string }>;
}

const startsWith = (b: Uint8Array, magic: number[]) => magic.every((m, i) => b[i] === m);

export async function docxText(bytes: Uint8Array, name: string, lib?: DocxLib): Promise<string> {
  if (startsWith(bytes, OLE_MAGIC)) {
    throw new DocumentError(`${name} is password-protected or an old .doc file; save it as an unprotected .docx and open it again`);
  }
  if (!startsWith(bytes, ZIP_MAGIC)) throw new DocumentError(`${name} is not a Word (.docx) file; save it as .docx, or paste its text`);
  const mammoth: DocxLib = lib ?? ((await import('mammoth')).default as unknown as DocxLib);
  let value: string;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    ({ value } = await mammoth.extractRawText({ arrayBuffer: buffer, buffer: bytes }));
  } catch (e) {
    throw new DocumentError(`${name} could not be read as a Word document (${(e as Error).message}); save it again as .docx, or paste its text`);
  }
  const text = value.replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  if (!text) throw new DocumentError(`${name} has no text in it`);
  return text;
}
