import { createEffect, ErrorBoundary, For, lazy, Match, onMount, Switch, type JSX } from 'solid-js';
import { route, ROUTES } from './state/route.ts';
import { settings } from './state/settings.ts';
import { GpuStatus } from './screens/GpuStatus.tsx';
import { UpdateBanner } from './components/UpdateBanner.tsx';
import { startModels } from './state/models.ts';
import { registerServiceWorker } from './pwa/register.ts';
import { oneLineError } from './util/format.ts';
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
          <Match when={route() === 'summarize'}><Guarded><Summarize /></Guarded></Match>
          <Match when={route() === 'agenda'}><Guarded><Agenda /></Guarded></Match>
          <Match when={route() === 'chat'}><Guarded><Chat /></Guarded></Match>
          <Match when={route() === 'models'}><Guarded><Models /></Guarded></Match>
          <Match when={route() === 'settings'}><Guarded><SettingsScreen /></Guarded></Match>
        </Switch>
      </main>
      <footer class="foot">Runs on your device. Nothing you type or open leaves it.</footer>
    </div>
  );
}

/** A screen that throws shows one line saying so and a way to try again; the rest of the app
 *  (navigation, the loaded model) keeps working. */
function Guarded(props: { children: JSX.Element }) {
  return (
    <ErrorBoundary fallback={(error, reset) => (
      <div class="screen-error" data-testid="screen-error">
        <p role="alert" class="error">This screen stopped because of an error: {oneLineError(error)}</p>
        <button type="button" onClick={reset}>Try again</button>
      </div>
    )}>
      {props.children}
    </ErrorBoundary>
  );
}
