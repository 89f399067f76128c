/**
 * The PACS page, over the reading area like the model page (the library stays beside it, so
 * what a retrieval brings shows up there): "Query" (find and retrieve), "Nodes" (the archives,
 * echo), "Send" (the open exam's results) and "Receiver" (C-STORE). Opened from the sidebar's
 * PACS button (PacsLauncher), closed with its button or Esc; a retrieval goes on when it is closed.
 */
import { useEffect } from 'react';
import { useStore } from '../../app/createStore';
import { aiActions } from '../ai';
import { NodesView } from './NodesView';
import { pacsActions, pacsStore, type PacsTab } from './pacsStore';
import { progressFraction } from './pacsText';
import { QUERY_SLOT, QueryView } from './QueryView';
import { ReceiverView } from './ReceiverView';
import { SendView } from './SendView';
import { usePacsNodes } from './usePacsNodes';

const TABS: { id: PacsTab; label: string }[] = [
  { id: 'query', label: 'Query / Retrieve' },
  { id: 'nodes', label: 'Nodes' },
  { id: 'send', label: 'Send' },
  { id: 'receiver', label: 'Receiver' },
];

/** The sidebar's way in, under the import controls: the button, and a retrieval's progress while the page is closed. */
export function PacsLauncher() {
  const open = useStore(pacsStore, (s) => s.open);
  const slot = useStore(pacsStore, (s) => s.slots[QUERY_SLOT]);
  const fraction = slot?.running ? progressFraction(slot.progress) : null;
  return (
    <div className="pacs-launch" data-testid="pacs-launch">
      <button
        type="button"
        className={`button${open ? ' active' : ''}`}
        data-testid="pacs-open"
        aria-pressed={open}
        title="Query and retrieve from a PACS, send results, the DICOM receiver"
        onClick={() => {
          if (open) pacsActions.close();
          else {
            aiActions.showPage('reading');
            pacsActions.open();
          }
        }}
      >
        PACS…
      </button>
      {slot?.running && (
        <span className="dim pacs-launch-status" data-testid="pacs-launch-status">
          retrieving{fraction !== null ? ` ${Math.round(fraction * 100)} %` : '…'}
        </span>
      )}
    </div>
  );
}

export function PacsPage() {
  const open = useStore(pacsStore, (s) => s.open);
  const tab = useStore(pacsStore, (s) => s.tab);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      const t = event.target as HTMLElement | null;
      if (event.key === 'Escape' && !(t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement)) pacsActions.close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
  if (!open) return null;
  return <PacsPageBody tab={tab} />;
}

function PacsPageBody({ tab }: { tab: PacsTab }) {
  const nodes = usePacsNodes();
  const list = nodes.nodes;
  const needsNode = (tab === 'query' || tab === 'send') && list !== null && list.length === 0;
  return (
    <section className="pacs-page" data-testid="pacs-page" data-tab={tab} aria-label="PACS">
      <header className="pacs-page-head">
        <span className="strong pacs-page-title">PACS</span>
        <div className="dock-tabs pacs-page-tabs" role="tablist">
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={tab === t.id}
              className={`dock-tab${tab === t.id ? ' active' : ''}`}
              data-testid={`pacs-tab-${t.id}`}
              onClick={() => pacsActions.setTab(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
        <span className="dock-spacer" />
        <button type="button" className="button" data-testid="pacs-close" onClick={() => pacsActions.close()} title="Back to the images (Esc)">
          ← Back to the images
        </button>
      </header>
      <div className="pacs-page-body">
        {needsNode ? (
          <div className="empty" data-testid="pacs-no-node">
            No PACS node is configured yet.{' '}
            <button type="button" className="link" data-testid="pacs-go-nodes" onClick={() => pacsActions.setTab('nodes')}>
              Add one
            </button>
            .
          </div>
        ) : list === null && tab !== 'receiver' ? (
          <div className="dim">Listing the PACS nodes…</div>
        ) : (
          <>
            {tab === 'query' && <QueryView nodes={list!} />}
            {tab === 'nodes' && <NodesView nodes={nodes} />}
            {tab === 'send' && <SendView nodes={list!} />}
            {tab === 'receiver' && <ReceiverView />}
          </>
        )}
        {nodes.error && tab !== 'nodes' && <div className="error">{nodes.error}</div>}
      </div>
    </section>
  );
}
