/** `/collection/<id>[/more]` with the id URL-encoded (ids are validated by callers; encoding keeps odd input harmless). */
export function objectPath(collection: string, id: string, ...rest: string[]): string {
  return [`/${collection}`, encodeURIComponent(id), ...rest].join("/");
}
