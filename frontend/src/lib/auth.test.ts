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

// Issue 24 (review 10): the refresh token is kept per tab (sessionStorage), never in localStorage.
test("a sign-in is kept in this tab's sessionStorage, never in localStorage", async () => {
  const { signIn } = await import("./auth");
  await signIn("a@example.com", "pw");
  expect(localStorage.getItem("mle.session")).toBeNull();
  expect(JSON.parse(sessionStorage.getItem("mle.session")!).email).toBe("a@example.com");
});

test("a session an older version left in localStorage is removed when the app starts", async () => {
  localStorage.setItem("mle.session", JSON.stringify({ idToken: "x", refreshToken: "30-day", expiresAt: 1, email: "" }));
  vi.resetModules();
  const fresh = await import("./auth");
  expect(localStorage.getItem("mle.session")).toBeNull();
  expect(fresh.currentSession(true)).toBeNull();
});

test("a new tab is handed the session of an open tab, and a sign-out there signs this tab out", async () => {
  const other = new BroadcastChannel("mle.auth"); // stands for another open tab of the site
  const handed = { idToken: "h.e30.s", refreshToken: "r", expiresAt: Date.now() + 600_000, email: "b@example.com" };
  other.onmessage = (event: MessageEvent<{ type: string }>) => {
    if (event.data.type === "ask") other.postMessage({ type: "session", session: handed });
  };
  try {
    expect(currentSession()).toBeNull();
    expect((await ensureSession())?.email).toBe("b@example.com");
    expect(currentSession()?.email).toBe("b@example.com");
    const signedOut = new Promise<void>((resolve) =>
      window.addEventListener("storage", (e) => e.newValue === null && resolve(), { once: true }),
    );
    other.postMessage({ type: "signout" });
    await signedOut;
    expect(currentSession(true)).toBeNull();
  } finally {
    other.close();
  }
});

test("without an open tab to ask, a new tab finds no session", async () => {
  expect(await ensureSession()).toBeNull();
});
