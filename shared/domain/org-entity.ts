/** The org entity, as stored. A leaf (no use case, no port), so `ports.ts` can name it; creating an org is `org.ts`. */

export interface Org {
  orgId: string;
  name?: string;
  createdAt: string;
}
