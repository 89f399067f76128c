/**
 * Local AI in the workstation: the AI panel (model, run with progress and provenance,
 * proposals to accept, edit or reject), the proposal masks over the slice views, and the
 * model page (validation on a cohort, monitoring of agreement over time).
 */
import './ai.css';

export { AiPanel } from './AiPanel';
export { ModelPage } from './ModelPage';
export { withProposalOverlay } from './sliceOverlay';
export { aiActions, aiStore, type AiPage, type AiState, type ProposalOverlay } from './aiStore';
