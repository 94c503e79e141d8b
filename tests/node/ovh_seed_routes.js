'use strict';
// Every route of the OVH guides snapfs follows (HA-NAS snapshots and Enterprise File Storage
// volume snapshots), called through the official @ovhcloud/node-ovh client against
// snapfs-emulator. The client only speaks HTTPS: run with NODE_EXTRA_CA_CERTS naming the
// emulator's certificate. Usage: node ovh_seed_routes.js PORT
const assert = require('assert');
const makeClient = require('@ovhcloud/node-ovh');

const port = Number(process.argv[2]);
const options = { host: '127.0.0.1', port, basePath: '/1.0', appKey: 'demo-ak',
                  consumerKey: 'demo-ck' };
const ovh = makeClient({ ...options, appSecret: 'demo-as' });

const partition = '/dedicated/nasha/zpool-123456/partition/partition1';
const share = '/storage/netapp/5f7a0ec8-1d3e-4b5e-9d55-3c0c9b1e2a10/share/' +
              'a1b2c3d4-1111-4aaa-8bbb-000000000001';

async function call(method, path, params) {
  const answer = await ovh.requestPromised(method, path, params || {});
  console.log(`ok ${method} ${path}`);
  return answer;
}

async function until(what, check) {
  for (let i = 0; i < 150; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function nasha() {
  const services = await call('GET', '/dedicated/nasha');
  assert.ok(services.includes('zpool-123456'), JSON.stringify(services));

  const schedule = await call('GET', `${partition}/snapshot`);
  assert.deepStrictEqual(schedule, ['day-1', 'hour-1']);
  const frequency = await call('GET', `${partition}/snapshot/hour-1`);
  assert.strictEqual(frequency.snapshotType, 'hour-1');
  const added = await call('POST', `${partition}/snapshot`, { snapshotType: 'hour-6' });
  assert.strictEqual(added.operation, 'clusterLeclercSnapshotUpdate');
  await until('hour-6 enabled', async () =>
    (await ovh.requestPromised('GET', `${partition}/snapshot`)).includes('hour-6'));
  const removed = await call('DELETE', `${partition}/snapshot/hour-6`);
  assert.ok(['todo', 'doing', 'done'].includes(removed.status), JSON.stringify(removed));

  const names = await call('GET', `${partition}/customSnapshot`);
  assert.ok(names.includes('snap-daily-backup'), JSON.stringify(names));
  const task = await call('POST', `${partition}/customSnapshot`,
                          { name: 'snap-node-ovh', expiration: '2030-01-01' });
  assert.strictEqual(task.operation, 'clusterLeclercCustomSnapCreate');
  await until('the custom snapshot', async () =>
    (await ovh.requestPromised('GET', `${partition}/customSnapshot`)).includes('snap-node-ovh'));
  const custom = await call('GET', `${partition}/customSnapshot/snap-node-ovh`);
  assert.strictEqual(custom.name, 'snap-node-ovh');
  assert.ok(String(custom.expiration).startsWith('2030-01-01'), JSON.stringify(custom));
  const deleting = await call('DELETE', `${partition}/customSnapshot/snap-node-ovh`);
  assert.strictEqual(deleting.operation, 'clusterLeclercCustomSnapDelete');
}

async function netapp() {
  // GET parameters travel in the signed query string.
  const list = await call('GET', `${share}/snapshot`, { detail: true });
  assert.ok(list.some((s) => s.type === 'automatic'), JSON.stringify(list[0]));
  // node-ovh escapes non-ASCII characters of the body; the signature covers the bytes sent.
  const created = await call('POST', `${share}/snapshot`,
                             { name: 'node-ovh check', description: 'fait par node-ovh, café' });
  assert.strictEqual(created.status, 'creating');
  await until('the snapshot to be available', async () =>
    (await ovh.requestPromised('GET', `${share}/snapshot/${created.id}`)).status === 'available');
  const one = await call('GET', `${share}/snapshot/${created.id}`);
  assert.strictEqual(one.description, 'fait par node-ovh, café');
  await call('DELETE', `${share}/snapshot/${created.id}`);
  await until('the snapshot to vanish', async () => {
    try {
      await ovh.requestPromised('GET', `${share}/snapshot/${created.id}`);
      return false;
    } catch (e) {
      return e.error === 404;
    }
  });
}

async function wrongSecret() {
  const bad = makeClient({ ...options, appSecret: 'not-the-secret' });
  try {
    await bad.requestPromised('GET', '/dedicated/nasha', {});
  } catch (e) {
    assert.strictEqual(e.error, 400);
    assert.strictEqual(e.message, 'Invalid signature');
    console.log('ok wrong secret refused');
    return;
  }
  throw new Error('a wrong secret was accepted');
}

(async () => {
  await nasha();
  await netapp();
  await wrongSecret();
  console.log('all routes ok');
})().catch((e) => {
  console.error('FAILED:', e && e.message ? e.message : JSON.stringify(e));
  process.exit(1);
});
