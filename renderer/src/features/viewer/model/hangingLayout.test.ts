import { beforeEach, describe, expect, it } from 'vitest';
import { appStore } from '../../../app/appStore';
import { openSeries, viewportActions, viewportStore } from './viewportStore';

/** What the layout is: which series b shows, whether both are on screen, and whether the rule still decides. */
const layout = () => {
  const s = viewportStore.getState();
  return { layout: s.layout, compareSeriesId: s.compareSeriesId, layoutByRule: s.layoutByRule };
};

describe('the layout of a series opened from the library (hanging rule seam)', () => {
  beforeEach(() => {
    appStore.setState({ seriesId: null, series: null, openError: null });
    viewportStore.setState({ layout: 'single', compareSeriesId: null, layoutByRule: null, activeGroup: 'a' });
  });

  it('leaves the layout to the rule, which shows the follow-up beside its prior or the baseline alone', () => {
    openSeries(20);
    expect(layout()).toEqual({ layout: 'single', compareSeriesId: null, layoutByRule: 20 });
    viewportActions.hangLayout(20, 10);
    expect(layout()).toEqual({ layout: 'compare', compareSeriesId: 10, layoutByRule: null });
    // Decided once: a late second answer changes nothing.
    viewportActions.hangLayout(20, null);
    expect(layout().layout).toBe('compare');
    openSeries(10);
    viewportActions.hangLayout(10, null);
    expect(layout()).toEqual({ layout: 'single', compareSeriesId: null, layoutByRule: null });
  });

  it('a layout chosen by the reader (or the follow-up panel) right after opening wins over the rule', () => {
    openSeries(20);
    viewportActions.chooseCompareSeries(30);
    viewportActions.hangLayout(20, 10);
    expect(layout()).toEqual({ layout: 'compare', compareSeriesId: 30, layoutByRule: null });
    openSeries(31);
    viewportActions.setLayout('single');
    viewportActions.hangLayout(31, 10);
    expect(layout().layout).toBe('single');
  });

  it('an answer for a series no longer open is dropped; a comparison ended by the app leaves the rule to decide', () => {
    openSeries(20);
    openSeries(21);
    viewportActions.hangLayout(20, 10);
    expect(layout()).toEqual({ layout: 'single', compareSeriesId: null, layoutByRule: 21 });
    viewportActions.endCompare();
    expect(layout().layoutByRule).toBe(21);
    viewportActions.hangLayout(21, 10);
    expect(layout()).toEqual({ layout: 'compare', compareSeriesId: 10, layoutByRule: null });
  });

  it('opening the series already open changes nothing', () => {
    openSeries(20);
    viewportActions.hangLayout(20, 10);
    openSeries(20);
    expect(layout()).toEqual({ layout: 'compare', compareSeriesId: 10, layoutByRule: null });
  });
});
