import { AddStore, REQUESTS, type TrackedRequest, merge } from "./adds";

const movie = { id: "m1", title: "A", genre: "G", rating: 7, year: 2020, created_at: "2026-11-27T00:00:00Z" };
const entry = (key: string, extra: Partial<TrackedRequest> = {}): TrackedRequest => ({
  key, title: key, status: "sending", submittedAt: `2026-12-03T10:00:0${key.length}Z`, ...extra,
});

beforeEach(() => localStorage.clear());

test("an outcome that arrives before the POST's answer is applied when the request id is known", () => {
  const store = new AddStore();
  store.record(entry("k1"));
  store.outcome({ requestId: "r1", status: "created", movie });
  expect(store.list()[0].status).toBe("sending");
  store.accepted("k1", "r1", "queued");
  expect(store.list()[0]).toMatchObject({ requestId: "r1", status: "created", movieId: "m1" });
});

test("each write merges with what another tab stored, so neither tab's adds are lost", () => {
  const a = new AddStore();
  const b = new AddStore();
  a.record(entry("a"));
  b.record(entry("bb"));
  expect(new AddStore().list().map((r) => r.key).sort()).toEqual(["a", "bb"]);
});

test("another tab's write reaches this tab through the storage event", () => {
  const a = new AddStore();
  const heard = vi.fn();
  const stop = a.subscribe(heard);
  new AddStore().record(entry("elsewhere"));
  window.dispatchEvent(new StorageEvent("storage", { key: REQUESTS }));
  expect(heard).toHaveBeenCalled();
  expect(a.list().map((r) => r.key)).toEqual(["elsewhere"]);
  stop();
});

test("merging keeps the most advanced state of each request and old entries without keys", () => {
  const merged = merge([entry("k", { requestId: "r", status: "queued" })], [entry("k", { requestId: "r", status: "created" })]);
  expect(merged).toHaveLength(1);
  expect(merged[0].status).toBe("created");
  localStorage.setItem(REQUESTS, JSON.stringify([{ requestId: "old", title: "Old", status: "queued" }]));
  expect(new AddStore().list()[0].key).toBe("old");
});

test("the server's list joins this browser's: new requests are added in time order, known ones take its outcome", () => {
  const store = new AddStore();
  store.record(entry("k1", { submittedAt: "2026-12-03T10:00:05Z" }));
  store.accepted("k1", "r1", "queued");
  store.fromServer([
    { requestId: "r2", status: "duplicate", input: { title: "From my phone", genre: "Drama", rating: 6, year: 2001 },
      submittedAt: "2026-12-03T10:00:09Z", movie, error: { code: "CONFLICT", message: "Already in the library" } },
    { requestId: "r1", status: "created", movie, submittedAt: "2026-12-03T10:00:05Z" },
  ]);
  expect(store.list().map((r) => [r.requestId, r.status, r.title])).toEqual([
    ["r2", "duplicate", "From my phone"],
    ["r1", "created", "k1"],
  ]);
  expect(store.list()[0]).toMatchObject({ genre: "Drama", rating: 6, year: 2001, error: "Already in the library" });
  store.fromServer([{ requestId: "r2", status: "duplicate", submittedAt: "2026-12-03T10:00:09Z" }]);
  expect(store.list()).toHaveLength(2); // the same request twice is one entry
});

test("a request the server listed before this tab's POST answered (a reload mid-add) stays one entry", () => {
  const store = new AddStore();
  store.record(entry("k1", { submittedAt: "2026-12-03T10:00:05Z" }));
  store.fromServer([{ requestId: "r1", status: "created", movie, submittedAt: "2026-12-03T10:00:06Z", input: { title: "k1" } }]);
  expect(store.list()).toHaveLength(2); // not known yet to be the same request
  store.accepted("k1", "r1", "queued");
  expect(store.list()).toHaveLength(1);
  expect(store.list()[0]).toMatchObject({ key: "k1", requestId: "r1", status: "created", movieId: "m1" });
});

test("once signed out (canStore false), a late answer writes nothing back", () => {
  let signedIn = true;
  const store = new AddStore(() => signedIn);
  store.record(entry("k1"));
  localStorage.clear(); // sign-out clears what the app stored
  signedIn = false;
  store.fromServer([{ requestId: "r9", status: "created", movie, submittedAt: "2026-12-03T10:00:00Z" } as never]);
  store.outcome({ requestId: "r1", status: "created", movie });
  expect(localStorage.getItem(REQUESTS)).toBeNull();
});
