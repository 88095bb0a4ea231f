import { fakeSession, stubApi } from "../test-session";
import { currentSession, ensureSession, signOut } from "./auth";

const actions: string[] = [];

beforeEach(() => {
  actions.length = 0;
  const payload = btoa(JSON.stringify({ exp: 2, iat: 1, email: "a@example.com" }));
  stubApi((_url, init) => {
    actions.push(String(new Headers(init!.headers).get("X-Amz-Target")).split(".").pop()!);
    return { AuthenticationResult: { IdToken: `h.${payload}.s`, ExpiresIn: 3600 } };
  }, { session: false });
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
