// Which model links the app can download: the hosts the Content-Security-Policy's connect-src
// names (scripts/csp.mjs, built in as __EDGEWISE_MODEL_HOSTS__). The browser refuses any other
// host in the engine worker anyway; checking first gives the user a reason instead of a failed
// connection.

declare const __EDGEWISE_MODEL_HOSTS__: readonly string[];

/** The connect-src sources model downloads may use (this build's policy). */
export const MODEL_SOURCES: readonly string[] = typeof __EDGEWISE_MODEL_HOSTS__ === 'undefined' ? [] : __EDGEWISE_MODEL_HOSTS__;

/** Whether `url` matches one of the CSP host sources (`scheme://host[:port]`, `scheme://*.host`),
 *  as the browser matches connect-src: same scheme, exact host or a subdomain of a wildcard,
 *  the scheme's default port unless one is named. */
export function allowedBySources(url: string, sources: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return sources.some((source) => {
    const m = /^(https?):\/\/(\*\.)?([^/:*]+)(?::(\d+|\*))?$/.exec(source);
    if (!m) return false;
    const [, scheme, wildcard, host, port] = m;
    if (u.protocol !== `${scheme}:`) return false;
    const hostname = u.hostname.toLowerCase();
    if (wildcard ? !hostname.endsWith(`.${host}`) : hostname !== host) return false;
    const defaultPort = scheme === 'https' ? '443' : '80';
    return port === '*' || (u.port || defaultPort) === (port ?? defaultPort);
  });
}

/** Why the app cannot download `url`, in words for the user; undefined when it can. */
export function modelUrlProblem(url: string, sources: readonly string[] = MODEL_SOURCES): string | undefined {
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    return 'That is not a web address. Paste a link that starts with https://';
  }
  if (allowedBySources(url, sources)) return undefined;
  return `Edgewise downloads models only from Hugging Face (https://huggingface.co links), so that nothing else is ever contacted; this link is on ${host}.`;
}
