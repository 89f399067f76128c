/** Follow-up report: the lesion table (RECIST 1.1, volumetry) and plots, shown in the app shell's dock. */
import './report.css';

export { responseClass } from '../../../../core/report/tableText';
export { LesionTableView } from './LesionTableView';
export { PlotsView, SpiderPlot, VolumePlot, WaterfallPlot } from './Plots';
