// Summarise a V8 .cpuprofile: self time per function (top N), and the share spent in the JS-heap ⇄
// device copies (the arena's putF32/takeF32/evict and Storage uploads; TypedArray set/slice inside them
// are attributed to their callers by V8 only as builtins, so those are counted under their JS caller).
import { readFileSync } from 'node:fs';
// usage: node bench/profile-summary.mjs DIR_OR_FILE [TOP] — for a folder, its largest .cpuprofile
// (node --cpu-prof also writes small ones for the module-loader thread)
import { readdirSync, statSync } from 'node:fs';
let file = process.argv[2];
if (statSync(file).isDirectory()) {
  const dir = file;
  file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => `${dir}/${f}`).sort((a, b) => statSync(b).size - statSync(a).size)[0];
}
const top = Number(process.argv[3] ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
const dt = p.timeDeltas;
let total = 0;
const COPY = /^(putF32|takeF32|evict|upload|hostCopy|dataSync|inout|finish)$/;
let copy = 0;
for (let i = 0; i < p.samples.length; i++) {
  const n = byId.get(p.samples[i]);
  const d = dt[i] ?? 0;
  total += d;
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + d);
  // a copy sample: this frame or a JS caller up the stack (builtins like TypedArray.set have no url)
  let m = n;
  for (let k = 0; k < 3 && m; k++) {
    if (COPY.test(m.callFrame.functionName) && /arena|storage|tensor/.test(m.callFrame.url)) { copy += d; break; }
    if (m.callFrame.url) break;
    m = byId.get(parent.get(m.id));
  }
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`total ${(total / 1e3).toFixed(0)} ms sampled`);
for (const [k, v] of rows) console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
console.log(`copying JS heap <-> device (putF32/takeF32/evict/upload/dataSync copies): ${((100 * copy) / total).toFixed(1)} %`);
