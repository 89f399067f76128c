/** Follow-up report: the dock with lesions, the lesion table (RECIST 1.1, volumetry) and plots. */
export { FollowUpDock } from './FollowUpDock';
export { LesionTableView } from './LesionTableView';
export { PlotsView, SpiderPlot, VolumePlot, WaterfallPlot } from './Plots';
