import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { stubApi } from "../test-session";
import { SignIn } from "./SignIn";

const calls: { action: string; body: Record<string, unknown> }[] = [];
let answers: Record<string, { status: number; body: object }> = {};

beforeEach(() => {
  calls.length = 0;
  answers = {};
  stubApi((_url, init) => {
    const action = String(new Headers(init!.headers).get("X-Amz-Target")).split(".").pop()!;
    calls.push({ action, body: JSON.parse(String(init!.body)) });
    const answer = answers[action] ?? { status: 200, body: {} };
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }, { session: false });
});

test("an empty form is caught before Cognito, in plain words", async () => {
  render(<SignIn onSignedIn={vi.fn()} reason={null} />);
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
  expect(screen.getByRole("alert")).toHaveTextContent("Enter your e-mail address.");
  expect(calls).toEqual([]);
});

test("sign-up states the password rules instead of Cognito's text", async () => {
  render(<SignIn onSignedIn={vi.fn()} reason={null} />);
  await userEvent.click(screen.getByRole("button", { name: "New here? Create an account" }));
  await userEvent.type(screen.getByLabelText("E-mail"), "a@example.com");
  await userEvent.type(screen.getByLabelText("Password"), "lowercase1");
  await userEvent.click(screen.getByRole("button", { name: "Create an account" }));
  expect(screen.getByRole("alert")).toHaveTextContent("at least 8 characters, with an upper-case letter");
  expect(calls).toEqual([]);
});

test("an unconfirmed account is taken to the code step, can ask for a new code, and no old notice lingers", async () => {
  answers.InitiateAuth = { status: 400, body: { __type: "UserNotConfirmedException", message: "User is not confirmed." } };
  render(<SignIn onSignedIn={vi.fn()} reason={null} />);
  await userEvent.type(screen.getByLabelText("E-mail"), "new@example.com");
  await userEvent.type(screen.getByLabelText("Password"), "Passw0rd-ok");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
  expect(await screen.findByRole("heading", { name: "Confirm your e-mail" })).toBeInTheDocument();
  expect(screen.getByLabelText("Confirmation code")).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Send a new code" }));
  expect(await screen.findByText(/A new code is on its way/)).toBeInTheDocument();
  expect(calls.map((c) => c.action)).toEqual(["InitiateAuth", "ResendConfirmationCode"]);
  await userEvent.type(screen.getByLabelText("Confirmation code"), "12345");
  await userEvent.click(screen.getByRole("button", { name: "Confirm your e-mail" }));
  expect(screen.getByRole("alert")).toHaveTextContent("Enter the 6-digit code");
  await userEvent.click(screen.getByRole("button", { name: "Back to sign in" }));
  expect(screen.queryByText(/new code/)).not.toBeInTheDocument();
});
