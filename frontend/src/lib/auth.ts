// Cognito through its JSON API (USER_PASSWORD_AUTH, sign-up, confirmation, refresh): no SDK needed.
import { config } from "./config";

export interface Session {
  idToken: string;
  refreshToken: string;
  expiresAt: number; // ms epoch
  email: string;
}

const KEY = "mle.session";

export class AuthError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

async function cognito<T>(action: string, body: object): Promise<T> {
  const response = await fetch(config().cognitoEndpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const code = String(data.__type ?? "Error").split("#").pop() ?? "Error";
    throw new AuthError(friendly(code, data.message), code);
  }
  return data as T;
}

function friendly(code: string, message?: string): string {
  switch (code) {
    case "NotAuthorizedException":
      return "Wrong e-mail or password.";
    case "UserNotFoundException":
      return "Wrong e-mail or password.";
    case "UserNotConfirmedException":
      return "Confirm your e-mail first: enter the code we sent you.";
    case "UsernameExistsException":
      return "An account with this e-mail already exists. Sign in instead.";
    case "InvalidPasswordException":
      return message ?? "The password is too weak: use 8+ characters with upper and lower case letters and a number.";
    case "CodeMismatchException":
      return "That code is not right; check the e-mail and try again.";
    default:
      return message ?? "Something went wrong talking to the sign-in service.";
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
  const session: Session = {
    idToken: result.IdToken,
    refreshToken,
    expiresAt: Number(c.exp) * 1000,
    email: String(c.email ?? ""),
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export async function signIn(email: string, password: string): Promise<Session> {
  const data = await cognito<AuthResult>("InitiateAuth", {
    ClientId: config().clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  return store(data.AuthenticationResult, data.AuthenticationResult.RefreshToken ?? "");
}

export async function refresh(): Promise<Session | null> {
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

export function currentSession(allowExpired = false): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const session = JSON.parse(raw) as Session;
  if (!allowExpired && session.expiresAt <= Date.now()) return null;
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}
