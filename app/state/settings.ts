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
  seed: number;
  maxTokens: number;
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
  seed: 0,
  maxTokens: 1024,
  contextLength: 8192,
  systemPrompt: 'You are a helpful assistant. Answer clearly and concisely.',
  theme: 'system',
};

const KEY = 'edgewise.settings.v1';

function load(): Settings {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? { ...DEFAULT_SETTINGS, ...JSON.parse(raw) } : { ...DEFAULT_SETTINGS };
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
