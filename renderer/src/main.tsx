import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider, createApi } from './api';
import { App } from './shell/App';
import { warmUpWebGlWhenIdle } from './features/viewer';
import './styles.css';

const api = createApi();
// Test hooks for the e2e specs: their own chunk, fetched only for `?e2e=1` (see debugHooks.ts).
if (new URLSearchParams(window.location.search).get('e2e') === '1') {
  void import('./features/workspace/debugHooks').then((hooks) => hooks.installDebugHooks());
}

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');
createRoot(rootElement).render(
  <StrictMode>
    <ApiProvider api={api}>
      <App />
    </ApiProvider>
  </StrictMode>,
);
warmUpWebGlWhenIdle();
