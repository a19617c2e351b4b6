// Prints the test page: the import map for the Apollo session's modules, and main.js.
import { importMap } from "./importmap.mjs";

const { imports } = importMap(["browser/main.js"]);
process.stdout.write(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>crm-graphql SPA session</title>
<script type="importmap">${JSON.stringify({ imports })}</script>
<script type="module" src="/browser/main.js"></script>
</head>
<body><p id="state">running</p></body>
</html>
`);
