// A signed-in session for component tests (the token is never verified in jsdom).
export function fakeSession(lifetimeSeconds = 3600): void {
  const exp = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  const payload = btoa(JSON.stringify({ exp, email: "a@example.com" }));
  localStorage.setItem(
    "mle.session",
    JSON.stringify({ idToken: `h.${payload}.s`, refreshToken: "r", expiresAt: Date.now() + lifetimeSeconds * 1000, email: "a@example.com" }),
  );
}
