// Cognito through its JSON API (USER_PASSWORD_AUTH, sign-up, confirmation, refresh, recovery,
// revocation): no SDK needed. Its expiry is measured on this device's clock (ExpiresIn), so a skewed clock
// never ends it early.
//
// Where the session lives (issue 24, review 10): in this tab's sessionStorage, never in localStorage, so the
// refresh token dies with the tab and is not on disk for the next browser start. A new tab of the site asks
// the open ones for theirs over a BroadcastChannel (same origin only); signing out in one tab signs every
// open tab out. A cookie-based token handler (refresh token in an HttpOnly cookie) would keep it from
// scripts entirely, but needs a backend the static site does not have.
import { config } from "./config";
import { PASSWORD_POLICY, PASSWORD_RULES } from "./generated/schema";

export interface Session {
  idToken: string;
  refreshToken: string;
  expiresAt: number; // ms epoch, this device's clock
  email: string;
}

const KEY = "mle.session";
const CHANNEL = "mle.auth";
// How long a new tab waits for an open one to hand over its session before showing the sign-in page.
export const HANDOVER_MS = 300;
// Renew this long before the id token expires, so no request or socket ever carries a dead token.
export const RENEW_MARGIN_MS = 60_000;

// The pool's password policy: the document's x-password-policy, which template.yaml's UserPool (and so the
// local pool) is generated from.
export { PASSWORD_RULES };
const POLICY: { readonly [rule in keyof typeof PASSWORD_POLICY]: number | boolean } = PASSWORD_POLICY;
// Cognito's symbols: ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + - and the space.
const SYMBOL = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;

export function passwordProblem(password: string): string | null {
  const missing =
    password.length < Number(POLICY.MinimumLength) ||
    (POLICY.RequireLowercase && !/[a-z]/.test(password)) ||
    (POLICY.RequireUppercase && !/[A-Z]/.test(password)) ||
    (POLICY.RequireNumbers && !/\d/.test(password)) ||
    (POLICY.RequireSymbols && !SYMBOL.test(password));
  return missing ? `Use a password of ${PASSWORD_RULES}.` : null;
}

export function emailProblem(email: string): string | null {
  if (!email.trim()) return "Enter your e-mail address.";
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) return "Enter an e-mail address like name@example.com.";
  return null;
}

export class AuthError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

async function cognito<T>(action: string, body: object): Promise<T> {
  let response: Response;
  try {
    response = await fetch(config().cognitoEndpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new AuthError("Cannot reach the sign-in service. Check your connection and try again.", "NETWORK");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const code = String(data.__type ?? "Error").split("#").pop() ?? "Error";
    throw new AuthError(friendly(code, String(data.message ?? "")), code);
  }
  return data as T;
}

// Cognito's own texts ("does not confirm to the configured password policy") never reach people.
function friendly(code: string, message: string): string {
  switch (code) {
    case "NotAuthorizedException":
    case "UserNotFoundException":
      return "Wrong e-mail or password.";
    case "UserNotConfirmedException":
      return "This account is not confirmed yet. Enter the code from the e-mail we sent you, or ask for a new one.";
    case "UsernameExistsException":
      return "An account with this e-mail already exists. Sign in instead.";
    case "InvalidPasswordException":
      return `The password does not meet the rules: use ${PASSWORD_RULES}.`;
    case "InvalidParameterException":
      return /username|email/i.test(message)
        ? "Enter an e-mail address like name@example.com."
        : /password/i.test(message)
          ? `The password does not meet the rules: use ${PASSWORD_RULES}.`
          : "Some of the details are not valid; check them and try again.";
    case "CodeMismatchException":
      return "That code is not right; check the e-mail and try again.";
    case "ExpiredCodeException":
      return "That code has expired. Ask for a new one.";
    case "LimitExceededException":
    case "TooManyRequestsException":
    case "TooManyFailedAttemptsException":
      return "Too many attempts. Wait a few minutes and try again.";
    default:
      return "Something went wrong talking to the sign-in service. Try again.";
  }
}

function claims(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(decodeURIComponent(escape(json))) as Record<string, unknown>;
}

interface AuthResult {
  AuthenticationResult: { IdToken: string; RefreshToken?: string; ExpiresIn: number };
}

function store(result: AuthResult["AuthenticationResult"], refreshToken: string): Session {
  const c = claims(result.IdToken);
  const lifetime = Number(result.ExpiresIn) || Number(c.exp) - Number(c.iat) || 3600;
  const session: Session = {
    idToken: result.IdToken,
    refreshToken,
    expiresAt: Date.now() + lifetime * 1000,
    email: String(c.email ?? ""),
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

type TabMessage = { type: "ask" } | { type: "session"; session: Session } | { type: "signout" };

// Tabs of this site tell each other about sign-in and sign-out; the App listens for "storage" events on
// SESSION_KEY, so a change another tab announces is replayed here as one.
const channel: BroadcastChannel | null = typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel(CHANNEL);

function announce(message: TabMessage): void {
  channel?.postMessage(message);
}

function changed(newValue: string | null): void {
  window.dispatchEvent(new StorageEvent("storage", { key: KEY, newValue }));
}

channel?.addEventListener("message", (event: MessageEvent<TabMessage>) => {
  const message = event.data;
  if (message.type === "ask") {
    const mine = currentSession(true);
    if (mine) announce({ type: "session", session: mine });
  } else if (message.type === "session" && !currentSession()) {
    sessionStorage.setItem(KEY, JSON.stringify(message.session));
    changed(JSON.stringify(message.session));
  } else if (message.type === "signout" && currentSession(true)) {
    clearAppStorage();
    changed(null);
  }
});

/** A session handed over by another open tab of the site, or null after HANDOVER_MS. */
function fromAnotherTab(): Promise<Session | null> {
  if (!channel) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(currentSession(true)), HANDOVER_MS);
    const got = (event: MessageEvent<TabMessage>) => {
      if (event.data.type !== "session") return;
      clearTimeout(timer);
      channel.removeEventListener("message", got);
      resolve(currentSession(true) ?? event.data.session);
    };
    channel.addEventListener("message", got);
    announce({ type: "ask" });
  });
}

