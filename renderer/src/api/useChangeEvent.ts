/**
 * Follow one of the workstation's change events (core/api/contract.ts CHANGE_EVENTS) from a
 * component. The owners emit them after every commit — this client's own calls, another
 * browser's, the REST API's — so data shown on screen reloads from the event, never by hand
 * after a call. `handler` also runs with `null` when the event stream came back after a gap
 * (events may have been missed: reload whatever the component shows).
 */
import { useEffect, useRef } from 'react';
import type { ChangeEventName, LongitudeEvents } from '../../../core/api/contract';
import type { ApiClient } from './index';
import { useApi } from './ApiContext';

export type ChangeHandler<E extends ChangeEventName> = (payload: LongitudeEvents[E] | null) => void;

/** Subscribe outside React (stores, controllers); returns the unsubscribe. */
export function followChanges<E extends ChangeEventName>(api: Pick<ApiClient, 'on' | 'onReconnect'>, event: E, handler: ChangeHandler<E>): () => void {
  const offEvent = api.on(event, (payload) => handler(payload));
  const offReconnect = api.onReconnect(() => handler(null));
  return () => {
    offEvent();
    offReconnect();
  };
}

export function useChangeEvent<E extends ChangeEventName>(event: E, handler: ChangeHandler<E>): void {
  const api = useApi();
  // The latest handler, without resubscribing on every render.
  const current = useRef(handler);
  current.current = handler;
  useEffect(() => followChanges(api, event, (payload) => current.current(payload)), [api, event]);
}
