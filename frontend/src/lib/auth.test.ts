import { fakeSession } from "../test-session";
import { currentSession, ensureSession, signOut } from "./auth";
import { setConfigForTests } from "./config";

const actions: string[] = [];

beforeEach(() => {
  actions.length = 0;
  localStorage.clear();
  sessionStorage.clear();
  setConfigForTests({ apiUrl: "/api", wsUrl: "/ws", cognitoEndpoint: "/cognito", userPoolId: "p", clientId: "c", region: "r" });
  const payload = btoa(JSON.stringify({ exp: 2, iat: 1, email: "a@example.com" }));
  vi.stubGlobal("fetch", vi.fn(async (_url: string, init: RequestInit) => {
    actions.push(String(new Headers(init.headers).get("X-Amz-Target")).split(".").pop()!);
    return new Response(JSON.stringify({ AuthenticationResult: { IdToken: `h.${payload}.s`, ExpiresIn: 3600 } }), { status: 200 });
  }));
});

test("a token about to expire is renewed once, however many callers ask at the same time", async () => {
  fakeSession(30);
  const [a, b] = await Promise.all([ensureSession(), ensureSession()]);
  expect(actions).toEqual(["InitiateAuth"]);
  expect(a?.expiresAt).toBe(b?.expiresAt);
  expect(a!.expiresAt - Date.now()).toBeGreaterThan(3500_000); // measured on this clock, not the token's exp
  expect(currentSession()?.refreshToken).toBe("r");
});

test("sign-out removes everything the app stored and revokes the refresh token", async () => {
  fakeSession();
  localStorage.setItem("mle.add-requests", "[]");
  sessionStorage.setItem("mle.add-draft", "{}");
  localStorage.setItem("other-app", "kept");
  await signOut();
  expect(Object.keys(localStorage)).toEqual(["other-app"]);
  expect(Object.keys(sessionStorage)).toEqual([]);
  expect(actions).toEqual(["RevokeToken"]);
});
