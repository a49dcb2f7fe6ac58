import type { Logger } from 'pino';
import type { Clock } from './config/clock.js';
import type { Config } from './config/config.js';
import type { DerivedKeys } from './config/secrets.js';
import type { Database } from './db/database.js';

/** What services need besides their arguments: passed explicitly, never imported as singletons. */
export interface AppContext {
  readonly config: Config;
  readonly db: Database;
  readonly keys: DerivedKeys;
  readonly clock: Clock;
  readonly log: Logger;
  /** Drops cached credentials on every instance; call after any revocation. */
  readonly invalidateCredentials: () => Promise<void>;
  /** Wakes this instance's event readers; call after committing a change that wrote events (docs/events.md). */
  readonly eventsWritten: () => void;
}
