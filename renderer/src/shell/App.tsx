import { useEffect, useState } from 'react';
import type { AppInfo } from '../../../core/api/types';
import { useApi } from '../api';
import { ReaderBadge } from '../app/ReaderBadge';
import { useChangeFeeds } from './useChangeFeeds';
import { SeriesBrowser } from '../features/browser';
import { ImportPanel } from '../features/import';
import { ViewerPanel } from '../features/workspace';
import { Dock } from './Dock';
import { ModelPage } from '../features/ai';
import { PacsLauncher, PacsPage } from '../features/pacs';

export function App() {
  const api = useApi();
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [connectionError, setConnectionError] = useState<string | null>(null);
  // Views reload from the workstation's change events (this client's edits and everyone else's).
  useChangeFeeds();

  useEffect(() => {
    api.getAppInfo().then(setInfo, (e: unknown) => setConnectionError(e instanceof Error ? e.message : String(e)));
  }, [api]);

  return (
    <div className="app" data-testid="app" data-transport={api.transport}>
      <aside className="sidebar">
        <header className="brand">
          <span className="brand-name">Longitude</span>
          <span className="dim" title={info?.homeDir}>
            {info ? `${info.version} · ${info.mode}` : ''}
          </span>
        </header>
        <ReaderBadge />
        {connectionError && <div className="error" data-testid="connection-error">Cannot reach the Longitude service: {connectionError}</div>}
        <ImportPanel />
        <PacsLauncher />
        <SeriesBrowser />
      </aside>
      <ViewerPanel />
      {/* Lesions, table and plots of the open series' patient (features/lesions, features/report). */}
      <Dock />
      {/* The model page (validation, monitoring) over the reading area; the series stays loaded. */}
      <ModelPage />
      {/* The PACS page (query/retrieve, nodes, send, receiver), opened from the launcher under Import. */}
      <PacsPage />
    </div>
  );
}
