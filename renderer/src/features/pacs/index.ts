/**
 * The PACS in the workstation: the PACS page (query and retrieve with progress, nodes and
 * echo, send the open exam's results, the C-STORE receiver), its launcher in the sidebar,
 * and the priors notice of the dock.
 */
import './pacs.css';

export { PacsLauncher, PacsPage } from './PacsPage';
export { PriorsNotice } from './PriorsNotice';
export { pacsActions, pacsStore, type PacsTab } from './pacsStore';
