import type { Writable } from 'node:stream';
import { MooringClient } from '@mooring/sdk';
import { CliError } from './cli-error.js';
import { configDir, type Env, sessionStore, writeStoredConfig } from './config-store.js';
import { EXIT } from './exit-codes.js';
import type { CredentialKind, ErrorContext } from './friendly-errors.js';
import { Output } from './output.js';
import type { Input } from './prompt.js';
import { resolveTarget, type Target } from './target.js';

/** The process's streams and environment, injectable so the CLI can be driven in-process too. */
export interface Io {
  readonly stdin: Input;
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: Env;
}

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  readonly apiUrl?: string;
  readonly json?: boolean;
}

/**
 * Everything a command needs, resolved lazily: the target server, the credential and a client.
 * Resolution order for the server: --api-url, MOORING_API_URL, the last `mooring login`, the default.
 * For the credential: MOORING_API_KEY, else the stored session for that server.
 */
export class CommandContext {
  readonly out: Output;
  readonly configDir: string;
  #target: Target | undefined;
  #credential: CredentialKind = 'none';
  #client: MooringClient | undefined;

  constructor(
    readonly io: Io,
    readonly globals: GlobalOptions,
  ) {
    this.out = new Output(io.stdout, io.stderr, globals.json === true);
    this.configDir = configDir(io.env);
  }

  get json(): boolean {
    return this.out.json;
  }

  target(): Target {
    this.#target ??= resolveTarget(this.globals.apiUrl, this.io.env, this.configDir);
    return this.#target;
  }

  /** For error messages: which server and which credential were involved. */
  errorContext(): ErrorContext {
    let apiUrl: string;
    try {
      apiUrl = this.target().apiUrl;
    } catch {
      apiUrl = 'the server';
    }
    return { apiUrl, credential: this.#credential };
  }

  /** A client with the user's credential; fails fast (exit 3) when there is none. */
  async client(): Promise<MooringClient> {
    this.#client ??= await this.createClient();
    return this.#client;
  }

  private async createClient(): Promise<MooringClient> {
    const { apiUrl } = this.target();
    const apiKey = this.io.env.MOORING_API_KEY?.trim();
    if (apiKey) {
      this.#credential = 'api-key';
      return new MooringClient({ apiUrl, apiKey });
    }
    const tokenStore = sessionStore(this.configDir, apiUrl);
    if ((await tokenStore.get()) === null) {
      throw new CliError(
        EXIT.auth,
        `not logged in to ${apiUrl}; run \`mooring login\` or set MOORING_API_KEY`,
      );
    }
    this.#credential = 'session';
    return new MooringClient({ apiUrl, tokenStore });
  }

  /** A client that keeps its session in the user's configuration directory (for `login`/`logout`). */
  sessionClient(): MooringClient {
    const { apiUrl } = this.target();
    return new MooringClient({ apiUrl, tokenStore: sessionStore(this.configDir, apiUrl) });
  }

  /** `login` makes its server the default for later commands. */
  rememberTarget(): void {
    writeStoredConfig(this.configDir, { apiUrl: this.target().apiUrl });
  }
}
