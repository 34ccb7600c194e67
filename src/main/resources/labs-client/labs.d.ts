// Types of /labs.js, the Modular Labs client (served by the engine next to it).

export interface FieldError { path: string; message: string }

/** Everything the engine refuses: RFC 9457 problem details plus the HTTP status (0: no response). */
export class LabsError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly problem: Record<string, unknown>;
  constructor(status: number, problem?: Record<string, unknown> | null);
}

export type Doc = Record<string, unknown> & { _id?: { $oid: string } | string };
export type Filter = Record<string, unknown>;

export interface ListOptions {
  filter?: Filter | string;
  sort?: string | string[];
  fields?: string | string[];
  limit?: number;
  after?: string | null;
  count?: boolean;
  /** Read another experiment's collection (it must be in this one's data_scope). */
  owner?: string;
}

export interface Page<T = Doc> { items: T[]; next: string | null; count?: number }

export interface User { email: string; roles: string[]; admin: boolean }

export interface SubscriptionSpec {
  collection: string;
  filter?: Filter;
  fields?: string;
  /** Another experiment in this one's data_scope whose collection is read. */
  owner?: string;
}

export type LiveEvent =
  | { type: 'insert' | 'update'; collection: string; doc: Doc; id: string }
  | { type: 'delete'; collection: string; id: string }
  | { type: 'reset' };

export interface SubscribeOptions {
  /** The engine refused or ended the subscription for good (access, validation). */
  onError?: (err: LabsError) => void;
  /** The connection is open (again); a good moment to reload after a reset. */
  onReady?: () => void;
}

export interface Subscription { close(): void }

export interface Labs {
  readonly slug: string;
  login(email: string, password: string): Promise<unknown>;
  logout(): Promise<void>;
  me(): Promise<User | null>;
  list(coll: string, opts?: ListOptions): Promise<Page>;
  iterate(coll: string, opts?: ListOptions): AsyncGenerator<Doc, void, void>;
  get(coll: string, id: string | Doc): Promise<Doc>;
  insert(coll: string, doc: Doc): Promise<Doc>;
  insert(coll: string, docs: Doc[]): Promise<{ items: Doc[]; count: number }>;
  update(coll: string, id: string | Doc, ops: Record<string, unknown>, opts?: { upsert?: boolean }): Promise<Doc>;
  replace(coll: string, id: string | Doc, doc: Doc): Promise<Doc>;
  delete(coll: string, id: string | Doc): Promise<null>;
  /** Text search over the collection's text-indexed fields ($text where the store has it, a bounded scan elsewhere). */
  search<T = Doc>(coll: string, q: string, opts?: { limit?: number }): Promise<{ items: T[]; mode: 'text' | 'scan' }>;
  query<T = Doc>(name: string, params?: Record<string, string | number | boolean>): Promise<T[]>;
  subscribe(spec: SubscriptionSpec | string, handler: (event: LiveEvent) => void, opts?: SubscribeOptions): Subscription;
}

export interface LabsOptions {
  /** Default: from the page URL (/experiments/<slug>/...). */
  slug?: string;
  base?: string;
  /** Use bearer tokens (login() then asks /auth/token) instead of the session cookie. */
  token?: string | null;
  fetch?: typeof fetch;
}

export function createLabs(options?: LabsOptions): Labs;
export const labs: Labs | null;
export default labs;

export function slugFromPath(pathname: string): string | null;
export function idOf(docOrId: unknown): string | null;
export function toDate(v: unknown): Date | null;
export function toNumber(v: unknown): number;
export function listQuery(opts?: ListOptions): string;
export function problemMessage(problem: Record<string, unknown> | null, status: number): string;
export function sseParser(): (chunk: string) => { id: string | null; event: string; data: string }[];
export function backoff(attempt: number, random?: () => number): number;
export function retryable(status: number): boolean;
