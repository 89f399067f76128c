import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider, createApi } from './api';
import { App } from './App';
import { installDebugHooks, warmUpWebGlWhenIdle } from './viewer';
import './styles.css';

const api = createApi();
installDebugHooks();

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
