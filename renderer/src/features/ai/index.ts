/**
 * Local AI in the workstation: the AI panel (model, run with progress and provenance,
 * proposals to accept, edit or reject), the proposal masks over the slice views, and the
 * model page (validation on a cohort; monitoring over time of the agreement of its masks and
 * of its errors: rejections, misses, sensitivity and false positives per exam).
 */
import './ai.css';

export { AiPanel } from './AiPanel';
export { ModelPage } from './ModelPage';
export { withProposalOverlay } from './sliceOverlay';
export { aiActions, aiStore, type AiPage, type AiState, type ProposalOverlay } from './aiStore';
