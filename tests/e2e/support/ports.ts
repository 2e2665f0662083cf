// Loopback ports of the e2e servers that the app's Content-Security-Policy must know about.

/** The model server of the app tests (app-*.spec.ts): the preview server's connect-src allows
 *  exactly this origin besides Hugging Face's (EDGEWISE_CSP_CONNECT in playwright.config.ts), as
 *  a deployment allows only the model hosts. Any other loopback port stays blocked. */
export const MODEL_SERVER_PORT = 4175;
export const MODEL_SERVER_ORIGIN = `http://127.0.0.1:${MODEL_SERVER_PORT}`;

/** The plain static host of the sub-path test (app-subpath.spec.ts): serves dist/app under /edgewise/. */
export const SUBPATH_SERVER_PORT = 4176;

/** The loopback Hub the app's test build lists repositories from (EDGEWISE_HUB_BASE). */
export const TEST_HUB_BASE = `${MODEL_SERVER_ORIGIN}/hub`;
