// The installed app's share target (manifest `share_target`, POST multipart): a document or text
// shared to Edgewise arrives here, in the service worker (imported by sw.js before Workbox's own
// handlers). A file is kept in one Cache entry until the app takes it; title, text and link go
// in the query of the page this answers with, which opens the Summarize screen.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'POST' || url.href !== new URL('./share', self.registration.scope).href) return;
  event.respondWith((async () => {
    const form = await event.request.formData();
    const query = new URLSearchParams();
    for (const key of ['share-title', 'share-text', 'share-url']) {
      const value = form.get(key);
      if (typeof value === 'string' && value.trim() !== '') query.set(key, value);
    }
    const file = form.get('file');
    if (file && typeof file === 'object') {
      const cache = await caches.open('edgewise-share');
      await cache.put(new URL('./shared-file', self.registration.scope).href, new Response(file, {
        headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-File-Name': encodeURIComponent(file.name) },
      }));
      query.set('shared-file', '1');
    }
    return Response.redirect(new URL(`./?${query}#/summarize`, self.registration.scope).href, 303);
  })());
});
