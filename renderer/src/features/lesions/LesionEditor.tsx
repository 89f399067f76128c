/**
 * Every field of a lesion with a proper control; each change is saved at once (and lands in
 * the audit trail). Free text (notes, node station) is saved when the field is left.
 */
import { useState } from 'react';
import {
  COUINAUD_SEGMENTS,
  LESION_SITES,
  LESION_TYPES,
  RECIST_ROLES,
  REFERENCE_STANDARDS,
  type Lesion,
  type LesionFields,
} from '../../../../core/api/types';
import { useApi } from '../../api';
import { ROLE_LABEL, SITE_LABEL } from './lesionText';

export function LesionEditor({ lesion }: { lesion: Lesion }) {
  const api = useApi();
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [notes, setNotes] = useState(lesion.notes);
  const [station, setStation] = useState(lesion.nodeStation ?? '');

  const save = async (patch: Partial<LesionFields>) => {
    setSaving(true);
    setError(null);
    try {
      // The panel shows the saved values when onLesionsChanged reloads the table.
      await api.updateLesion(lesion.id, patch);
    } catch (e) {
      setError(`Could not save ${lesion.label}: ${e instanceof Error ? e.message : String(e)}. The previous values are kept.`);
    } finally {
      setSaving(false);
    }
  };

  const changeSite = (site: Lesion['site']) => {
    // A segment only means something in the liver, a station only for nodes.
    const patch: Partial<LesionFields> = { site, lymphNode: site === 'lymph-node' };
    if (site !== 'liver' && lesion.couinaudSegment) patch.couinaudSegment = null;
    if (site !== 'lymph-node' && lesion.nodeStation) {
      patch.nodeStation = null;
      setStation('');
    }
    void save(patch);
  };

  const isNode = lesion.site === 'lymph-node' || lesion.lymphNode;

  return (
    <div className="lesion-editor" data-testid="lesion-editor" aria-busy={saving}>
      <label className="field">
        <span className="field-name">Site</span>
        <select data-testid="lesion-site" value={lesion.site} onChange={(e) => changeSite(e.target.value as Lesion['site'])}>
          {LESION_SITES.map((s) => (
            <option key={s} value={s}>
              {SITE_LABEL[s]}
            </option>
          ))}
        </select>
      </label>
      {lesion.site === 'liver' && (
        <label className="field">
          <span className="field-name">Couinaud segment</span>
          <select data-testid="lesion-segment" value={lesion.couinaudSegment ?? ''} onChange={(e) => void save({ couinaudSegment: (e.target.value || null) as Lesion['couinaudSegment'] })}>
            <option value="">—</option>
            {COUINAUD_SEGMENTS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      )}
      {isNode && (
        <div className="field">
          <span className="field-name">Node station</span>
          <input
            data-testid="lesion-node-station"
            value={station}
            placeholder="e.g. 16a2, 12b"
            onChange={(e) => setStation(e.target.value)}
            onBlur={() => station.trim() !== (lesion.nodeStation ?? '') && void save({ nodeStation: station.trim() || null })}
            onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
          />
          <label className="check" title="RECIST 1.1 follows lymph nodes by their short axis">
            <input type="checkbox" data-testid="lesion-lymph-node" checked={lesion.lymphNode} onChange={(e) => void save({ lymphNode: e.target.checked })} />
            lymph node (short axis)
          </label>
        </div>
      )}
      <div className="field">
        <span className="field-name">RECIST role</span>
        <div className="segmented" role="radiogroup" aria-label="RECIST role">
          {RECIST_ROLES.map((r) => (
            <button
              key={r}
              type="button"
              role="radio"
              aria-checked={lesion.recistRole === r}
              className={`button${lesion.recistRole === r ? ' active' : ''}`}
              data-testid={`lesion-role-${r}`}
              onClick={() => lesion.recistRole !== r && void save({ recistRole: r })}
            >
              {ROLE_LABEL[r]}
            </button>
          ))}
        </div>
      </div>
      <label className="field">
        <span className="field-name">Type</span>
        <select data-testid="lesion-type" value={lesion.lesionType} onChange={(e) => void save({ lesionType: e.target.value as Lesion['lesionType'] })}>
          {LESION_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-name">Reference standard</span>
        <select
          data-testid="lesion-reference"
          value={lesion.referenceStandard ?? ''}
          onChange={(e) => void save({ referenceStandard: (e.target.value || null) as Lesion['referenceStandard'] })}
        >
          <option value="">— none</option>
          {REFERENCE_STANDARDS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <label className="field field-wide">
        <span className="field-name">Notes</span>
        <textarea
          data-testid="lesion-notes"
          rows={2}
          value={notes}
          placeholder="Free text (saved when you leave the field)"
          onChange={(e) => setNotes(e.target.value)}
          onBlur={() => notes !== lesion.notes && void save({ notes })}
        />
      </label>
      {error && (
        <div className="error field-wide" data-testid="lesion-save-error">
          {error}
        </div>
      )}
    </div>
  );
}
