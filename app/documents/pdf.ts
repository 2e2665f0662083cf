// Text of a PDF through pdf.js. The library is passed in: the browser loads pdfjs-dist with its
// worker off the main thread (pdf-browser.ts); node tests pass the legacy build. Eval is off.
import { DocumentError } from './errors.ts';

/** The part of pdf.js used here (getDocument and the errors it rejects with, by name). */
export interface PdfLib {
  getDocument(params: { data: Uint8Array; isEvalSupported: boolean; disableFontFace: boolean; useSystemFonts: boolean; verbosity: number }): {
    promise: Promise<PdfDocument>;
  };
}

interface PdfDocument {
  numPages: number;
  getPage(n: number): Promise<{ getTextContent(): Promise<{ items: readonly unknown[] }> }>;
  destroy(): Promise<void>;
}

interface TextItem { str: string; hasEOL?: boolean }

export async function pdfText(data: Uint8Array, name: string, lib: PdfLib): Promise<string> {
  let doc: PdfDocument;
  try {
    doc = await lib.getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  } catch (e) {
    const kind = (e as { name?: string }).name;
    if (kind === 'PasswordException') throw new DocumentError(`${name} is password-protected; remove the password (print it to a new PDF) and open it again`);
    throw new DocumentError(`${name} is not a readable PDF (${(e as Error).message ?? kind}); try exporting it again, or paste its text`);
  }
  try {
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const content = await (await doc.getPage(n)).getTextContent();
      let page = '';
      for (const item of content.items as TextItem[]) {
        if (typeof item.str !== 'string') continue;
        page += item.str + (item.hasEOL ? '\n' : '');
      }
      pages.push(page.trim());
    }
    const text = pages.filter(Boolean).join('\n\n');
    if (!text) throw new DocumentError(`${name} has no text layer (it may be a scanned image); run it through OCR first, or paste its text`);
    return text;
  } finally {
    await doc.destroy();
  }
}
