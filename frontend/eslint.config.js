// The UI linter (make test runs `npm run lint`): ESLint's recommended rules, typescript-eslint's, React's
// (JSX runtime) and the hooks rules, whose exhaustive-deps check the pages' disable comments refer to.
import js from "@eslint/js";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "src/lib/generated/**"] },
  // A disable comment that silences nothing is stale: it fails the lint instead of hiding the next real finding.
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { react, "react-hooks": reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    settings: { react: { version: "detect" } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs["jsx-runtime"].rules,
      ...reactHooks.configs.recommended.rules,
      "react-hooks/exhaustive-deps": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The control-character rule is the point of this file's regular expression, not a typo in it.
    files: ["src/lib/validation.ts"],
    rules: { "no-control-regex": "off" },
  },
  {
    files: ["*.config.{js,ts}", "scripts/**"],
    languageOptions: { globals: { ...globals.node } },
  },
);
