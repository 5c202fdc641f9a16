// bench/langchain-chunk.mjs: the peer of chunk(1) in bench/chunk.sh.
// JSON lines of articles in, JSON lines of chunks out, with LangChain's
// RecursiveCharacterTextSplitter (paragraph, line, word, character
// separators), sizes in characters: CHUNK_CHARS (default 3600, about 600
// English words) and OVERLAP_CHARS (default 600, about 100 words).
import { createInterface } from "node:readline";
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";

const splitter = new RecursiveCharacterTextSplitter({
  chunkSize: Number(process.env.CHUNK_CHARS || 3600),
  chunkOverlap: Number(process.env.OVERLAP_CHARS || 600),
});
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
let buf = [];
async function flush() {
  if (buf.length === 0) return;
  const s = buf.join("");
  buf = [];
  if (!process.stdout.write(s))
    await new Promise((r) => process.stdout.once("drain", r));
}
for await (const line of rl) {
  if (!line.trim()) continue;
  const it = JSON.parse(line);
  const body = it.content || it.summary || "";
  const text = it.title && body ? it.title + "\n\n" + body : it.title || body;
  const parts = await splitter.splitText(text);
  parts.forEach((t, n) => {
    buf.push(JSON.stringify({ id: `${it.id}#${n}`, item_id: it.id, n,
      count: parts.length, text: t, url: it.url, title: it.title,
      published: it.published }) + "\n");
  });
  if (buf.length > 256) await flush();
}
await flush();
