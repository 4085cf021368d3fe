// Counts each text of texts.json with OpenAI's tiktoken (npm "tiktoken", the
// WASM build of the Rust core) using encode_ordinary.
const { get_encoding } = require("tiktoken");
const texts = JSON.parse(require("fs").readFileSync(process.argv[2]));
const names = ["o200k_base", "cl100k_base", "p50k_base", "r50k_base"];
const encs = names.map((n) => get_encoding(n));
const rows = texts.map((text) => {
  const row = { text };
  names.forEach((n, i) => { row[n] = encs[i].encode_ordinary(text).length; });
  return row;
});
process.stdout.write(JSON.stringify({ generator: "npm tiktoken@1.0.22 encode_ordinary (testdata/oracle/count.js)", cases: rows }, null, 1) + "\n");
