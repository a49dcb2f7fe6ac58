/** Who is calling. Every request resolves to at most one Principal (DESIGN.md §4). */
export type ActorKind = 'user' | 'application' | 'device';
export type CredentialVia = 'session' | 'api-key' | 'signature';

export interface Principal {
  readonly actorId: number;
  readonly kind: ActorKind;
  readonly via: CredentialVia;
  /** The user behind a session or a named user key. */
  readonly userId: number | undefined;
  /** The application (fleet) behind a provisioning key, or the device's fleet. */
  readonly applicationId: number | undefined;
  /** The device behind a device key. */
  readonly deviceId: number | undefined;
  /** Instance administrator (sees and manages everything). */
  readonly isAdmin: boolean;
  /** Session id (`jti`) when via session. */
  readonly sessionId: string | undefined;
  /** Epoch ms of the password login behind a session (for "fresh authentication" checks). */
  readonly authTime: number | undefined;
  /** API key row id when via api-key or signature. */
  readonly apiKeyId: number | undefined;
  /** Limits of a named key (Mooring's addition); undefined = the owner's full rights. */
  readonly limits: KeyLimits | undefined;
}

/** The areas a named key's scopes can grant (DESIGN.md §4). */
export const SCOPE_AREAS = ['fleets', 'devices', 'env', 'keys'] as const;
export type ScopeArea = (typeof SCOPE_AREAS)[number];
export type ScopeLevel = 'read' | 'write';

export interface KeyLimits {
  /** Per area the most the key may do; an area not listed is closed. */
  readonly areas: Readonly<Partial<Record<ScopeArea, ScopeLevel>>>;
  /** Only these fleets (and what hangs off them); null = every fleet the owner can reach. */
  readonly fleetIds: readonly number[] | null;
}
