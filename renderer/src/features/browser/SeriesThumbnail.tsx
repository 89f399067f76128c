import { useEffect, useState } from 'react';
import { useApi } from '../../api';

/**
 * The series' middle-slice PNG from getThumbnail, as a blob: URL (allowed by the CSP's
 * img-src) that is revoked when the item goes away. A series without images (a report, a
 * segmentation) asks for none: it shows its modality.
 */
export function SeriesThumbnail({ seriesId, modality, images = true }: { seriesId: number; modality: string; images?: boolean }) {
  const api = useApi();
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (!images) return;
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
  }, [api, seriesId, images]);

  return (
    <div className="thumb" data-testid="series-thumbnail" data-images={images ? undefined : 'none'}>
      {url ? <img src={url} alt="" draggable={false} /> : <span className="thumb-placeholder">{failed ? '—' : modality}</span>}
    </div>
  );
}
