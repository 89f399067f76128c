/**
 * The hanging rule: how an exam opened from the library is laid out. By default a follow-up
 * opens beside its prior (the exam it was registered to, else the latest earlier exam of the
 * patient — features/followup), scrolled together through the registration; the baseline
 * opens alone. The reader can change the rule (kept in this browser's localStorage) and can
 * still close or choose the comparison by hand: a layout chosen by the reader wins.
 */
import { useEffect } from 'react';
import { useApi } from '../../api';
import { appStore } from '../../app/appStore';
import { createStore, useStore } from '../../app/createStore';
import { loadPriorExam } from '../followup';
import { viewportActions, viewportStore } from '../viewer';

export type HangingRule = 'besidePrior' | 'single';

export const HANGING_RULES: readonly { id: HangingRule; label: string; hint: string }[] = [
  { id: 'besidePrior', label: 'Follow-up beside prior', hint: 'A follow-up opens beside its prior (the exam it was registered to, else the latest earlier exam); the baseline opens alone' },
  { id: 'single', label: 'Single exam', hint: 'Every exam opens alone; compare by hand' },
];

export const HANGING_STORAGE_KEY = 'longitude.hangingRule';

function storedRule(): HangingRule {
  try {
    return globalThis.localStorage?.getItem(HANGING_STORAGE_KEY) === 'single' ? 'single' : 'besidePrior';
  } catch {
    return 'besidePrior';
  }
}

export const hangingStore = createStore<{ rule: HangingRule }>({ rule: storedRule() });

export function setHangingRule(rule: HangingRule): void {
  try {
    globalThis.localStorage?.setItem(HANGING_STORAGE_KEY, rule);
  } catch {
    // Storage refused (private window, quota): the rule holds for this session.
  }
  hangingStore.setState({ rule });
}

/** Lays out each series opened from the library by the rule, once its detail has arrived. */
export function useHangingRule(): void {
  const api = useApi();
  const pending = useStore(viewportStore, (s) => s.layoutByRule);
  const series = useStore(appStore, (s) => s.series);
  const rule = useStore(hangingStore, (s) => s.rule);

  useEffect(() => {
    if (pending === null || !series || series.id !== pending) return;
    if (rule === 'single') {
      viewportActions.hangLayout(pending, null);
      return;
    }
    let cancelled = false;
    loadPriorExam(api, series).then(
      (prior) => !cancelled && viewportActions.hangLayout(pending, prior?.seriesId ?? null),
      () => !cancelled && viewportActions.hangLayout(pending, null),
    );
    return () => {
      cancelled = true;
    };
  }, [api, pending, series, rule]);
}
