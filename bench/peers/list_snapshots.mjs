// What a user's script does without snapfs: list every snapshot with its date through the
// official clients (@scaleway/sdk, @ovhcloud/node-ovh), unchanged but for their API URL, with at
// most CONCURRENCY calls in flight (1: one call after another). snapfs-bench times it against
// snapfs's cold crawl of the same data (bench/README.md, figure 9).
//
// Usage: node list_snapshots.mjs URL CONCURRENCY APIS ZONES
//   URL          the emulator, https://127.0.0.1:PORT (node-ovh speaks only HTTPS: run with
//                NODE_EXTRA_CA_CERTS naming the emulator's certificate)
//   APIS         comma list of instance, block, nasha, netapp
//   ZONES        comma list of Scaleway zones
// Prints one JSON line: {"snapshots", "dated", "calls", "seconds"}.
import { createRequire } from 'node:module';

import { Block, createClient, Instance } from '@scaleway/sdk';

const require = createRequire(import.meta.url);
const makeOvhClient = require('@ovhcloud/node-ovh');

const [url, concurrencyArg, apisArg, zonesArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const apis = new Set(apisArg.split(','));
const zones = zonesArg.split(',');
const { hostname, port } = new URL(url);

const scw = createClient({
  accessKey: 'SCWXXXXXXXXXXXXXXXXX',
  secretKey: '00000000-0000-4000-8000-000000000001',
  defaultZone: zones[0],
  defaultRegion: 'fr-par',
  apiURL: url,
});
const instance = new Instance.v1.API(scw);
const block = new Block.v1.API(scw);
const ovh = makeOvhClient({ host: hostname, port: Number(port), basePath: '/1.0', appKey: 'demo-ak',
                            appSecret: 'demo-as', consumerKey: 'demo-ck' });

// At most `concurrency` calls in flight, whoever asks: the script below starts all the work it
// can and this gate decides how much of it reaches the network at once.
let inFlight = 0;
let calls = 0;
const waiting = [];
async function call(fn) {
  if (inFlight >= concurrency) await new Promise((resolve) => waiting.push(resolve));
  inFlight++;
  calls++;
  try {
    return await fn();
  } finally {
    inFlight--;
    if (waiting.length > 0) waiting.shift()();
  }
}
const ovhGet = (path, params) => call(() => ovh.requestPromised('GET', path, params || {}));

const found = [];  // {name, date}
function keep(name, date) {
  found.push({ name, date: date == null ? null : String(date) });
}

// Scaleway: page 1 tells the total, then the other pages (100 snapshots each, the API's maximum).
async function scalewayZone(fetchPage, sizeKey, dateKey, zone) {
  const first = await call(() => fetchPage({ zone, page: 1, [sizeKey]: 100 }));
  const pages = Math.ceil(first.totalCount / 100);
  const rest = [];
  for (let page = 2; page <= pages; page++) {
    rest.push(call(() => fetchPage({ zone, page, [sizeKey]: 100 })));
  }
  for (const answer of [first, ...(await Promise.all(rest))]) {
    for (const s of answer.snapshots) keep(s.name, s[dateKey]);
  }
}

// HA-NAS: lists give names only, the custom snapshot object is one GET each, and the dates are
// in the service's task history (the snapshot-creation tasks, one GET each).
async function nashaService(service) {
  const base = `/dedicated/nasha/${service}`;
  const [partitions, taskIds] = await Promise.all([
    ovhGet(`${base}/partition`),
    ovhGet(`${base}/task`, { operation: 'clusterLeclercCustomSnapCreate' }),
  ]);
  const tasks = await Promise.all(taskIds.map((id) => ovhGet(`${base}/task/${id}`)));
  const created = new Map(tasks.map((t) => [`${t.partitionName}/${t.details}`, t.doneDate]));
  await Promise.all(partitions.map(async (partition) => {
    const names = await ovhGet(`${base}/partition/${partition}/customSnapshot`);
    const objects = await Promise.all(
      names.map((name) => ovhGet(`${base}/partition/${partition}/customSnapshot/${name}`)));
    for (const o of objects) keep(o.name, created.get(`${partition}/${o.name}`));
  }));
}

// Enterprise File Storage: object arrays, one snapshot list per share.
async function netappService(service) {
  const shares = await ovhGet(`/storage/netapp/${service}/share`);
  await Promise.all(shares.map(async (share) => {
    const snapshots = await ovhGet(`/storage/netapp/${service}/share/${share.id}/snapshot`,
                                   { detail: true });
    for (const s of snapshots) keep(s.name, s.createdAt);
  }));
}

const start = process.hrtime.bigint();
const work = [];
for (const zone of zones) {
  if (apis.has('instance')) {
    work.push(scalewayZone(instance.pageOfListSnapshots, 'perPage', 'creationDate', zone));
  }
  if (apis.has('block')) {
    work.push(scalewayZone(block.pageOfListSnapshots, 'pageSize', 'createdAt', zone));
  }
}
if (apis.has('nasha')) {
  work.push(ovhGet('/dedicated/nasha').then((s) => Promise.all(s.map(nashaService))));
}
if (apis.has('netapp')) {
  work.push(ovhGet('/storage/netapp').then((s) => Promise.all(s.map((x) => netappService(x.id)))));
}
try {
  await Promise.all(work);
} catch (e) {
  console.error('FAILED:', e && e.message ? e.message : JSON.stringify(e));
  process.exit(1);
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({
  snapshots: found.length,
  dated: found.filter((s) => s.date !== null && s.date !== 'undefined').length,
  calls,
  seconds,
}));
