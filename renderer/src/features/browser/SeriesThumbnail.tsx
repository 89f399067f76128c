import { useEffect, useState } from 'react';
import { useApi } from '../../api';

/**
 * The series' middle-slice PNG from getThumbnail, as a blob: URL (allowed by the CSP's
 * img-src) that is revoked when the item goes away.
 */
export function SeriesThumbnail({ seriesId, modality }: { seriesId: number; modality: string }) {
  const api = useApi();
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let cancelled = false;
    let objectUrl: string | null = null;
    api
      .getThumbnail(seriesId)
      .then((bytes) => {
        if (cancelled) return;
        objectUrl = URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
        setUrl(objectUrl);
      })
      .catch(() => {
        if (!cancelled) setFailed(true);
      });
    return () => {
      cancelled = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [api, seriesId]);

  return (
    <div className="thumb" data-testid="series-thumbnail">
      {url ? <img src={url} alt="" draggable={false} /> : <span className="thumb-placeholder">{failed ? '—' : modality}</span>}
    </div>
  );
}
