// pdf.js in the browser: the library and its worker are bundled with the app (no CDN), and the
// worker parses the file off the main thread. Loaded only when a PDF is opened.
import type { PdfLib } from './pdf.ts';

let lib: Promise<PdfLib> | undefined;

export function browserPdfLib(): Promise<PdfLib> {
  lib ??= import('pdfjs-dist').then((pdfjs) => {
    pdfjs.GlobalWorkerOptions.workerPort = new Worker(new URL('pdfjs-dist/build/pdf.worker.min.mjs', import.meta.url), { type: 'module' });
    return pdfjs as unknown as PdfLib;
  });
  return lib;
}
