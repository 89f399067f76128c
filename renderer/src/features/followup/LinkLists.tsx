/**
 * The lesion links of one baseline/follow-up pair: the review queue (proposed links, least
 * confident first) with confirm, reject, relink, split and merge; then what is settled —
 * matched (auto or reviewed), split, merged — each of which can be unlinked; and the lesions
 * with no link: new on the follow-up, gone from the baseline. Choosing a label selects that
 * lesion, and the viewer centres both exams on it.
 */
import { useState } from 'react';
import type { FollowUpFindingRow, Lesion, LesionLinkRow, LesionTableData } from '../../../../core/api/types';
import { useApi } from '../../api';
import { useStore } from '../../app/createStore';
import { lesionSelection, selectLesion } from '../lesions';
import { relinkCandidates, type ExamPair, type FollowUpSummary } from './followUpModel';
import { confidenceClass, confidenceText, decidedBy, distanceText, KIND_LABEL } from './followUpText';

type Decide = (what: string, action: () => Promise<unknown>) => Promise<void>;

interface ListProps {
  lists: FollowUpSummary;
  table: LesionTableData;
  pair: ExamPair;
  busy: boolean;
  decide: Decide;
}

function sizeText(table: LesionTableData, lesionId: number, studyRowId: number): string | null {
  const cell = table.cells[lesionId]?.[studyRowId];
  if (!cell) return null;
  if (cell.longAxisMm !== null) return `${cell.longAxisMm.toFixed(0)}${cell.shortAxisMm !== null ? ` × ${cell.shortAxisMm.toFixed(0)}` : ''} mm`;
  if (cell.volumeMl !== null) return `${cell.volumeMl.toFixed(1)} mL`;
  return null;
}

function LesionChip({ id, label, size, title }: { id: number; label: string; size?: string | null; title?: string }) {
  const selected = useStore(lesionSelection, (s) => s.selectedLesionId === id);
  return (
    <button type="button" className={`fu-lesion${selected ? ' selected' : ''}`} data-testid="fu-lesion" data-lesion-id={id} title={title ?? `Show ${label} in the viewer`} onClick={() => selectLesion(id)}>
      <span className="lesion-label">{label}</span>
      {size && <span className="dim fu-size"> {size}</span>}
    </button>
  );
}

/** Choose a baseline lesion (and for a new finding, what kind of link) and link by hand. */
function LinkChooser({
  table,
  pair,
  toLesionId,
  exceptLesionId,
  kinds,
  busy,
  onLink,
  onCancel,
}: {
  table: LesionTableData;
  pair: ExamPair;
  toLesionId: number;
  exceptLesionId: number | null;
  kinds: LesionLinkRow['kind'][];
  busy: boolean;
  onLink(fromLesionId: number, kind: LesionLinkRow['kind']): void;
  onCancel(): void;
}) {
  const [kind, setKind] = useState<LesionLinkRow['kind']>(kinds[0]);
  const candidates = relinkCandidates(table, pair, exceptLesionId, kind);
  const [from, setFrom] = useState<number | ''>('');
  const chosen = candidates.some((c) => c.id === from) ? from : '';
  const toLabel = table.lesions.find((l) => l.id === toLesionId)?.label ?? 'this finding';
  return (
    <div className="fu-chooser" data-testid="fu-chooser">
      {kinds.length > 1 && (
        <select aria-label="Kind of link" data-testid="fu-chooser-kind" value={kind} onChange={(e) => setKind(e.target.value as LesionLinkRow['kind'])}>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {k === 'match' ? `${toLabel} is the same lesion as…` : k === 'split' ? `${toLabel} split off from…` : `…merged into ${toLabel}`}
            </option>
          ))}
        </select>
      )}
      <select aria-label="Baseline lesion" data-testid="fu-chooser-lesion" value={chosen} onChange={(e) => setFrom(e.target.value === '' ? '' : Number(e.target.value))}>
        <option value="">{candidates.length ? 'baseline lesion…' : 'no baseline lesion is free'}</option>
        {candidates.map((l) => (
          <option key={l.id} value={l.id}>
            {l.label} {sizeText(table, l.id, pair.baselineStudyRowId) ?? ''}
          </option>
        ))}
      </select>
      <button type="button" className="button primary" data-testid="fu-chooser-link" disabled={busy || chosen === ''} onClick={() => chosen !== '' && onLink(chosen, kind)}>
        Link
      </button>
      <button type="button" className="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

