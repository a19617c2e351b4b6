// Copies every ```graphql block of the project's README into generated/readme/, one module per
// block, so that relay-compiler validates the README's examples against the schema too.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const blocks = [...readme.matchAll(/^```graphql\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
if (blocks.length === 0) {
  console.error("no ```graphql block found in README.md");
  process.exit(1);
}
const target = new URL("./generated/readme/", import.meta.url);
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const [index, block] of blocks.entries()) {
  if (block.includes("`")) throw new Error(`README graphql block ${index + 1} holds a backtick`);
  const tag = "const graphql = (strings) => strings[0];\n";
  const module = `${tag}export default graphql\`\n${block}\`;\n`;
  writeFileSync(new URL(`ReadmeBlock${index + 1}.js`, target), module);
}
console.log(JSON.stringify({ blocks: blocks.length }));
