/**
 * The configured PACS nodes, reloaded when this client saved or removed one (pacsStore's
 * nodesRevision) or at the reader's request. Nodes have no change event of their own.
 */
import { useCallback, useEffect, useState } from 'react';
import type { PacsNode } from '../../../../core/api/domains/pacs';
import { useApi } from '../../api';
import { useStore } from '../../app/createStore';
import { pacsStore } from './pacsStore';
import { errorText } from './pacsText';

export interface PacsNodesState {
  /** null while the first list loads */
  nodes: PacsNode[] | null;
  error: string | null;
  reload(): void;
}

export function usePacsNodes(): PacsNodesState {
  const api = useApi();
  const revision = useStore(pacsStore, (s) => s.nodesRevision);
  const [nonce, setNonce] = useState(0);
  const [nodes, setNodes] = useState<PacsNode[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => setNonce((n) => n + 1), []);

  useEffect(() => {
    let cancelled = false;
    api.listPacsNodes().then(
      (list) => {
        if (cancelled) return;
        setNodes(list);
        setError(null);
      },
      (e: unknown) => {
        if (cancelled) return;
        setNodes((n) => n ?? []);
        setError(`Could not list the PACS nodes: ${errorText(e)}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, revision, nonce]);

  return { nodes, error, reload };
}
