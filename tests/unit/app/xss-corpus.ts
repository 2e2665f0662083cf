// Hostile inputs for the Markdown renderer and the document paths: script tags, javascript:
// and data: links, event-handler attributes, SVG with script. Shared by the unit tests and the
// e2e test; each entry sets window.__xss if it ever runs.
export const XSS_CORPUS: readonly string[] = [
  '<script>window.__xss = "script"</script>',
  '<img src=x onerror="window.__xss = \'img\'">',
  '[click me](javascript:window.__xss="link")',
  '[data link](data:text/html,<script>window.__xss="data"</script>)',
  '<svg onload="window.__xss = \'svg\'"><script>window.__xss = "svg-script"</script></svg>',
  '<a href="javascript:window.__xss=\'a\'" onclick="window.__xss=\'click\'">html link</a>',
  '![x](javascript:window.__xss="image")',
  '<iframe src="javascript:window.__xss=\'iframe\'"></iframe>',
  '<div style="background:url(javascript:window.__xss=1)" onmouseover="window.__xss=\'hover\'">hover</div>',
  '[ref link][r]\n\n[r]: javascript:window.__xss="ref"',
  '<details open ontoggle="window.__xss=\'toggle\'">x</details>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=\'mxss\'"></style></mglyph></table></mtext></math>',
];
