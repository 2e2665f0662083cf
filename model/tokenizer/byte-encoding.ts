// GPT-2's byte-to-unicode mapping: byte-level BPE vocabularies spell every byte as one printable
// codepoint (printable Latin-1 bytes as themselves, the other 68 bytes as U+0100 upward).

const BYTE_TO_CHAR: string[] = new Array(256);
const CHAR_TO_BYTE = new Map<number, number>();
{
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const cpt = printable(b) ? b : 256 + n++;
    BYTE_TO_CHAR[b] = String.fromCharCode(cpt);
    CHAR_TO_BYTE.set(cpt, b);
  }
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of `text`, each spelled as its GPT-2 character. */
export function byteEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      out = '';
      for (const b of encoder.encode(text)) out += BYTE_TO_CHAR[b];
      return out;
    }
    out += BYTE_TO_CHAR[c];
  }
  return out;
}

/** The byte a GPT-2 character stands for, or undefined for a character outside the mapping. */
export function charToByte(cpt: number): number | undefined {
  return CHAR_TO_BYTE.get(cpt);
}
