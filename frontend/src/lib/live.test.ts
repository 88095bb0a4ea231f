import { applyStatus } from "../pages/AddMovie";
import { LiveSocket, type LiveTarget } from "./live";

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send() {}
  close() {
    this.closed = true;
    this.readyState = 3;
    this.onclose?.();
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});
afterEach(() => vi.useRealTimers());

const flush = async () => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

const movie = (id: string) => ({ id, title: "A", genre: "G", rating: null, year: null, created_at: "2026-11-27T00:00:00Z" });

test("a repeated addStatus never changes an outcome already shown", () => {
  const list = [{ key: "k1", requestId: "r1", title: "A", status: "queued" as const }];
  const created = applyStatus(list, { requestId: "r1", status: "created", movie: movie("m") });
  expect(applyStatus(created, { requestId: "r1", status: "created", movie: movie("m") })).toEqual(created);
  expect(applyStatus(created, { requestId: "r1", status: "duplicate", movie: movie("x") })[0].status).toBe("created");
});

test("the socket is replaced with a fresh token before the old one expires, the old one closed only after", async () => {
  let n = 0;
  const target = async (): Promise<LiveTarget> => {
    n += 1;
    return { url: `ws://x?token=t${n}`, expiresAt: Date.now() + 10 * 60_000 };
  };
  const live = new LiveSocket({ target, onMessage: () => {}, onState: () => {}, socketFactory: (u) => new FakeSocket(u) as unknown as WebSocket });
  live.start();
  await flush();
  FakeSocket.all[0].open();
  vi.advanceTimersByTime(9 * 60_000 - 1);
  await flush();
  expect(FakeSocket.all).toHaveLength(1);
  vi.advanceTimersByTime(2);
  await flush();
  expect(FakeSocket.all.map((s) => s.url)).toEqual(["ws://x?token=t1", "ws://x?token=t2"]);
  expect(FakeSocket.all[0].closed).toBe(false);
  FakeSocket.all[1].open();
  expect(FakeSocket.all[0].closed).toBe(true);
  live.stop();
});

test("with no session yet it keeps trying instead of giving up", async () => {
  let session: LiveTarget | null = null;
  const states: string[] = [];
  const live = new LiveSocket({
    target: async () => session,
    onMessage: () => {},
    onState: (s) => states.push(s),
    socketFactory: (u) => new FakeSocket(u) as unknown as WebSocket,
  });
  live.start();
  await flush();
  expect(FakeSocket.all).toHaveLength(0);
  expect(states.at(-1)).toBe("reconnecting");
  session = { url: "ws://x?token=new", expiresAt: Date.now() + 3_600_000 };
  vi.advanceTimersByTime(5_000);
  await flush();
  expect(FakeSocket.all.map((s) => s.url)).toEqual(["ws://x?token=new"]);
  live.stop();
});