function QueueItem({ link, table, pair, busy, decide }: { link: LesionLinkRow } & Omit<ListProps, 'lists'>) {
  const api = useApi();
  const [relinking, setRelinking] = useState(false);
  const manual = (fromLesionId: number, kind: LesionLinkRow['kind']) =>
    decide(`link ${link.toLabel} by hand`, async () => {
      // The proposal is replaced: it is rejected (kept in the audit trail), the reader's link made.
      await api.rejectLesionLink(link.id);
      await api.linkLesions({ baselineStudyRowId: pair.baselineStudyRowId, followUpStudyRowId: pair.followUpStudyRowId, fromLesionId, toLesionId: link.toLesionId, kind });
    });
  const cls = confidenceClass(link.confidence);
  return (
    <li className="fu-link fu-queue-item" data-testid="fu-queue-item" data-link-id={link.id} data-kind={link.kind} data-from={link.fromLabel} data-to={link.toLabel} data-confidence={link.confidence ?? ''}>
      <div className="fu-link-head">
        <span className="fu-pair">
          <LesionChip id={link.fromLesionId} label={link.fromLabel} size={sizeText(table, link.fromLesionId, pair.baselineStudyRowId)} />
          <span className="fu-arrow">{link.kind === 'merge' ? 'merged into' : link.kind === 'split' ? 'split →' : '→'}</span>
          <LesionChip id={link.toLesionId} label={link.toLabel} size={sizeText(table, link.toLesionId, pair.followUpStudyRowId)} />
        </span>
        <span className={`fu-conf conf-${cls}`} title="Matcher confidence (links at 60% or more are confirmed automatically)">
          {confidenceText(link.confidence)}
        </span>
      </div>
      <div className="fu-link-facts dim">
        {KIND_LABEL[link.kind]}? · distance {distanceText(link.distanceMm)} after registration
        {link.overlap !== null ? ` · overlap ${Math.round(link.overlap * 100)}%` : ''}
      </div>
      <div className="fu-link-actions">
        <button type="button" className="button primary" data-testid="fu-confirm" disabled={busy} onClick={() => decide(`confirm ${link.fromLabel} → ${link.toLabel}`, () => api.confirmLesionLink(link.id))}>
          Confirm
        </button>
        <button type="button" className="button" data-testid="fu-reject" disabled={busy} onClick={() => decide(`reject ${link.fromLabel} → ${link.toLabel}`, () => api.rejectLesionLink(link.id))}>
          Reject
        </button>
        <button type="button" className={`button${relinking ? ' active' : ''}`} data-testid="fu-relink" disabled={busy} title={`Link ${link.toLabel} to another baseline lesion`} onClick={() => setRelinking(!relinking)}>
          Relink…
        </button>
        {link.kind !== 'split' && (
          <button type="button" className="button" data-testid="fu-split" disabled={busy} title={`${link.toLabel} is a fragment of ${link.fromLabel} (the lesion split)`} onClick={() => manual(link.fromLesionId, 'split')}>
            Split
          </button>
        )}
        {link.kind !== 'merge' && (
          <button type="button" className="button" data-testid="fu-merge" disabled={busy} title={`${link.fromLabel} coalesced into ${link.toLabel}`} onClick={() => manual(link.fromLesionId, 'merge')}>
            Merge
          </button>
        )}
      </div>
      {relinking && (
        <LinkChooser
          table={table}
          pair={pair}
          toLesionId={link.toLesionId}
          exceptLesionId={link.fromLesionId}
          kinds={['match']}
          busy={busy}
          onCancel={() => setRelinking(false)}
          onLink={(from, kind) => {
            setRelinking(false);
            void manual(from, kind);
          }}
        />
      )}
    </li>
  );
}

