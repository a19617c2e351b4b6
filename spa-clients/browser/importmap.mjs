// The import map that lets a browser load the sessions' ES modules straight from node_modules,
// with no bundler: follow every static import from the entry modules, and map each bare
// specifier (e.g. "@apollo/client/utilities") to the browser ES module its package exports.
import { existsSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = new URL("../", import.meta.url);
// Conditions a browser build would pick, in package.json key order; node-only ones never match.
const CONDITIONS = new Set(["browser", "module", "import", "default"]);
// Static imports and re-exports starting a line (so examples inside comments are skipped).
const IMPORT = /^\s*(?:import|export)\s*(?:[^;"'`]*?\sfrom\s*)?["']([^"']+)["']/gm;

export function importMap(entries) {
  const imports = {};
  const seen = new Set();
  const queue = entries.map((entry) => new URL(entry, ROOT));
  while (queue.length) {
    const file = queue.pop();
    if (seen.has(file.href)) continue;
    seen.add(file.href);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(IMPORT)) {
      if (specifier.startsWith(".") || specifier.startsWith("/")) {
        const target = new URL(specifier, file);
        const real = withExtension(target);
        // Some packages (rxjs) import files without their extension, as node's CommonJS
        // finds them; a browser asks for exactly the URL, so the map names the real file.
        if (real.href !== target.href) imports[served(target)] = served(real);
        queue.push(real);
      } else {
        const target = resolvePackage(specifier);
        imports[specifier] = served(target);
        queue.push(target);
      }
    }
  }
  return { imports: Object.fromEntries(Object.entries(imports).sort()), modules: seen.size };
}

function served(url) {
  return `/${url.href.slice(ROOT.href.length)}`;
}

function withExtension(url) {
  if (isFile(url)) return url;
  for (const suffix of [".js", ".mjs", "/index.js", "/index.mjs"]) {
    const candidate = new URL(`${url.href.replace(/\/$/, "")}${suffix}`);
    if (isFile(candidate)) return candidate;
  }
  throw new Error(`${url} is missing`);
}

function isFile(url) {
  const path = fileURLToPath(url);
  return existsSync(path) && statSync(path).isFile();
}

function resolvePackage(specifier) {
  const parts = specifier.split("/");
  const name = parts.slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
  const subpath = ["."].concat(parts.slice(name.split("/").length)).join("/");
  const directory = new URL(`node_modules/${name}/`, ROOT);
  const manifest = JSON.parse(readFileSync(new URL("package.json", directory), "utf8"));
  const target = manifest.exports
    ? fromExports(manifest.exports, subpath)
    : fromFields(manifest, subpath);
  if (!target) throw new Error(`${specifier}: no browser ES module in ${name}'s package.json`);
  const resolved = new URL(target, directory);
  if (!existsSync(fileURLToPath(resolved))) throw new Error(`${specifier}: ${resolved} is missing`);
  return resolved;
}

function fromExports(exports, subpath) {
  const keyed =
    typeof exports === "object" && Object.keys(exports).some((key) => key.startsWith("."));
  const table = keyed ? exports : { ".": exports };
  if (subpath in table) return pick(table[subpath]);
  for (const [pattern, value] of Object.entries(table)) {
    const star = pattern.indexOf("*");
    if (star < 0) continue;
    const [head, tail] = [pattern.slice(0, star), pattern.slice(star + 1)];
    const fits = subpath.length >= head.length + tail.length;
    if (fits && subpath.startsWith(head) && subpath.endsWith(tail)) {
      const match = subpath.slice(head.length, subpath.length - tail.length);
      return pick(value)?.replaceAll("*", match);
    }
  }
  return null;
}

function pick(value) {
  if (typeof value === "string" || value === null) return value;
  if (Array.isArray(value)) return value.map(pick).find(Boolean) ?? null;
  for (const [condition, inner] of Object.entries(value)) {
    if (!CONDITIONS.has(condition)) continue;
    const found = pick(inner);
    if (found) return found;
  }
  return null;
}

function fromFields(manifest, subpath) {
  if (subpath !== ".") return subpath.endsWith(".js") ? subpath : `${subpath}.js`;
  const browser = typeof manifest.browser === "string" ? manifest.browser : null;
  return manifest.module ?? browser ?? manifest.main ?? "index.js";
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(importMap(process.argv.slice(2)), null, 2));
}
