/** How one API method travels. Every domain lists every method of its interface with one. */
export interface MethodSpec {
  /** The result is raw bytes (ArrayBuffer), not JSON; HTTP sends it with this content type. */
  binary?: 'image/png' | 'application/octet-stream';
  /** HTTP sends the last argument as the raw request body (PUT /api/upload/...). */
  rawBody?: true;
}

/** The methods of an API interface, each with its spec: a compile error names a missing or extra one. */
export type MethodTable<Api> = { readonly [K in keyof Api]-?: MethodSpec };

/** The events of a domain, each listed once: a compile error names a missing or extra one. */
export type EventTable<Events> = { readonly [K in keyof Events]-?: true };
