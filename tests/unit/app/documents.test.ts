import { describe, expect, it } from 'vitest';
import { DocumentError } from '../../../app/documents/errors.ts';
import { extractDocument, type ExtractDeps } from '../../../app/documents/extract.ts';
import type { PdfLib } from '../../../app/documents/pdf.ts';
import { makeDocx, makePdf } from './document-files.ts';

// pdf.js's legacy build runs in Node (its worker code in-thread).
const deps: ExtractDeps = { pdf: async () => (await import('pdfjs-dist/legacy/build/pdf.mjs')) as unknown as PdfLib };

const file = (name: string, bytes: Uint8Array | string, type = '') => {
  const b = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return { name, type, size: b.byteLength, arrayBuffer: async () => b.slice().buffer as ArrayBuffer };
};

async function failure(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(DocumentError);
  return (e as Error).message;
}

describe('extractDocument', () => {
  it('reads .txt and .md as UTF-8 (BOM stripped, CRLF normalized) and UTF-16 with a BOM', async () => {
    expect((await extractDocument(file('a.txt', '\uFEFFHello\r\nwörld'), deps)).text).toBe('Hello\nwörld');
    expect(await extractDocument(file('a.md', '# Title\n\nbody'), deps)).toEqual({ name: 'a.md', kind: 'markdown', text: '# Title\n\nbody' });
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...'hi'].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect((await extractDocument(file('u.txt', utf16), deps)).text).toBe('hi');
  });

  it('reads the text of a PDF, line by line', async () => {
    const lines = ['Quarterly report (draft)', 'Revenue grew 12 percent in the north region.', 'Back\\slash kept.'];
    const doc = await extractDocument(file('r.pdf', makePdf(lines)), deps);
    expect(doc.kind).toBe('pdf');
    expect(doc.text.split('\n').map((l) => l.trim())).toEqual(lines);
  });

  it('says a password-protected PDF needs its password removed', async () => {
    expect(await failure(extractDocument(file('secret.pdf', makePdf(['x'], { encrypted: true })), deps))).toMatch(/secret\.pdf is password-protected/);
  });

  it('says a broken PDF is not readable', async () => {
    expect(await failure(extractDocument(file('bad.pdf', '%PDF-1.4\nnot really'), deps))).toMatch(/bad\.pdf is not a readable PDF/);
  });

  it('reads the paragraphs of a DOCX', async () => {
    const doc = await extractDocument(file('m.docx', await makeDocx(['First paragraph <b>not bold</b> & more.', 'Second one.'])), deps);
    expect(doc).toEqual({ name: 'm.docx', kind: 'docx', text: 'First paragraph <b>not bold</b> & more.\n\nSecond one.' });
  });

  it('says an encrypted (OLE) .docx and a non-zip .docx are unreadable, naming the file', async () => {
    const ole = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    expect(await failure(extractDocument(file('locked.docx', ole), deps))).toMatch(/locked\.docx is password-protected or an old \.doc/);
    expect(await failure(extractDocument(file('fake.docx', 'hello'), deps))).toMatch(/fake\.docx is not a Word/);
  });

  it('refuses binary, empty and unknown files with a message', async () => {
    expect(await failure(extractDocument(file('x.txt', new Uint8Array([1, 0, 2, 3])), deps))).toMatch(/not a text file/);
    expect(await failure(extractDocument(file('e.txt', ''), deps))).toMatch(/e\.txt is empty/);
    expect(await failure(extractDocument(file('model.gguf', 'GGUF'), deps))).toMatch(/not a file type Edgewise reads/);
  });
});

describe('renameHandlerAttributes (HTML files, before DOMParser sees them)', () => {
  it('renames on… attributes inside tags, whatever the separator or case, and leaves text alone', async () => {
    const { renameHandlerAttributes: r } = await import('../../../app/documents/html.ts');
    expect(r('<img src=x onerror="a()">')).toBe('<img src=x data-blocked-onerror="a()">');
    expect(r('<svg/onload=x>')).toBe('<svg/data-blocked-onload=x>');
    expect(r('<div data-on="1" ONMOUSEOVER=2>')).toBe('<div data-on="1" data-blocked-ONMOUSEOVER=2>');
    expect(r('<a title=">" onclick=1>t</a> onclick=2 text')).toBe('<a title=">" data-blocked-onclick=1>t</a> onclick=2 text');
    expect(r('if a < b onx=1')).toBe('if a < b onx=1');
  });
});
