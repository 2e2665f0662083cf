import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedFromQuery } from '../../../app/tasks/share.ts';

describe('share target', () => {
  it('reads the text and link the share target passes on in the query', () => {
    expect(sharedFromQuery('?share-title=Minutes&share-text=We%20met.&share-url=https%3A%2F%2Fexample.org%2Fm')).toEqual({
      title: 'Minutes', text: 'We met.\n\nhttps://example.org/m',
    });
    expect(sharedFromQuery('?share-text=only')).toEqual({ title: undefined, text: 'only' });
    expect(sharedFromQuery('')).toBeUndefined();
    expect(sharedFromQuery('?share-text=%20')).toBeUndefined();
  });

  it('matches the manifest: its params, file types, shortcuts to the three screens, all inside the scope', () => {
    const m = JSON.parse(readFileSync(new URL('../../../public/manifest.webmanifest', import.meta.url), 'utf8'));
    expect(m.share_target).toMatchObject({ action: './share', method: 'POST', enctype: 'multipart/form-data', params: { title: 'share-title', text: 'share-text', url: 'share-url' } });
    expect(m.share_target.params.files[0]).toMatchObject({ name: 'file', accept: expect.arrayContaining(['.pdf', '.docx', '.txt', '.md']) });
    // The service worker's handler reads the same names.
    const handler = readFileSync(new URL('../../../public/share-target.js', import.meta.url), 'utf8');
    for (const name of ['share-title', 'share-text', 'share-url', "'file'", "'./share'"]) expect(handler).toContain(name);
    expect(Object.values(m.file_handlers[0].accept).flat()).toEqual(expect.arrayContaining(['.pdf', '.docx', '.txt', '.md']));
    expect(m.shortcuts.map((s: { url: string }) => s.url)).toEqual(['./#/summarize', './#/agenda', './#/chat']);
    for (const shot of m.screenshots) {
      const png = readFileSync(new URL(`../../../public/${shot.src}`, import.meta.url));
      expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, shot.src).toBe(shot.sizes);
    }
    expect(m.screenshots.map((s: { form_factor: string }) => s.form_factor)).toEqual(expect.arrayContaining(['wide', 'narrow']));
    for (const u of [m.start_url, m.share_target.action, m.file_handlers[0].action, ...m.shortcuts.map((s: { url: string }) => s.url)]) {
      expect(u.startsWith('./'), `${u} is relative to the manifest, so a sub-path deployment keeps it`).toBe(true);
    }
  });
});
