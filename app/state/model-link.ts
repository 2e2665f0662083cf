// A pasted model link, from text to download: a Hub page link becomes its download link, a
// repository link lists its .gguf files (Q4_K_M suggested) for the user to pick, and every file
// is checked against this device from its header (engine checkFit) before a byte of its body is
// fetched. A file that fits downloads at once; one that does not says why, and downloads only if
// the user asks again. The Hub's sha256 of the file goes with the download, which then checks it.
import { createStore } from 'solid-js/store';
import type { DownloadLink, FitReport, HubGguf } from '../../engine/api.ts';
import { HUB_BASE, hubRoot, parseModelLink, type SplitInfo } from '../../engine/hub-links.ts';
import { fileNameFromUrl } from '../../engine/model-ids.ts';
import { modelUrlProblem } from '../tasks/model-url.ts';
import { errorMessage } from '../util/format.ts';
import { engine } from './engine.ts';
import { downloadModel } from './models.ts';
import { settings } from './settings.ts';

declare const __EDGEWISE_HUB_BASE__: string | undefined;

/** The Hub origin links are read against (this build's; the e2e tests' loopback server). */
export const APP_HUB_BASE: string = typeof __EDGEWISE_HUB_BASE__ === 'string' && __EDGEWISE_HUB_BASE__ ? __EDGEWISE_HUB_BASE__ : HUB_BASE;

export interface LinkTarget {
  readonly url: string;
  readonly name: string;
  readonly sha256?: string;
  /** Every part of a split GGUF, in order (the Hub's SHA-256 of each where listed). */
  readonly parts?: readonly { readonly url: string; readonly sha256?: string }[];
}

export interface LinkState {
  /** What is being done now, for a status line ("Reading the header…"). */
  busy?: string;
  problem?: string;
  /** A repository's files, waiting for the user's pick. */
  repo?: { repo: string; revision: string; choices: readonly HubGguf[] };
  /** A file that did not fit, waiting for "Download anyway". */
  pending?: { target: LinkTarget; fit: FitReport };
}

const [link, setLink] = createStore<LinkState>({});
export { link };

export function clearLink(): void {
  setLink({ busy: undefined, problem: undefined, repo: undefined, pending: undefined });
}

/** The one-line verdict shown beside a file or catalog entry. */
export function fitText(fit: FitReport): string {
  switch (fit.verdict) {
    case 'fits': return 'Fits this device';
    case 'needs-webgpu': return 'Needs WebGPU';
    case 'unsupported': return 'Not supported yet';
    case 'too-large': return fit.needsBytes !== undefined && fit.hasBytes !== undefined
      ? `Too large for this device (needs ${formatSize(fit.needsBytes)}, has ${formatSize(fit.hasBytes)})`
      : 'Too large for this device';
  }
}

function formatSize(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : `${Math.round(n / 1e6)} MB`;
}

export async function submitLink(input: string): Promise<void> {
  clearLink();
  const parsed = parseModelLink(input, APP_HUB_BASE);
  switch (parsed.kind) {
    case 'invalid':
      setLink({ problem: parsed.problem });
      return;
    case 'repo': {
      const problem = modelUrlProblem(`${hubRoot(APP_HUB_BASE)}/api/models/${parsed.repo}`);
      if (problem) { setLink({ problem }); return; }
      setLink({ busy: `Listing the .gguf files of ${parsed.repo}…` });
      try {
        const choices = await engine().listRepository(parsed.repo, parsed.revision);
        setLink({ busy: undefined, repo: { repo: parsed.repo, revision: parsed.revision, choices } });
      } catch (e) {
        setLink({ busy: undefined, problem: errorMessage(e) });
      }
      return;
    }
    case 'file':
    case 'direct': {
      const problem = modelUrlProblem(parsed.url);
      if (problem) { setLink({ problem }); return; }
      await checkThenDownload(parsed.split ? splitTarget(parsed.split) : { url: parsed.url, name: fileNameFromUrl(parsed.url) });
    }
  }
}

/** The user's pick among a repository's files. */
export function pickChoice(choice: HubGguf): Promise<void> {
  const first = choice.parts[0];
  if (choice.parts.length > 1) return checkThenDownload({ url: first.url, name: choice.name, parts: choice.parts.map((p) => ({ url: p.url, sha256: p.sha256 })) });
  return checkThenDownload({ url: first.url, name: choice.name, sha256: first.sha256 });
}

/** A link to any part of a split GGUF stands for the whole model, named by its first part. */
function splitTarget(split: SplitInfo): LinkTarget {
  return { url: split.urls[0], name: fileNameFromUrl(split.urls[0]), parts: split.urls.map((url) => ({ url })) };
}

async function checkThenDownload(target: LinkTarget): Promise<void> {
  const what = target.parts ? `the ${target.parts.length} parts of ${target.name}` : target.name;
  setLink({ busy: `Reading the header of ${what} to see whether it fits…`, problem: undefined });
  let fit: FitReport;
  try {
    fit = await engine().checkFit({ url: target.url, parts: target.parts?.map((p) => p.url) }, { contextLength: settings.contextLength });
  } catch (e) {
    setLink({ busy: undefined, problem: errorMessage(e) });
    return;
  }
  setLink({ busy: undefined });
  if (fit.verdict === 'fits') {
    setLink({ repo: undefined, pending: undefined });
    await downloadModel(downloadOf(target));
    return;
  }
  setLink({ pending: { target, fit } });
}

/** "Download anyway" after a verdict other than fits (never for an unsupported architecture). */
export async function downloadPending(): Promise<void> {
  const p = link.pending;
  if (!p || p.fit.verdict === 'unsupported') return;
  clearLink();
  await downloadModel(downloadOf(p.target));
}

function downloadOf(target: LinkTarget): DownloadLink {
  return { url: target.url, name: target.name, ...(target.sha256 ? { sha256: target.sha256 } : {}), ...(target.parts ? { parts: target.parts } : {}) };
}
