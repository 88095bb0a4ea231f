import { type FormEvent, useState } from "react";
import { ErrorMessage } from "../components/Status";
import { confirmSignUp, signIn, signUp } from "../lib/auth";
import { config } from "../lib/config";

type Mode = "signin" | "signup" | "confirm";

export function SignIn({ onSignedIn, expired }: { onSignedIn: () => void; expired: boolean }) {
  const [mode, setMode] = useState<Mode>("signin");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(expired ? "Your session expired; sign in again." : null);
  const [busy, setBusy] = useState(false);
  const demo = config().local ? config().demoUser : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === "signin") {
        await signIn(email.trim(), password);
        onSignedIn();
      } else if (mode === "signup") {
        await signUp(email.trim(), password);
        setMode("confirm");
        setNotice(
          config().local
            ? "Account created. The local stack sends no e-mail: any 6-digit code (e.g. 123456) confirms it."
            : `We sent a code to ${email.trim()}. Enter it to confirm your account.`,
        );
      } else {
        await confirmSignUp(email.trim(), code.trim());
        setMode("signin");
        setNotice("Account confirmed. Sign in with your e-mail and password.");
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const title = { signin: "Sign in", signup: "Create an account", confirm: "Confirm your e-mail" }[mode];
  return (
    <main className="auth" id="main">
      <h1>Movie Library Explorer</h1>
      <section className="card" aria-labelledby="auth-title">
        <h2 id="auth-title">{title}</h2>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={submit} noValidate>
          <label htmlFor="email">E-mail</label>
          <input id="email" type="email" autoComplete="username" required value={email}
            onChange={(e) => setEmail(e.target.value)} />
          {mode !== "confirm" && (
            <>
              <label htmlFor="password">Password</label>
              <input id="password" type="password" required value={password}
                autoComplete={mode === "signup" ? "new-password" : "current-password"}
                onChange={(e) => setPassword(e.target.value)} />
            </>
          )}
          {mode === "confirm" && (
            <>
              <label htmlFor="code">Confirmation code</label>
              <input id="code" inputMode="numeric" autoComplete="one-time-code" required value={code}
                onChange={(e) => setCode(e.target.value)} />
            </>
          )}
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            {busy ? "Please wait…" : title}
          </button>
        </form>
        <p>
          {mode === "signin" ? (
            <button type="button" className="link" onClick={() => { setMode("signup"); setError(null); setNotice(null); }}>
              New here? Create an account
            </button>
          ) : (
            <button type="button" className="link" onClick={() => { setMode("signin"); setError(null); }}>
              Back to sign in
            </button>
          )}
        </p>
        {demo && mode === "signin" && (
          <aside className="demo" aria-label="Demo account">
            <p>
              Local demo account: <code>{demo.username}</code> / <code>{demo.password}</code>
            </p>
            <button type="button" className="secondary" onClick={() => { setEmail(demo.username); setPassword(demo.password); }}>
              Fill in the demo account
            </button>
          </aside>
        )}
      </section>
    </main>
  );
}
