/**
 * Minimal type declarations for the parts of `oidc-provider` (v9, untyped JS) that the
 * ID.me stand-in uses. Only what sandbox/idme/server.ts needs; not a full typing.
 * (If `@types/oidc-provider` is ever added to the project, delete this file.)
 */
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export type AnyObject = Record<string, unknown>;

  export interface OIDCContextParams {
    [param: string]: unknown;
    scope?: string;
    client_id?: string;
    redirect_uri?: string;
  }

  export interface ClientLike {
    clientId: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  export interface OIDCContext {
    route?: string;
    params?: OIDCContextParams;
    client?: ClientLike;
    issuer: string;
    result?: AnyObject & { login?: AnyObject };
    /** The parsed form body of a POST request. */
    body?: AnyObject;
    entities: AnyObject;
  }

  /** The Koa context as oidc-provider hands it to middleware. */
  export interface KoaContextWithOIDC {
    oidc?: OIDCContext;
    method: string;
    path: string;
    url: string;
    query?: AnyObject;
    origin: string;
    status: number;
    body: unknown;
    type: string;
    headers: Record<string, string | string[] | undefined>;
    set(field: string, value: string): void;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void> | void;

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    redirect_uris?: string[];
    grant_types?: string[];
    response_types?: string[];
    token_endpoint_auth_method?: string;
    [key: string]: unknown;
  }

  export interface AccountClaims {
    sub: string;
    [claim: string]: unknown;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: AnyObject, rejected: string[]): AccountClaims | Promise<AccountClaims>;
  }

  export type FindAccount = (ctx: KoaContextWithOIDC, sub: string, token?: unknown) => Promise<Account | undefined>;

  export type CheckFunction = (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>;

  export interface Configuration {
    clients?: ClientMetadata[];
    clientDefaults?: Partial<ClientMetadata>;
    clientAuthMethods?: string[];
    jwks?: { keys: AnyObject[] };
    scopes?: string[];
    claims?: Record<string, string[] | null>;
    conformIdTokenClaims?: boolean;
    findAccount?: FindAccount;
    interactions?: {
      url?: (ctx: KoaContextWithOIDC, interaction: Interaction) => string | Promise<string>;
      policy?: unknown;
    };
    features?: Record<string, AnyObject>;
    routes?: Record<string, string>;
    pkce?: { required?: (ctx: KoaContextWithOIDC, client: ClientLike) => boolean };
    extraParams?: string[] | Record<string, ((ctx: KoaContextWithOIDC, value: unknown, client: ClientLike) => void | Promise<void>) | null>;
    ttl?: Record<string, number | ((...args: unknown[]) => number)>;
    cookies?: { keys?: string[]; names?: Record<string, string>; long?: AnyObject; short?: AnyObject };
    issueRefreshToken?: (ctx: KoaContextWithOIDC, client: ClientLike, code: unknown) => boolean | Promise<boolean>;
    expiresWithSession?: (ctx: KoaContextWithOIDC, code: unknown) => boolean | Promise<boolean>;
    rotateRefreshToken?: boolean | ((ctx: KoaContextWithOIDC) => boolean);
    responseTypes?: string[];
    allowOmittingSingleRegisteredRedirectUri?: boolean;
    renderError?: (ctx: KoaContextWithOIDC, out: Record<string, string>, error: Error) => void | Promise<void>;
    discovery?: AnyObject;
    [key: string]: unknown;
  }

  export interface Interaction {
    uid: string;
    prompt: { name: string; reasons: string[]; details: AnyObject };
    params: OIDCContextParams;
    returnTo: string;
    session?: { accountId: string; uid?: string };
    grantId?: string;
    lastSubmission?: AnyObject;
  }

  export interface InteractionResults {
    login?: { accountId: string; remember?: boolean; acr?: string; amr?: string[]; ts?: number };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
    [key: string]: unknown;
  }

  export interface GrantInstance {
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    save(): Promise<string>;
  }

  export interface AccessTokenInstance {
    jti: string;
    accountId: string;
    clientId: string;
    scope?: string;
    grantId?: string;
    exp: number;
    iat: number;
    isExpired: boolean;
  }

  export interface RefreshTokenInstance {
    exp: number;
    remainingTTL: number;
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: Middleware): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    Grant: new (properties: { accountId: string; clientId: string }) => GrantInstance;
    AccessToken: { find(value: string, options?: { ignoreExpiration?: boolean }): Promise<AccessTokenInstance | undefined> };
    RefreshToken: { find(value: string, options?: { ignoreExpiration?: boolean }): Promise<RefreshTokenInstance | undefined> };
  }

  export class Check {
    constructor(reason: string, description: string, check: CheckFunction);
    constructor(reason: string, description: string, error: string, check: CheckFunction);
    static REQUEST_PROMPT: true;
    static NO_NEED_TO_PROMPT: false;
  }

  export interface Prompt {
    name: string;
    checks: Check[] & { add(check: Check, index?: number): void; get(reason: string): Check | undefined };
  }

  export const interactionPolicy: {
    Check: typeof Check;
    base(): Prompt[] & { get(name: string): Prompt | undefined };
  };

  export class OIDCProviderError extends Error {
    constructor(status: number, message: string);
    error: string;
    error_description?: string;
    status: number;
  }

  export const errors: {
    OIDCProviderError: typeof OIDCProviderError;
    InvalidScope: new (description: string, scope: string) => OIDCProviderError;
    InvalidRequest: new (description?: string) => OIDCProviderError;
    AccessDenied: new (description?: string) => OIDCProviderError;
  };

  export default Provider;
}
