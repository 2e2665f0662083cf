import { createEffect, For, lazy, Match, onMount, Switch } from 'solid-js';
import { route, ROUTES } from './state/route.ts';
import { settings } from './state/settings.ts';
import { GpuStatus } from './screens/GpuStatus.tsx';
import { UpdateBanner } from './components/UpdateBanner.tsx';
import { startModels } from './state/models.ts';
import { registerServiceWorker } from './pwa/register.ts';
import './styles.css';

const Summarize = lazy(() => import('./screens/Summarize.tsx'));
const Agenda = lazy(() => import('./screens/Agenda.tsx'));
const Chat = lazy(() => import('./screens/Chat.tsx'));
const Models = lazy(() => import('./screens/Models.tsx'));
const SettingsScreen = lazy(() => import('./screens/Settings.tsx'));

export function App() {
  createEffect(() => {
    document.documentElement.dataset.theme = settings.theme;
  });
  onMount(() => {
    registerServiceWorker();
    void startModels();
  });
  return (
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <h1 class="brand">Edgewise</h1>
        <nav aria-label="Main">
          <ul class="tabs">
            <For each={ROUTES}>
              {(r) => (
                <li>
                  <a href={`#/${r.id}`} aria-current={route() === r.id ? 'page' : undefined}>{r.label}</a>
                </li>
              )}
            </For>
          </ul>
        </nav>
      </header>
      <UpdateBanner />
      <GpuStatus />
      <main id="main" tabindex="-1">
        <Switch>
          <Match when={route() === 'summarize'}><Summarize /></Match>
          <Match when={route() === 'agenda'}><Agenda /></Match>
          <Match when={route() === 'chat'}><Chat /></Match>
          <Match when={route() === 'models'}><Models /></Match>
          <Match when={route() === 'settings'}><SettingsScreen /></Match>
        </Switch>
      </main>
      <footer class="foot">Runs on your device. Nothing you type or open leaves it.</footer>
    </div>
  );
}
