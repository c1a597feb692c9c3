'use strict';
// Reads a V8 .cpuprofile (node --cpu-prof) and lists where the time went: self time per
// function and per file area (ours, Node-RED, mqtt.js, Node's own), so a missed target
// can be traced to its owner.  node bench/lib/profile-summary.js FILE.cpuprofile [top]
const fs = require('fs');

function area(url) {
  if (!url) return 'V8/native';
  if (url.includes('/dist/nodes/')) return 'ours';
  if (url.includes('/@node-red/') || url.includes('/node-red/')) return 'Node-RED';
  if (url.includes('/mqtt') || url.includes('/mqtt-packet/')) return 'mqtt.js';
  if (url.startsWith('node:')) return 'Node.js';
  if (url.includes('/node_modules/')) return 'other modules';
  return 'other';
}

function summarize(file, top = 25) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) || 0) + (dt[i] || 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map();
  const areas = new Map();
  for (const [id, us] of self) {
    const cf = byId.get(id).callFrame;
    const short = cf.url ? cf.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\/nodes\//, 'dist/nodes/') : '';
    const key = `${cf.functionName || '(anonymous)'} ${short}${cf.url ? ':' + (cf.lineNumber + 1) : ''}`;
    fn.set(key, (fn.get(key) || 0) + us);
    const a = cf.functionName === '(idle)' ? 'idle' : cf.functionName === '(garbage collector)' ? 'GC' : area(cf.url);
    areas.set(a, (areas.get(a) || 0) + us);
  }
  const pct = (us) => ((100 * us) / total).toFixed(1) + '%';
  return {
    totalMs: total / 1000,
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, share: pct(us) })),
    functions: [...fn]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, share: pct(us) })),
  };
}

module.exports = { summarize };

if (require.main === module) {
  const s = summarize(process.argv[2], Number(process.argv[3]) || 25);
  console.log(`total ${s.totalMs.toFixed(0)} ms sampled`);
  console.log('by area: ' + s.areas.map((a) => `${a.name} ${a.share}`).join(', '));
  for (const f of s.functions) console.log(`${f.share.padStart(6)}  ${f.name}`);
}
