import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { loadConfig } from "./lib/config";
import { applyTheme, storedTheme } from "./lib/theme";
import "./styles.css";

applyTheme(storedTheme());

const root = createRoot(document.getElementById("root")!);

loadConfig().then(
  () =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  (error: Error) =>
    root.render(
      <main className="auth">
        <h1>Movie Library Explorer</h1>
        <p role="alert">The app could not start: {error.message}. Reload the page to try again.</p>
      </main>,
    ),
);
