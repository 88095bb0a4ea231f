// The live add-status channel: one WebSocket, pinged to stay open (API Gateway drops idle sockets
// after 10 minutes and every socket after 2 hours), reconnected with exponential backoff. The token
// is fetched (and refreshed) for each connection, and the socket is replaced with a fresh token
// before the old one expires, so a tab left open keeps its live status. Every (re)connect is
// announced so the UI can reconcile requests whose outcome arrived while it was away.
export type SocketState = "connecting" | "open" | "reconnecting" | "closed";

import type { AddStatusMessage } from "./generated/schema";

export type { AddStatusMessage };

export interface LiveTarget {
  url: string;
  expiresAt: number; // ms epoch of the token in the URL
}

export interface LiveOptions {
  target: () => Promise<LiveTarget | null>; // null: no session (yet); tried again with backoff
  onMessage: (message: AddStatusMessage) => void;
  onOther?: (message: { type: string } & Record<string, unknown>) => void;
  onState: (state: SocketState) => void;
  onOpen?: () => void;
  pingMs?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  renewBeforeMs?: number;
  socketFactory?: (url: string) => WebSocket;
}

export class LiveSocket {
  private socket: WebSocket | null = null;
  private attempts = 0;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly options: LiveOptions) {}

  start(): void {
    this.stopped = false;
    void this.open(false);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.renewTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.options.onState("closed");
  }

  private retry(): void {
    if (this.stopped) return;
    this.attempts += 1;
    const base = this.options.backoffMs ?? 1000;
    const delay = Math.min(this.options.maxBackoffMs ?? 30_000, base * 2 ** (this.attempts - 1));
    this.options.onState("reconnecting");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.open(false), delay * (0.75 + Math.random() / 2));
  }

  // renewing: the current socket stays open (and keeps delivering) until the new one is open.
  private async open(renewing: boolean): Promise<void> {
    const target = await this.options.target().catch(() => null);
    if (this.stopped) return;
    if (!target) {
      if (!renewing) this.retry();
      else this.scheduleRenew(Date.now() + 2 * (this.options.renewBeforeMs ?? 60_000));
      return;
    }
    if (!renewing) this.options.onState(this.attempts ? "reconnecting" : "connecting");
    const previous = renewing ? this.socket : null;
    const socket = (this.options.socketFactory ?? ((u) => new WebSocket(u)))(target.url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempts = 0;
      previous?.close();
      this.options.onState("open");
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ action: "ping" }), this.options.pingMs ?? 240_000);
      this.scheduleRenew(target.expiresAt);
      this.options.onOpen?.();
    };
    socket.onmessage = (event) => {
      try {
        const message = JSON.parse(String(event.data));
        if (message?.type === "addStatus") this.options.onMessage(message as AddStatusMessage);
        else if (typeof message?.type === "string") this.options.onOther?.(message);
      } catch {
        // not JSON: nothing the UI understands
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket || this.stopped) return;
      clearInterval(this.pingTimer);
      clearTimeout(this.renewTimer);
      this.socket = null;
      previous?.close();
      this.retry();
    };
  }

  private scheduleRenew(expiresAt: number): void {
    clearTimeout(this.renewTimer);
    const wait = Math.max(1000, expiresAt - Date.now() - (this.options.renewBeforeMs ?? 60_000));
    this.renewTimer = setTimeout(() => void this.open(true), wait);
  }

  private send(message: object): void {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(message));
  }
}