function SettledItem({ link, table, pair, busy, decide, continuedAs }: { link: LesionLinkRow; continuedAs: Map<number, string> } & Omit<ListProps, 'lists'>) {
  const api = useApi();
  // A confirmed match retired the follow-up identity: its finding is now the baseline lesion's.
  const continued = link.kind === 'match';
  const before = sizeText(table, link.fromLesionId, pair.baselineStudyRowId);
  const after = sizeText(table, link.fromLesionId, pair.followUpStudyRowId);
  const decided = decidedBy(link);
  // The matcher's confidence is shown coloured only where it decided alone; once a reader has decided, it is history.
  const confClass = link.auto ? `conf-${confidenceClass(link.confidence)}` : 'conf-none';
  const into = continuedAs.get(link.toLesionId);
  return (
    <li className="fu-link" data-testid="fu-settled-item" data-link-id={link.id} data-kind={link.kind} data-from={link.fromLabel} data-to={link.toLabel} data-decided={decided}>
      <div className="fu-link-head settled">
        <span className="fu-pair">
          {continued ? (
            <>
              <LesionChip id={link.fromLesionId} label={link.fromLabel} size={before && after ? `${before.replace(' mm', '')} → ${after}` : (after ?? before)} />
              <span className="dim fu-retired" title={`The follow-up finding ${link.toLabel} continues as ${link.fromLabel}`}>
                {link.toLabel}
              </span>
            </>
          ) : (
            <>
              <LesionChip id={link.fromLesionId} label={link.fromLabel} size={before} />
              <span className="fu-arrow">{link.kind === 'merge' ? 'merged into' : 'split →'}</span>
              <LesionChip id={link.toLesionId} label={link.toLabel} size={sizeText(table, link.toLesionId, pair.followUpStudyRowId)} />
              {into && <span className="dim">(= {into})</span>}
            </>
          )}
        </span>
        <span className={`fu-conf ${confClass}`} title="Matcher confidence">
          {confidenceText(link.confidence)}
        </span>
        <span className={`fu-decided decided-${decided.replace(' ', '-')}`}>{decided}</span>
        <button
          type="button"
          className="button fu-unlink"
          data-testid="fu-unlink"
          disabled={busy}
          title={continued ? `Undo: ${link.toLabel} gets its own identity back` : 'Undo this link'}
          onClick={() => decide(`unlink ${link.fromLabel} and ${link.toLabel}`, () => api.rejectLesionLink(link.id))}
        >
          Unlink
        </button>
      </div>
    </li>
  );
}

const FINDING_WORDS: Record<FollowUpFindingRow['kind'], Record<FollowUpFindingRow['status'], string>> = {
  new: { proposed: 'new lesion (PD) — review', confirmed: 'new lesion (PD)', equivocal: 'equivocal new lesion', rejected: 'not a lesion' },
  disappeared: { proposed: 'disappeared? — review', confirmed: 'disappeared (0 mm)', equivocal: '', rejected: 'still there: measure it' },
};

/**
 * The reader's decision on what matching found unpaired: a new lesion is PD unless it is
 * equivocal (RECIST 1.1 §4.3.5: PD once a later exam confirms it) or not a lesion; a lesion
 * not found is confirmed gone (0 mm) or is still there.
 */
function FindingDecision({ finding, busy, decide }: { finding: FollowUpFindingRow; busy: boolean; decide: Decide }) {
  const api = useApi();
  const act = (decision: 'confirm' | 'reject' | 'equivocal' | 'reopen', what: string) => decide(`${what} ${finding.label}`, () => api.decideFinding({ findingId: finding.id, decision }));
  return (
    <span className="fu-finding" data-testid="fu-finding" data-finding-id={finding.id} data-kind={finding.kind} data-status={finding.status}>
      <span className={`fu-finding-status status-${finding.status}`} title={finding.reader ? `${finding.reader.name}, ${finding.decidedAt ?? ''}` : 'matching found no counterpart'}>
        {FINDING_WORDS[finding.kind][finding.status]}
      </span>
      {finding.status === 'proposed' ? (
        <>
          <button type="button" className="button primary" data-testid="fu-finding-confirm" disabled={busy} onClick={() => act('confirm', finding.kind === 'new' ? 'new lesion' : 'disappeared:')}>
            {finding.kind === 'new' ? 'new' : 'gone'}
          </button>
          {finding.kind === 'new' && (
            <button type="button" className="button" data-testid="fu-finding-equivocal" disabled={busy} title="Equivocal: PD only once a later exam confirms it (dated from this exam)" onClick={() => act('equivocal', 'equivocal:')}>
              equivocal
            </button>
          )}
          <button type="button" className="button" data-testid="fu-finding-reject" disabled={busy} onClick={() => act('reject', finding.kind === 'new' ? 'not a lesion:' : 'still there:')}>
            {finding.kind === 'new' ? 'not a lesion' : 'still there'}
          </button>
        </>
      ) : (
        <button type="button" className="link" data-testid="fu-finding-reopen" disabled={busy} onClick={() => act('reopen', 'reopen')}>
          reopen
        </button>
      )}
    </span>
  );
}

