import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { stubApi } from "../test-session";
import { AddMovie } from "./AddMovie";

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
}

const statuses: Record<string, object> = {};

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  FakeSocket.all = [];
  let n = 0;
  stubApi((url, init) => {
    if (init?.method === "POST") {
      n += 1;
      return new Response(JSON.stringify({ requestId: `req-${n}`, status: "queued" }), { status: 202 });
    }
    if (url.startsWith("/api/genres")) return { genres: [{ genre: "Drama", count: 3 }] };
    const id = url.split("/").pop()!;
    return statuses[id] ?? { requestId: id, status: "queued" };
  }, { config: { wsUrl: "ws://test/ws", cognitoEndpoint: "/c" } });
});

afterEach(() => vi.useRealTimers());

const factory = (url: string) => new FakeSocket(url) as unknown as WebSocket;

async function add(title: string) {
  const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
  await user.type(screen.getByLabelText("Title"), title);
  await user.type(screen.getByLabelText("Genre"), "Drama");
  await user.type(screen.getByLabelText("Rating"), "7");
  await user.type(screen.getByLabelText("Year"), "2020");
  await user.click(screen.getByRole("button", { name: "Add movie" }));
}

test("queued then created, live over the socket, with the token in the URL", async () => {
  render(<AddMovie socketFactory={factory} />);
  await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
  act(() => FakeSocket.all[0].open());
  expect(FakeSocket.all[0].url).toMatch(/^ws:\/\/test\/ws\?token=/);
  expect(screen.getByTestId("socket-state")).toHaveTextContent("Live updates on");
  await add("First");
  expect(await screen.findByText("Queued…")).toBeInTheDocument();
  act(() => FakeSocket.all[0].receive({ type: "addStatus", requestId: "req-1", status: "created", movie: { id: "m1" }, at: "now" }));
  expect(screen.getByText("Created")).toBeInTheDocument();
});

test("pings to stay open, reconnects with backoff and reconciles what it missed", async () => {
  render(<AddMovie socketFactory={factory} />);
  await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
  act(() => FakeSocket.all[0].open());
  await add("Missed");
  expect(await screen.findByText("Queued…")).toBeInTheDocument();
  act(() => vi.advanceTimersByTime(240_000));
  expect(FakeSocket.all[0].sent).toContain(JSON.stringify({ action: "ping" }));

  act(() => FakeSocket.all[0].drop());
  expect(screen.getByTestId("socket-state")).toHaveTextContent("Reconnecting");
  statuses["req-1"] = { requestId: "req-1", status: "duplicate", movie: { id: "existing" } };
  await act(async () => vi.advanceTimersByTime(2_000));
  await waitFor(() => expect(FakeSocket.all).toHaveLength(2));
  await act(async () => FakeSocket.all[1].open());
  expect(await screen.findByText("Already in the library")).toBeInTheDocument();
  expect(screen.getByRole("link", { name: "View existing" })).toHaveAttribute("href", "/movies/existing?from=%2Fadd");
});