export async function signIn(email: string, password: string): Promise<Session> {
  const data = await cognito<AuthResult>("InitiateAuth", {
    ClientId: config().clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  const session = store(data.AuthenticationResult, data.AuthenticationResult.RefreshToken ?? "");
  announce({ type: "session", session }); // tabs on the sign-in page follow
  return session;
}

let refreshing: Promise<Session | null> | null = null;

// One refresh at a time, shared by every caller (API requests, the live socket, start-up).
export function refresh(): Promise<Session | null> {
  refreshing ??= (async () => {
    const session = currentSession(true);
    if (!session?.refreshToken) return null;
    try {
      const data = await cognito<AuthResult>("InitiateAuth", {
        ClientId: config().clientId,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: session.refreshToken },
      });
      return store(data.AuthenticationResult, session.refreshToken);
    } catch {
      return null;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

// A session good for at least RENEW_MARGIN_MS more, refreshed if needed; null when it cannot be.
export async function ensureSession(minValidMs = RENEW_MARGIN_MS): Promise<Session | null> {
  const session = currentSession(true) ?? (await fromAnotherTab());
  if (!session) return null;
  if (session.expiresAt - Date.now() > minValidMs) return session;
  const renewed = await refresh();
  if (!renewed) sessionStorage.removeItem(KEY);
  return renewed;
}

export async function signUp(email: string, password: string): Promise<void> {
  await cognito("SignUp", {
    ClientId: config().clientId,
    Username: email,
    Password: password,
    UserAttributes: [{ Name: "email", Value: email }],
  });
}

export async function confirmSignUp(email: string, code: string): Promise<void> {
  await cognito("ConfirmSignUp", { ClientId: config().clientId, Username: email, ConfirmationCode: code });
}

export async function resendCode(email: string): Promise<void> {
  await cognito("ResendConfirmationCode", { ClientId: config().clientId, Username: email });
}

export async function forgotPassword(email: string): Promise<void> {
  await cognito("ForgotPassword", { ClientId: config().clientId, Username: email });
}

export async function confirmForgotPassword(email: string, code: string, password: string): Promise<void> {
  await cognito("ConfirmForgotPassword", {
    ClientId: config().clientId,
    Username: email,
    ConfirmationCode: code,
    Password: password,
  });
}

// Earlier versions kept the session, refresh token included, in localStorage: it goes at start-up.
localStorage.removeItem(KEY);

export function currentSession(allowExpired = false): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Session;
    if (!allowExpired && session.expiresAt <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

// Everything the app stored (session, drafts, add history) goes, and the refresh token is revoked
// so it cannot be used again even if it was copied.
function clearAppStorage(): void {
  for (const store of [localStorage, sessionStorage]) {
    for (const key of Object.keys(store)) if (key.startsWith("mle.")) store.removeItem(key);
  }
}

export async function signOut(): Promise<void> {
  const session = currentSession(true);
  clearAppStorage();
  announce({ type: "signout" }); // every open tab of the site signs out too
  if (session?.refreshToken) {
    await cognito("RevokeToken", { ClientId: config().clientId, Token: session.refreshToken }).catch(() => undefined);
  }
}

export const SESSION_KEY = KEY;

// An expired session that cannot be renewed: only the tokens go; drafts stay for after sign-in.
export function dropSession(): void {
  sessionStorage.removeItem(KEY);
}
