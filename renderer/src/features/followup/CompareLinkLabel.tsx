/**
 * What links the two exams side by side, for the compare toolbar: the registration (and
 * which), or table position when the pair is not registered.
 */
import { useStore } from '../../app/createStore';
import { followUpStore } from './followUpStore';

export function CompareLinkLabel() {
  const link = useStore(followUpStore, (s) => s.link);
  const registered = link.how !== 'tablePosition';
  const sameFrame = link.how === 'sameFrameOfReference';
  const via = link.how === 'viaBaseline' ? ' via the baseline' : '';
  return (
    <span
      className={`compare-link${registered ? ' registered' : ' dim'}`}
      data-testid="compare-link"
      data-how={link.how}
      data-registration-ids={link.registrationIds.join(',')}
      title={
        sameFrame
          ? 'Both series share one frame of reference (the same patient coordinates): the other exam shows the same place, no registration needed'
          : registered
            ? 'Scrolling and choosing a point follow the registration: the other exam shows the corresponding place'
            : 'No registration between these exams: the other exam shows the same table position (z). Register them in the Follow-up tab.'
      }
    >
      {sameFrame ? 'by frame of reference' : registered ? `by registration (${link.method ?? 'registered'}${via})` : 'by table position'}
    </span>
  );
}
