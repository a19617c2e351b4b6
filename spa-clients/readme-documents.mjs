// Copies every ```graphql block of the project's README into generated/readme/, one module per
// block, so that relay-compiler validates the README's examples against the schema too.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const blocks = [...readme.matchAll(/^```graphql\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
if (blocks.length === 0) {
  console.error("no ```graphql block found in README.md");
  process.exit(1);
}
const target = new URL("./generated/readme/", import.meta.url);
mkdirSync(target, { recursive: true });
// Only what changed is written and only stale blocks removed: CI runs two test suites side by
// side, and the other one's relay-compiler may be reading these files at the same moment.
const wanted = new Set();
for (const [index, block] of blocks.entries()) {
  if (block.includes("`")) throw new Error(`README graphql block ${index + 1} holds a backtick`);
  const tag = "const graphql = (strings) => strings[0];\n";
  const module = `${tag}export default graphql\`\n${block}\`;\n`;
  const file = new URL(`ReadmeBlock${index + 1}.js`, target);
  wanted.add(`ReadmeBlock${index + 1}.js`);
  if (!existsSync(file) || readFileSync(file, "utf8") !== module) writeFileSync(file, module);
}
for (const name of readdirSync(target)) {
  if (!wanted.has(name)) rmSync(new URL(name, target), { force: true });
}
console.log(JSON.stringify({ blocks: blocks.length }));
