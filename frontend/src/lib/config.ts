// Endpoints come from /config.json at run time (written by the deploy, served by the local gateway),
// so one build works in every environment.
export interface AppConfig {
  apiUrl: string;
  wsUrl: string;
  cognitoEndpoint: string;
  userPoolId: string;
  clientId: string;
  region: string;
  local?: boolean;
  // The local stack's demo account; its password is printed by `make run`, never served (review 22).
  demoUser?: { username: string };
}

let current: AppConfig | null = null;

export async function loadConfig(): Promise<AppConfig> {
  if (current) return current;
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`Could not load /config.json (${response.status})`);
  current = (await response.json()) as AppConfig;
  return current;
}

export function config(): AppConfig {
  if (!current) throw new Error("config not loaded");
  return current;
}

export function setConfigForTests(value: AppConfig): void {
  current = value;
}

export function absoluteWsUrl(url: string): string {
  if (/^wss?:\/\//.test(url)) return url;
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${url}`;
}
