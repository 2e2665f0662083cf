// A dropped or opened file → its text, chosen by extension (then MIME type). Every failure is a
// DocumentError with a message a user can act on.
import { docxText } from './docx.ts';
import { DocumentError } from './errors.ts';
import { htmlVisibleText } from './html.ts';
import type { PdfLib } from './pdf.ts';
import { pdfText } from './pdf.ts';
import { decodeText } from './text.ts';

export type DocumentKind = 'text' | 'markdown' | 'html' | 'pdf' | 'docx';

export interface ExtractedDocument {
  readonly name: string;
  readonly kind: DocumentKind;
  readonly text: string;
}

export interface ExtractDeps {
  pdf(): Promise<PdfLib>;
  /** Parses HTML into an inert document; DOMParser in the browser. */
  domParser?(): DOMParser;
}

export const ACCEPTED_FILES = '.txt,.md,.markdown,.html,.htm,.pdf,.docx,text/plain,text/markdown,text/html,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** 50 MB: larger files are almost certainly not documents to summarize. */
export const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

export function documentKind(name: string, type: string): DocumentKind | undefined {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (ext === 'txt' || ext === 'text' || ext === 'log' || ext === 'csv') return 'text';
  if (ext === 'md' || ext === 'markdown') return 'markdown';
  if (ext === 'html' || ext === 'htm') return 'html';
  if (ext === 'pdf') return 'pdf';
  if (ext === 'docx') return 'docx';
  if (type === 'application/pdf') return 'pdf';
  if (type === 'text/html') return 'html';
  if (type.startsWith('text/')) return 'text';
  if (type.includes('wordprocessingml')) return 'docx';
  return undefined;
}

export async function extractDocument(file: { name: string; type: string; size: number; arrayBuffer(): Promise<ArrayBuffer> }, deps: ExtractDeps): Promise<ExtractedDocument> {
  const kind = documentKind(file.name, file.type);
  if (!kind) throw new DocumentError(`${file.name} is not a file type Edgewise reads; open a .txt, .md, .html, .pdf or .docx file, or paste the text`);
  if (file.size > MAX_DOCUMENT_BYTES) throw new DocumentError(`${file.name} is ${(file.size / 1e6).toFixed(0)} MB; open a document under 50 MB`);
  if (file.size === 0) throw new DocumentError(`${file.name} is empty`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text: string;
  switch (kind) {
    case 'text':
    case 'markdown':
      text = decodeText(bytes, file.name);
      break;
    case 'html':
      text = htmlVisibleText(decodeText(bytes, file.name), deps.domParser?.());
      break;
    case 'pdf':
      text = await pdfText(bytes, file.name, await deps.pdf());
      break;
    case 'docx':
      text = await docxText(bytes, file.name);
      break;
  }
  if (!text.trim()) throw new DocumentError(`${file.name} has no text in it`);
  return { name: file.name, kind, text };
}
