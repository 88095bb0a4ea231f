import { type FormEvent, useEffect, useRef, useState } from "react";
import { ErrorMessage } from "../components/Status";
import {
  AuthError,
  confirmForgotPassword,
  confirmSignUp,
  emailProblem,
  forgotPassword,
  PASSWORD_RULES,
  passwordProblem,
  resendCode,
  signIn,
  signUp,
} from "../lib/auth";
import { config } from "../lib/config";
import { usePageTitle } from "../lib/router";

type Mode = "signin" | "signup" | "confirm" | "forgot" | "reset";

const TITLE: Record<Mode, string> = {
  signin: "Sign in",
  signup: "Create an account",
  confirm: "Confirm your e-mail",
  forgot: "Reset your password",
  reset: "Choose a new password",
};
const ACTION: Record<Mode, string> = {
  signin: "Sign in",
  signup: "Create an account",
  confirm: "Confirm your e-mail",
  forgot: "Send a reset code",
  reset: "Set the new password",
};

export type SignInReason = "expired" | "renew-failed" | null;

export function SignIn({ onSignedIn, reason }: { onSignedIn: () => void; reason: SignInReason }) {
  const [mode, setModeState] = useState<Mode>("signin");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(
    reason === "renew-failed"
      ? "Your session expired and could not be renewed (the sign-in was revoked or is older than 30 days). Sign in again."
      : reason === "expired"
        ? "Your session expired; sign in again."
        : null,
  );
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const demo = config().local ? config().demoUser : undefined;
  usePageTitle(TITLE[mode]);

  // Each step starts clean: no message from the previous step lingers.
  const setMode = (next: Mode, message: string | null = null) => {
    setModeState(next);
    setError(null);
    setNotice(message);
    setCode("");
    if (next === "signup" || next === "reset") setPassword("");
  };
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.focus();
  }, [mode]);

  const codeSent = (to: string) =>
    config().local
      ? "The local stack sends no e-mail: any 6-digit code (e.g. 123456) works."
      : `We sent a code to ${to}.`;

  const check = (): string | null => {
    const e = emailProblem(email);
    if (mode === "signin") return e ?? (password ? null : "Enter your password.");
    if (mode === "signup") return e ?? passwordProblem(password);
    if (mode === "forgot") return e;
    if (!/^\d{6}$/.test(code.trim())) return "Enter the 6-digit code from the e-mail.";
    if (mode === "reset") return e ?? passwordProblem(password);
    return e;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = check();
    setError(problem);
    if (problem) return;
    setBusy(true);
    const address = email.trim();
    try {
      if (mode === "signin") {
        try {
          await signIn(address, password);
          onSignedIn();
        } catch (err) {
          if (err instanceof AuthError && err.code === "UserNotConfirmedException") {
            setMode("confirm", `This account is not confirmed yet. Enter the code from the e-mail we sent to ${address}, or ask for a new one.`);
            return;
          }
          throw err;
        }
      } else if (mode === "signup") {
        await signUp(address, password);
        setMode("confirm", `Account created. ${codeSent(address)} Enter it to confirm your account.`);
      } else if (mode === "confirm") {
        await confirmSignUp(address, code.trim());
        setMode("signin", "Account confirmed. Sign in with your e-mail and password.");
      } else if (mode === "forgot") {
        await forgotPassword(address);
        setMode("reset", `${codeSent(address)} Enter the code and a new password.`);
      } else {
        await confirmForgotPassword(address, code.trim(), password);
        setMode("signin", "Password changed. Sign in with the new password.");
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const resend = async () => {
    const problem = emailProblem(email);
    setError(problem);
    if (problem) return;
    setBusy(true);
    try {
      await resendCode(email.trim());
      setNotice(`A new code is on its way. ${codeSent(email.trim())}`);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const needsPassword = mode === "signin" || mode === "signup" || mode === "reset";
  const needsCode = mode === "confirm" || mode === "reset";
  return (
    <main className="auth" id="main">
      <p className="brand-large">Movie Library Explorer</p>
      <section className="card" aria-labelledby="auth-title">
        <h1 id="auth-title" ref={heading} tabIndex={-1}>{TITLE[mode]}</h1>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={submit} noValidate>
          <label htmlFor="email">E-mail</label>
          <input id="email" type="email" autoComplete="username" required value={email}
            onChange={(e) => setEmail(e.target.value)} />
          {needsCode && (
            <>
              <label htmlFor="code">Confirmation code</label>
              <input id="code" inputMode="numeric" autoComplete="one-time-code" required value={code} maxLength={6}
                aria-describedby="code-hint" onChange={(e) => setCode(e.target.value)} />
              <small id="code-hint" className="muted">6 digits, from the e-mail</small>
            </>
          )}
          {needsPassword && (
            <>
              <label htmlFor="password">{mode === "reset" ? "New password" : "Password"}</label>
              <input id="password" type="password" required value={password}
                autoComplete={mode === "signin" ? "current-password" : "new-password"}
                aria-describedby={mode === "signin" ? undefined : "password-rules"}
                onChange={(e) => setPassword(e.target.value)} />
              {mode !== "signin" && <small id="password-rules" className="muted">Use {PASSWORD_RULES}.</small>}
            </>
          )}
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            {busy ? "Please wait…" : ACTION[mode]}
          </button>
        </form>
        <div className="auth-links">
          {mode === "signin" && (
            <>
              <button type="button" className="link" onClick={() => setMode("signup")}>
                New here? Create an account
              </button>
              <button type="button" className="link" onClick={() => setMode("forgot")}>
                Forgot your password?
              </button>
            </>
          )}
          {mode === "confirm" && (
            <button type="button" className="link" disabled={busy} onClick={() => void resend()}>
              Send a new code
            </button>
          )}
          {mode !== "signin" && (
            <button type="button" className="link" onClick={() => setMode("signin")}>
              Back to sign in
            </button>
          )}
        </div>
        {demo && mode === "signin" && (
          <aside className="demo" aria-label="Demo account">
            <p>
              Local demo account: <code>{demo.username}</code>; its password is printed where <code>make run</code> started.
            </p>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setEmail(demo.username);
                document.getElementById("password")?.focus();
              }}
            >
              Fill in the demo e-mail
            </button>
          </aside>
        )}
      </section>
    </main>
  );
}
