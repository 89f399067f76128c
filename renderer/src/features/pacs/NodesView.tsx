/**
 * PACS nodes: the list with where each is reached, Echo (C-ECHO and/or a QIDO request, with
 * the time or the error), edit, remove (after a confirmation), and the add/edit form. The
 * password or token is typed, sent once and kept in the workstation's secret store; it is
 * never shown again — the form says only that one is stored.
 */
import { useState, type FormEvent } from 'react';
import type { PacsApi, PacsAuth, PacsNode, RetrieveMethod } from '../../../../core/api/domains/pacs';
import { useApi } from '../../api';
import { pacsActions } from './pacsStore';
import { AUTH_LABEL, RETRIEVE_METHOD_LABEL, echoText, emptyNodeForm, errorText, formToNode, nodeAddress, nodeToForm, type NodeForm } from './pacsText';
import type { PacsNodesState } from './usePacsNodes';

type EchoResult = Awaited<ReturnType<PacsApi['echoPacs']>>;
type EchoState = { busy: true } | { busy: false; result: EchoResult } | { busy: false; error: string };

function NodeEditor({ initial, onDone }: { initial: NodeForm; onDone(saved: PacsNode | null): void }) {
  const api = useApi();
  const [form, setForm] = useState<NodeForm>(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = (patch: Partial<NodeForm>) => setForm((f) => ({ ...f, ...patch }));
  const editing = initial.id !== null;

  async function save(event: FormEvent): Promise<void> {
    event.preventDefault();
    const built = formToNode(form);
    if ('error' in built) {
      setError(built.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const saved = await api.savePacsNode(built.node);
      pacsActions.nodesChanged();
      onDone(saved);
    } catch (e) {
      setError(`Not saved: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  }

  const secretLabel = form.auth === 'bearer' ? 'Token' : 'Password';
  return (
    <form className="pacs-form" data-testid="pacs-node-form" onSubmit={(e) => void save(e)} autoComplete="off">
      <div className="pacs-form-title strong">{editing ? `Edit ${initial.name}` : 'Add a PACS node'}</div>
      <div className="pacs-field-row">
        <label className="pacs-field">
          <span className="dim">Name</span>
          <input className="pacs-input" data-testid="pacs-node-name" value={form.name} onChange={(e) => set({ name: e.target.value })} placeholder="PACS-A" spellCheck={false} required />
        </label>
        <label className="pacs-field grow">
          <span className="dim">DICOMweb URL</span>
          <input
            className="pacs-input"
            data-testid="pacs-node-url"
            value={form.dicomwebUrl}
            onChange={(e) => set({ dicomwebUrl: e.target.value })}
            placeholder="https://pacs.example/dicom-web"
            spellCheck={false}
          />
        </label>
      </div>
      <fieldset className="pacs-fieldset">
        <legend className="dim">DIMSE (optional: all three or none)</legend>
        <div className="pacs-field-row">
          <label className="pacs-field">
            <span className="dim">AE title</span>
            <input className="pacs-input" data-testid="pacs-node-aet" value={form.aeTitle} onChange={(e) => set({ aeTitle: e.target.value })} placeholder="ORTHANC" maxLength={16} spellCheck={false} />
          </label>
          <label className="pacs-field grow">
            <span className="dim">Host</span>
            <input className="pacs-input" data-testid="pacs-node-host" value={form.host} onChange={(e) => set({ host: e.target.value })} placeholder="pacs.example" spellCheck={false} />
          </label>
          <label className="pacs-field">
            <span className="dim">Port</span>
            <input className="pacs-input narrow" data-testid="pacs-node-port" value={form.port} onChange={(e) => set({ port: e.target.value })} placeholder="104" inputMode="numeric" />
          </label>
        </div>
      </fieldset>
      <div className="pacs-field-row">
        <label className="pacs-field">
          <span className="dim">Authentication (DICOMweb)</span>
          <select className="pacs-input" data-testid="pacs-node-auth" value={form.auth} onChange={(e) => set({ auth: e.target.value as PacsAuth })}>
            {(Object.keys(AUTH_LABEL) as PacsAuth[]).map((a) => (
              <option key={a} value={a}>
                {AUTH_LABEL[a]}
              </option>
            ))}
          </select>
        </label>
        {form.auth === 'basic' && (
          <label className="pacs-field">
            <span className="dim">User</span>
            <input className="pacs-input" data-testid="pacs-node-user" value={form.username} onChange={(e) => set({ username: e.target.value })} autoComplete="off" spellCheck={false} />
          </label>
        )}
        {form.auth !== 'none' && (
          <label className="pacs-field grow">
            <span className="dim">
              {secretLabel}{' '}
              {form.hasSecret && (
                <span className="badge pacs-stored" data-testid="pacs-secret-stored" title="One is kept in the workstation's secret store; leave the field empty to keep it">
                  stored
                </span>
              )}
            </span>
            <input
              className="pacs-input"
              type="password"
              data-testid="pacs-node-secret"
              value={form.secret}
              onChange={(e) => set({ secret: e.target.value })}
              placeholder={form.hasSecret ? 'leave empty to keep the stored one' : ''}
              autoComplete="new-password"
            />
          </label>
        )}
      </div>
      <div className="pacs-field-row">
        <label className="pacs-field">
          <span className="dim">Retrieve with</span>
          <select className="pacs-input" data-testid="pacs-node-method" value={form.retrieveMethod} onChange={(e) => set({ retrieveMethod: e.target.value as RetrieveMethod | 'auto' })}>
            <option value="auto">Default (WADO-RS with a URL, else C-GET)</option>
            {(Object.keys(RETRIEVE_METHOD_LABEL) as RetrieveMethod[]).map((m) => (
              <option key={m} value={m}>
                {RETRIEVE_METHOD_LABEL[m]}
              </option>
            ))}
          </select>
        </label>
        <label className="pacs-check">
          <input type="checkbox" data-testid="pacs-node-priors" checked={form.queryPriors} onChange={(e) => set({ queryPriors: e.target.checked })} />
          Look for priors when a patient is opened
        </label>
        <label className="pacs-check" title={form.queryPriors ? '' : 'Needs "look for priors"'}>
          <input
            type="checkbox"
            data-testid="pacs-node-auto-retrieve"
            checked={form.queryPriors && form.autoRetrievePriors}
            disabled={!form.queryPriors}
            onChange={(e) => set({ autoRetrievePriors: e.target.checked })}
          />
          Fetch them without asking
        </label>
      </div>
      {error && (
        <div className="error" data-testid="pacs-node-error" role="alert">
          {error}
        </div>
      )}
      <div className="pacs-row">
        <button type="submit" className="button primary" data-testid="pacs-node-save" disabled={busy}>
          {busy ? 'Saving…' : editing ? 'Save' : 'Add node'}
        </button>
        <button type="button" className="button" data-testid="pacs-node-cancel" disabled={busy} onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function EchoLines({ state }: { state: EchoState }) {
  if (state.busy) return <div className="dim" data-testid="pacs-echo-result" data-state="busy">Echo…</div>;
  if ('error' in state)
    return (
      <div className="error" data-testid="pacs-echo-result" data-state="error">
        Echo failed: {state.error}
      </div>
    );
  const { dimse, dicomweb } = state.result;
  const line = (label: 'DIMSE' | 'DICOMweb', part: typeof dimse) => (
    <div className={part === null ? 'dim' : part.ok ? 'pacs-ok' : 'error-text'} data-testid={`pacs-echo-${label.toLowerCase()}`} data-ok={part?.ok ?? ''}>
      {part === null ? '·' : part.ok ? '✓' : '✗'} {echoText(label, part)}
    </div>
  );
  return (
    <div className="pacs-echo" data-testid="pacs-echo-result" data-state="done" data-ok={[dimse, dicomweb].every((p) => p === null || p.ok)}>
      {line('DIMSE', dimse)}
      {line('DICOMweb', dicomweb)}
    </div>
  );
}

function NodeRow({ node, onEdit }: { node: PacsNode; onEdit(): void }) {
  const api = useApi();
  const [echo, setEcho] = useState<EchoState | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [removeError, setRemoveError] = useState<string | null>(null);

  async function runEcho(): Promise<void> {
    setEcho({ busy: true });
    try {
      setEcho({ busy: false, result: await api.echoPacs({ name: node.name }) });
    } catch (e) {
      setEcho({ busy: false, error: errorText(e) });
    }
  }

  async function remove(): Promise<void> {
    setRemoveError(null);
    try {
      await api.removePacsNode({ name: node.name });
      pacsActions.nodesChanged();
    } catch (e) {
      setRemoveError(`Not removed: ${errorText(e)}`);
      setConfirming(false);
    }
  }

  return (
    <li className="pacs-node" data-testid="pacs-node" data-name={node.name}>
      <div className="pacs-node-head">
        <span className="strong">{node.name}</span>
        <span className="dim pacs-address" data-testid="pacs-node-address">
          {nodeAddress(node)}
        </span>
        <span className="dock-spacer" />
        <button type="button" className="button" data-testid="pacs-node-echo" disabled={echo?.busy === true} onClick={() => void runEcho()} title="C-ECHO and/or a QIDO request">
          Echo
        </button>
        <button type="button" className="button" data-testid="pacs-node-edit" onClick={onEdit}>
          Edit
        </button>
        <button type="button" className="button" data-testid="pacs-node-remove" onClick={() => setConfirming(true)}>
          Remove
        </button>
      </div>
      <div className="pacs-node-meta dim">
        <span>{RETRIEVE_METHOD_LABEL[node.retrieveMethod]}</span>
        {node.auth !== 'none' && (
          <span>
            {node.auth === 'basic' ? `basic auth as ${node.username ?? '?'}` : 'bearer token'}
            {node.hasSecret ? ' (stored)' : ' (missing!)'}
          </span>
        )}
        <span>{node.queryPriors ? (node.autoRetrievePriors ? 'priors: fetched automatically' : 'priors: looked up') : 'priors: not looked up'}</span>
      </div>
      {confirming && (
        <div className="pacs-confirm" data-testid="pacs-remove-confirm" role="alertdialog">
          Remove {node.name}?{node.hasSecret ? ` Its stored ${node.auth === 'bearer' ? 'token' : 'password'} goes too.` : ''} Studies already retrieved stay in the library.
          <button type="button" className="button danger" data-testid="pacs-remove-yes" onClick={() => void remove()}>
            Remove
          </button>
          <button type="button" className="button" data-testid="pacs-remove-no" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </div>
      )}
      {removeError && <div className="error">{removeError}</div>}
      {echo && <EchoLines state={echo} />}
    </li>
  );
}

export function NodesView({ nodes: state }: { nodes: PacsNodesState }) {
  const [editing, setEditing] = useState<NodeForm | null>(null);
  const { nodes, error, reload } = state;
  return (
    <div className="pacs-nodes" data-testid="pacs-nodes-view">
      <div className="pacs-row">
        <span className="dim">The archives this workstation queries, retrieves from and sends to.</span>
        <span className="dock-spacer" />
        <button type="button" className="icon-button" title="List again" onClick={reload}>
          ↻
        </button>
        <button type="button" className="button primary" data-testid="pacs-node-add" disabled={editing !== null} onClick={() => setEditing(emptyNodeForm())}>
          Add node…
        </button>
      </div>
      {error && <div className="error">{error}</div>}
      {editing && <NodeEditor key={editing.id ?? 'new'} initial={editing} onDone={() => setEditing(null)} />}
      {nodes && nodes.length === 0 && !editing && <div className="empty">No PACS node yet. Add one: a DICOMweb URL, a DIMSE AE title, host and port, or both.</div>}
      <ul className="pacs-node-list">
        {(nodes ?? []).map((n) => (
          <NodeRow key={n.id} node={n} onEdit={() => setEditing(nodeToForm(n))} />
        ))}
      </ul>
    </div>
  );
}
