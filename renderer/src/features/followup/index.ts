/**
 * Follow-up of a patient across exams: registration of a follow-up to its baseline (elastix,
 * or corresponding points), synchronized navigation through it in the compare view, lesion
 * matching and the review queue of links.
 */
import './followup.css';

export { FollowUpPanel, type FollowUpPanelProps } from './FollowUpPanel';
export { CompareLinkLabel } from './CompareLinkLabel';
export { withLandmarkPicking } from './LandmarkLayer';
export { useRegistrationSync } from './useRegistrationSync';
export { followUpActions, followUpStore } from './followUpStore';
export { loadPriorExam, priorFor, type PriorChoice } from './priorExam';
