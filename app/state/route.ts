// Hash routing between the five screens: #/summarize, #/agenda, #/chat, #/models, #/settings.
import { createSignal } from 'solid-js';

export const ROUTES = [
  { id: 'summarize', label: 'Summarize' },
  { id: 'agenda', label: 'Agenda' },
  { id: 'chat', label: 'Chat' },
  { id: 'models', label: 'Models' },
  { id: 'settings', label: 'Settings' },
] as const;

export type RouteId = (typeof ROUTES)[number]['id'];

function current(): RouteId {
  const id = location.hash.replace(/^#\/?/, '');
  return (ROUTES.find((r) => r.id === id)?.id ?? 'summarize');
}

const [route, setRoute] = createSignal<RouteId>(current());
window.addEventListener('hashchange', () => setRoute(current()));

export { route };

export function navigate(id: RouteId): void {
  location.hash = `#/${id}`;
}
