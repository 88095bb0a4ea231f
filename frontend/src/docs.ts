// The API docs page: Swagger UI (self-hosted) reading /api/openapi.json with the signed-in token;
// "Try it out" requests carry the token too.
import { ensureSession } from "./lib/auth";
import { config, loadConfig } from "./lib/config";
import "./docs.css";

interface SwaggerRequest {
  headers: Record<string, string>;
}

declare global {
  interface Window {
    SwaggerUIBundle?: (options: Record<string, unknown>) => unknown;
  }
}

async function start(): Promise<void> {
  const status = document.getElementById("docs-status")!;
  try {
    await loadConfig();
  } catch (error) {
    status.textContent = `The docs could not start: ${(error as Error).message}.`;
    return;
  }
  const session = await ensureSession();
  if (!session) {
    window.location.assign(`/signin?next=${encodeURIComponent("/docs.html")}`);
    return;
  }
  if (!window.SwaggerUIBundle) {
    status.textContent = "Swagger UI did not load. Reload the page to try again.";
    return;
  }
  window.SwaggerUIBundle({
    url: `${config().apiUrl}/openapi.json`,
    dom_id: "#swagger-ui",
    // Deep links would nest a link inside each operation's toggle button (nested-interactive).
    deepLinking: false,
    requestInterceptor: async (request: SwaggerRequest) => {
      const current = await ensureSession();
      if (current) request.headers.Authorization = `Bearer ${current.idToken}`;
      return request;
    },
    onComplete: () => {
      document.getElementById("servers")?.setAttribute("aria-label", "Server");
      status.textContent = `Signed in as ${session.email}; requests use your token.`;
    },
  });
}

void start();