function Unlinked({ lesion, table, pair, studyRowId, busy, decide, linkable }: { lesion: Lesion; studyRowId: number; linkable: boolean } & Omit<ListProps, 'lists'>) {
  const api = useApi();
  const [choosing, setChoosing] = useState(false);
  const finding = table.findings.find((f) => f.lesionId === lesion.id && f.followUpStudyRowId === pair.followUpStudyRowId);
  return (
    <li className="fu-unlinked-item" data-testid="fu-unlinked" data-lesion-label={lesion.label}>
      <LesionChip id={lesion.id} label={lesion.label} size={sizeText(table, lesion.id, studyRowId)} />
      {finding && <FindingDecision finding={finding} busy={busy} decide={decide} />}
      {linkable && (
        <button type="button" className="link" data-testid="fu-link-by-hand" disabled={busy} onClick={() => setChoosing(!choosing)} title="Link it to a baseline lesion by hand">
          link…
        </button>
      )}
      {choosing && (
        <LinkChooser
          table={table}
          pair={pair}
          toLesionId={lesion.id}
          exceptLesionId={null}
          kinds={['match', 'split', 'merge']}
          busy={busy}
          onCancel={() => setChoosing(false)}
          onLink={(from, kind) => {
            setChoosing(false);
            void decide(`link ${lesion.label} by hand`, () =>
              api.linkLesions({ baselineStudyRowId: pair.baselineStudyRowId, followUpStudyRowId: pair.followUpStudyRowId, fromLesionId: from, toLesionId: lesion.id, kind }),
            );
          }}
        />
      )}
    </li>
  );
}

export function LinkLists({ lists, table, pair, busy, decide }: ListProps) {
  const props = { table, pair, busy, decide };
  const settled = [...lists.matched, ...lists.splits, ...lists.merges];
  // A follow-up finding that continues a baseline lesion is named by it too (a merge into it reads "into L10 (= L1)").
  const continuedAs = new Map(lists.matched.map((l) => [l.toLesionId, l.fromLabel]));
  return (
    <div className="fu-links" data-testid="fu-links">
      <div className="fu-subtitle">
        Review queue <span className="dim">({lists.queue.length}, least confident first)</span>
      </div>
      {lists.queue.length === 0 ? (
        <div className="dim fu-none" data-testid="fu-queue-empty">
          Nothing to review.
        </div>
      ) : (
        <ol className="fu-list" data-testid="fu-queue">
          {lists.queue.map((l) => (
            <QueueItem key={l.id} link={l} {...props} />
          ))}
        </ol>
      )}

      {settled.length > 0 && (
        <>
          <div className="fu-subtitle">
            Linked <span className="dim">({lists.matched.length} matched{lists.splits.length ? `, ${lists.splits.length} split` : ''}{lists.merges.length ? `, ${lists.merges.length} merged` : ''})</span>
          </div>
          <ul className="fu-list" data-testid="fu-settled">
            {settled.map((l) => (
              <SettledItem key={l.id} link={l} continuedAs={continuedAs} {...props} />
            ))}
          </ul>
        </>
      )}

      {lists.newLesions.length > 0 && (
        <>
          <div className="fu-subtitle">New on the follow-up</div>
          <ul className="fu-list fu-unlinked" data-testid="fu-new">
            {lists.newLesions.map((l) => (
              <Unlinked key={l.id} lesion={l} studyRowId={pair.followUpStudyRowId} linkable {...props} />
            ))}
          </ul>
        </>
      )}
      {table.findings.some((f) => f.kind === 'new' && f.status === 'rejected' && f.followUpStudyRowId === pair.followUpStudyRowId) && (
        <>
          <div className="fu-subtitle">Called not a lesion</div>
          <ul className="fu-list fu-unlinked" data-testid="fu-not-lesions">
            {table.findings
              .filter((f) => f.kind === 'new' && f.status === 'rejected' && f.followUpStudyRowId === pair.followUpStudyRowId)
              .map((f) => (
                <li key={f.id} className="fu-unlinked-item">
                  <span className="lesion-label">{f.label}</span>
                  <FindingDecision finding={f} busy={busy} decide={decide} />
                </li>
              ))}
          </ul>
        </>
      )}
      {lists.disappeared.length > 0 && (
        <>
          <div className="fu-subtitle">Not found on the follow-up</div>
          <ul className="fu-list fu-unlinked" data-testid="fu-disappeared">
            {lists.disappeared.map((l) => (
              <Unlinked key={l.id} lesion={l} studyRowId={pair.baselineStudyRowId} linkable={false} {...props} />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
