/** A page of a listing and how to ask for one: what the stores' `list` methods and the list routes share. */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** The page a list route's query (`limit`, `cursor`) asks for. */
export const pageRequest = (query: { limit: number; cursor?: string | undefined }): PageRequest => ({
  limit: query.limit,
  ...(query.cursor ? { cursor: query.cursor } : {}),
});
