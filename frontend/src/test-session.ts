import { type AppConfig, setConfigForTests } from "./lib/config";

// A signed-in session for component tests (the token is never verified in jsdom).
export function fakeSession(lifetimeSeconds = 3600): void {
  const exp = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  const payload = btoa(JSON.stringify({ exp, email: "a@example.com" }));
  sessionStorage.setItem(
    "mle.session",
    JSON.stringify({ idToken: `h.${payload}.s`, refreshToken: "r", expiresAt: Date.now() + lifetimeSeconds * 1000, email: "a@example.com" }),
  );
}

export const TEST_CONFIG: AppConfig = { apiUrl: "/api", wsUrl: "/ws", cognitoEndpoint: "/cognito", userPoolId: "p", clientId: "c", region: "r" };

export interface StubOptions {
  /** Start signed in (fakeSession()); default true. */
  session?: boolean;
  /** Overrides of TEST_CONFIG. */
  config?: Partial<AppConfig>;
}

/** The setup every page test repeats: empty storage, a session, the test config, and `fetch` stubbed with
 * `answer` — a Response as is, anything else as a 200 JSON body. Returns the URLs fetched, in order. */
export function stubApi(
  answer: (url: string, init?: RequestInit) => unknown,
  { session = true, config = {} }: StubOptions = {},
): string[] {
  const calls: string[] = [];
  localStorage.clear();
  sessionStorage.clear();
  if (session) fakeSession();
  setConfigForTests({ ...TEST_CONFIG, ...config });
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    calls.push(url);
    const body = await answer(url, init);
    return body instanceof Response ? body : new Response(JSON.stringify(body), { status: 200 });
  }));
  return calls;
}
