// Summarises PostgreSQL's slow-statement log of a bench run (ALTER SYSTEM SET log_min_duration_statement = '200ms';
// log_parameter_max_length = 3000 on the bench cluster first): time by DocumentDB call, collection and filter shape.
// node test/bench/pg-slow-log.js <data dir>/logs/postgresql.log [HH:MM:SS from] [HH:MM:SS to]
const fs = require('fs');
const readline = require('readline');
const { BSON } = require('mongodb');
const [file, from, to] = process.argv.slice(2);
const agg = new Map();
const isObj = (x) => x && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Date) && !x._bsontype;
const shape = (v) => (isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isObj(x) || Array.isArray(x) && k.startsWith('$') ? (Array.isArray(x) ? x.map(shape) : shape(x)) : 1])) : 1);
let pending = null, total = 0, n = 0;
const flush = (detail) => {
  if (!pending) return;
  let key = pending.fn;
  const hexes = detail ? [...detail.matchAll(/'\\x([0-9a-f]+)/g)].map((h) => h[1]) : [];
  for (const h of hexes) {
    try {
      const d = BSON.deserialize(Buffer.from(h, 'hex'));
      const cmd = Object.keys(d)[0];
      const spec = d.filter ?? d.query ?? (d.pipeline ? d.pipeline.map((s) => Object.keys(s)[0] + (s.$match ? JSON.stringify(shape(s.$match)) : '')) : undefined) ?? (d.updates ? d.updates.map((u) => shape(u.q)) : undefined) ?? (d.deletes ? d.deletes.map((u) => shape(u.q)) : undefined);
      key = `${pending.fn} ${cmd} ${d[cmd]} ${JSON.stringify(shape(spec)).slice(0, 200)}${d.sort ? ' sort ' + JSON.stringify(d.sort) : ''}`;
      break;
    } catch {}
  }
  const a = agg.get(key) ?? { n: 0, ms: 0, max: 0 };
  a.n++; a.ms += pending.ms; a.max = Math.max(a.max, pending.ms); agg.set(key, a);
  total += pending.ms; n++;
  pending = null;
};
const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
rl.on('line', (line) => {
  const m = /^(\d{4}-\d\d-\d\d (\d\d:\d\d:\d\d)\.\d+) UTC \[\d+\] (LOG|DETAIL):  (.*)$/.exec(line.slice(0, 100000));
  if (!m) return;
  if (m[3] === 'DETAIL') return flush(m[4]);
  flush(null);
  const d = /^duration: ([\d.]+) ms  (?:execute [^:]*|statement): (.*)$/.exec(m[4]);
  if (!d) return;
  if (from && (m[2] < from || m[2] > to)) return;
  pending = { ms: Number(d[1]), fn: (d[2].match(/documentdb_api[a-z_]*\.([a-z_]+)/) || [])[1] || d[2].slice(0, 60) };
});
rl.on('close', () => {
  flush(null);
  console.log(`${n} statements over the threshold, ${(total / 1000).toFixed(1)} s in all`);
  for (const [k, a] of [...agg].sort((x, y) => y[1].ms - x[1].ms).slice(0, 25)) console.log(`${(a.ms / 1000).toFixed(1).padStart(7)} s ${String(a.n).padStart(5)}× max ${a.max.toFixed(0).padStart(6)} ms  ${k}`);
});
