// User settings, persisted in localStorage (never sent anywhere): sampling, context size,
// system prompt, theme. One signal-backed store; screens read it, Settings writes it.
import { createStore } from 'solid-js/store';

export type Theme = 'system' | 'light' | 'dark';

export interface Settings {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  /** 'random': a new seed for every generation, so Regenerate gives a new sample. */
  seed: number | 'random';
  maxTokens: number;
  /** How long a reasoning model may think before its answer (a budget apart from maxTokens). */
  maxReasoningTokens: number;
  contextLength: number;
  systemPrompt: string;
  theme: Theme;
}

export const DEFAULT_SETTINGS: Settings = {
  temperature: 0.7,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  repetitionPenalty: 1.1,
  seed: 'random',
  maxTokens: 1024,
  maxReasoningTokens: 4096,
  contextLength: 8192,
  systemPrompt: 'You are a helpful assistant. Answer clearly and concisely.',
  theme: 'system',
};

const KEY = 'edgewise.settings.v1';

function load(): Settings {
  try {
    const raw = localStorage.getItem(KEY);
    const stored = raw ? JSON.parse(raw) as Partial<Settings> : {};
    const seed = stored.seed === 'random' || (typeof stored.seed === 'number' && Number.isInteger(stored.seed) && stored.seed >= 0) ? stored.seed : DEFAULT_SETTINGS.seed;
    return { ...DEFAULT_SETTINGS, ...stored, seed };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

const [settings, setStore] = createStore<Settings>(load());

export { settings };

export function updateSettings(patch: Partial<Settings>): void {
  setStore(patch);
  localStorage.setItem(KEY, JSON.stringify(settings));
}

export function resetSettings(): void {
  setStore({ ...DEFAULT_SETTINGS });
  localStorage.removeItem(KEY);
}
