import { render } from 'solid-js/web';
import { App } from './App.tsx';
import { startIncoming } from './state/incoming.ts';

startIncoming();
render(() => <App />, document.getElementById('root')!);
