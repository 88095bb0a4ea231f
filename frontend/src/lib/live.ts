// The live add-status channel: one WebSocket, pinged to stay open (API Gateway drops idle sockets
// after 10 minutes), reconnected with exponential backoff; every (re)connect is announced so the UI
// can reconcile requests whose outcome arrived while it was away.
export type SocketState = "connecting" | "open" | "reconnecting" | "closed";

export interface AddStatusMessage {
  type: "addStatus";
  requestId: string;
  status: "created" | "duplicate" | "rejected" | "failed";
  movie?: { id: string; title: string };
  error?: { code: string; message: string };
  at: string;
}

export interface LiveOptions {
  url: () => string | null; // null: not signed in
  onMessage: (message: AddStatusMessage) => void;
  onState: (state: SocketState) => void;
  onOpen?: () => void;
  pingMs?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  socketFactory?: (url: string) => WebSocket;
}

export class LiveSocket {
  private socket: WebSocket | null = null;
  private attempts = 0;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly options: LiveOptions) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.retryTimer);
    this.socket?.close();
    this.socket = null;
    this.options.onState("closed");
  }

  private open(): void {
    const url = this.options.url();
    if (!url) {
      this.options.onState("closed");
      return;
    }
    this.options.onState(this.attempts ? "reconnecting" : "connecting");
    const socket = (this.options.socketFactory ?? ((u) => new WebSocket(u)))(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      this.options.onState("open");
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ action: "ping" }), this.options.pingMs ?? 240_000);
      this.options.onOpen?.();
    };
    socket.onmessage = (event) => {
      try {
        const message = JSON.parse(String(event.data));
        if (message?.type === "addStatus") this.options.onMessage(message as AddStatusMessage);
      } catch {
        // not JSON: nothing the UI understands
      }
    };
    socket.onclose = () => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      this.attempts += 1;
      const base = this.options.backoffMs ?? 1000;
      const delay = Math.min(this.options.maxBackoffMs ?? 30_000, base * 2 ** (this.attempts - 1));
      this.options.onState("reconnecting");
      this.retryTimer = setTimeout(() => this.open(), delay * (0.75 + Math.random() / 2));
    };
  }

  private send(message: object): void {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(message));
  }
}
