// The official Scaleway JavaScript SDK (@scaleway/sdk) against snapfs-emulator, unchanged but for
// its API URL: Instance and Block volume and snapshot calls, the SDK's own pagination helpers and
// waiters, and its error classes. Expects the emulator started with `--seed demo` at the URL in
// SNAPFS_EMULATOR_URL (tests/node/run-scaleway-sdk.sh does this).
//
// Run: SNAPFS_EMULATOR_URL=http://127.0.0.1:PORT node --test sdk.test.mjs
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Block, createClient, Instance } from '@scaleway/sdk';
import { Errors } from '@scaleway/sdk-client';

const apiURL = process.env.SNAPFS_EMULATOR_URL;
assert.ok(apiURL, 'SNAPFS_EMULATOR_URL must name the running emulator, e.g. http://127.0.0.1:PORT');

const DEMO_SECRET_KEY = '00000000-0000-4000-8000-000000000001';
const DEMO_PROJECT = '00000000-0000-4000-8000-0000000000aa';
// The SDK only attaches X-Auth-Token when an access key of the SCW... form is also configured;
// the access key itself never goes on the wire, so any well-formed one does.
const ACCESS_KEY = 'SCWXXXXXXXXXXXXXXXXX';
const GB = 1000 * 1000 * 1000;
// The SDK's waiters count in seconds.
const WAIT = { timeout: 60, minDelay: 1, maxDelay: 2 };

function client(secretKey = DEMO_SECRET_KEY) {
  return createClient({
    accessKey: ACCESS_KEY,
    secretKey,
    defaultProjectId: DEMO_PROJECT,
    defaultZone: 'fr-par-1',
    defaultRegion: 'fr-par',
    apiURL,
  });
}

const scw = client();
const instance = new Instance.v1.API(scw);
const block = new Block.v1.API(scw);

// Demo seed ids: kind prefix, zone number, object number (emulator/apis/scaleway.cc, demo_id).
const INSTANCE_SPARE_VOLUME = '1a000000-0000-4000-8000-000000000103';
const BLOCK_EMPTY_VOLUME = '2a000000-0000-4000-8000-000000000103';

// Walks a listing page by page with the SDK's async iterator; returns the page lengths.
async function pageLengths(listing) {
  const lengths = [];
  for await (const page of listing) lengths.push(page.length);
  return lengths;
}

function names(items) {
  return items.map((item) => item.name);
}

async function assertNotFound(promise, resource, id) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Errors.ResourceNotFoundError,
              `expected ResourceNotFoundError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.status, 404);
    assert.equal(err.resource, resource);
    assert.equal(err.resourceId, id);
    return true;
  });
}

describe('Instance API v1 through the SDK', () => {
  let created;  // the snapshot this suite makes

  test('lists the demo volumes of fr-par-1, one page and several', async () => {
    const first = await instance.listVolumes({ perPage: 100 });
    assert.equal(first.totalCount, 3);
    assert.deepEqual(names(first.volumes), ['web-01-root', 'db-01-data', 'spare-disk']);
    for (const v of first.volumes) {
      assert.equal(v.zone, 'fr-par-1');
      assert.equal(v.state, 'available');
      assert.equal(v.volumeType, 'l_ssd');
      assert.equal(v.project, DEMO_PROJECT);
      assert.ok(v.creationDate instanceof Date && !Number.isNaN(v.creationDate.getTime()));
    }
    const spare = first.volumes.find((v) => v.id === INSTANCE_SPARE_VOLUME);
    assert.equal(spare.size, 10 * GB);
    assert.equal(spare.server, undefined, 'a detached volume has no server');
    assert.equal(first.volumes[0].server?.name, 'web-01');

    const paged = instance.listVolumes({ perPage: 2 });
    assert.deepEqual(await pageLengths(paged), [2, 1]);
    assert.deepEqual((await instance.listVolumes({ perPage: 2 }).all()).map((v) => v.id),
                     first.volumes.map((v) => v.id));
  });

  test('lists every demo snapshot across pages with the SDK helpers', async () => {
    const onePage = await instance.listSnapshots({ perPage: 100 });
    assert.equal(onePage.totalCount, 6);
    assert.equal(onePage.snapshots.length, 6);

    const listing = instance.listSnapshots({ perPage: 2 });
    assert.equal((await listing).totalCount, 6, 'X-Total-Count reaches the SDK as totalCount');
    assert.deepEqual(await pageLengths(listing), [2, 2, 2]);
    const all = await instance.listSnapshots({ perPage: 2 }).all();
    assert.deepEqual(all.map((s) => s.id), onePage.snapshots.map((s) => s.id));
    assert.equal(new Set(all.map((s) => s.id)).size, 6);

    const byName = names(all).sort();
    assert.deepEqual(byName, ['', 'before-upgrade', 'before-upgrade', 'daily/2026-11-01',
                              'db-01-nightly', 'web-01-root-2026-03-01']);
    const nightly = all.find((s) => s.name === 'db-01-nightly');
    assert.equal(nightly.state, 'snapshotting');
    assert.deepEqual(nightly.tags, ['nightly']);
    assert.equal(all.filter((s) => s.state === 'available').length, 5);
    for (const s of all) {
      assert.equal(s.zone, 'fr-par-1');
      assert.ok(s.baseVolume?.id, `snapshot ${s.id} names its base volume`);
    }
  });

  test('creates a snapshot of a volume', async () => {
    const answer = await instance.createSnapshot({ name: 'sdk-instance-snap',
                                                   volumeId: INSTANCE_SPARE_VOLUME });
    created = answer.snapshot;
    assert.ok(created.id);
    assert.equal(created.name, 'sdk-instance-snap');
    assert.equal(created.state, 'snapshotting');
    assert.equal(created.baseVolume?.id, INSTANCE_SPARE_VOLUME);
    assert.equal(created.baseVolume?.name, 'spare-disk');
    assert.equal(created.size, 10 * GB);
    assert.equal(created.volumeType, 'l_ssd');
    assert.equal(created.project, DEMO_PROJECT);
    assert.equal(created.zone, 'fr-par-1');
    assert.equal(answer.task?.zone, 'fr-par-1');

    const fromVolume = await instance.listSnapshots({ baseVolumeId: INSTANCE_SPARE_VOLUME }).all();
    assert.deepEqual(fromVolume.map((s) => s.id), [created.id]);
  });

  test('waits for the new snapshot with the SDK waiter', async () => {
    assert.ok(created, 'the create step ran');
    const ready = await instance.waitForSnapshot({ snapshotId: created.id }, WAIT);
    assert.equal(ready.id, created.id);
    assert.equal(ready.state, 'available');
    const volume = await instance.waitForVolume({ volumeId: INSTANCE_SPARE_VOLUME }, WAIT);
    assert.equal(volume.state, 'available');
  });

  test('renames the snapshot with updateSnapshot', async () => {
    assert.ok(created, 'the create step ran');
    const { snapshot } = await instance.updateSnapshot({ snapshotId: created.id,
                                                         name: 'sdk-instance-renamed' });
    assert.equal(snapshot.id, created.id);
    assert.equal(snapshot.name, 'sdk-instance-renamed');
    assert.ok(snapshot.modificationDate >= created.modificationDate);
    const again = await instance.getSnapshot({ snapshotId: created.id });
    assert.equal(again.snapshot.name, 'sdk-instance-renamed');
    assert.equal(again.snapshot.state, 'available');
    const found = await instance.listSnapshots({ name: 'sdk-instance-renamed' }).all();
    assert.deepEqual(found.map((s) => s.id), [created.id]);
  });

  test('deletes the snapshot; a get then fails with ResourceNotFoundError', async () => {
    assert.ok(created, 'the create step ran');
    assert.equal(await instance.deleteSnapshot({ snapshotId: created.id }), undefined);
    await assertNotFound(instance.getSnapshot({ snapshotId: created.id }), 'instance_snapshot',
                         created.id);
    const after = await instance.listSnapshots({ perPage: 100 });
    assert.equal(after.totalCount, 6);
    assert.ok(!after.snapshots.some((s) => s.id === created.id));
  });
});

describe('Block API v1 through the SDK', () => {
  let created;

  test('lists the demo volumes of fr-par-1, one page and several', async () => {
    const first = await block.listVolumes({ pageSize: 100 });
    assert.equal(first.totalCount, 3);
    assert.deepEqual(names(first.volumes), ['app-data', 'logs', 'archive-empty']);
    assert.deepEqual(first.volumes.map((v) => v.status), ['in_use', 'available', 'available']);
    assert.deepEqual(first.volumes.map((v) => v.type), ['sbs_5k', 'sbs_15k', 'sbs_5k']);
    assert.equal(first.volumes[0].references[0]?.productResourceType, 'instance_server');
    assert.equal(first.volumes[1].specs?.perfIops, 15000);
    for (const v of first.volumes) assert.equal(v.projectId, DEMO_PROJECT);

    assert.deepEqual(await pageLengths(block.listVolumes({ pageSize: 2 })), [2, 1]);
    assert.deepEqual((await block.listVolumes({ pageSize: 2 }).all()).map((v) => v.id),
                     first.volumes.map((v) => v.id));
  });

  test('lists every demo snapshot across pages with the SDK helpers', async () => {
    const onePage = await block.listSnapshots({ pageSize: 100 });
    assert.equal(onePage.totalCount, 6);
    assert.deepEqual(await pageLengths(block.listSnapshots({ pageSize: 4 })), [4, 2]);
    const all = await block.listSnapshots({ pageSize: 4 }).all();
    assert.deepEqual(all.map((s) => s.id), onePage.snapshots.map((s) => s.id));
    assert.deepEqual(names(all).sort(), ['app-data-2026-06-01', 'golden-image-base',
                                         'logs-nightly', 'pre-migration', 'pre-migration',
                                         'weekly/2026-W23']);
    const status = Object.fromEntries(all.map((s) => [s.name, s.status]));
    assert.equal(status['logs-nightly'], 'creating');
    assert.equal(status['golden-image-base'], 'in_use');
    assert.equal(all.filter((s) => s.status === 'available').length, 4);

    const byNameDesc = await block.listSnapshots({ orderBy: 'name_desc', pageSize: 100 });
    assert.equal(byNameDesc.snapshots[0].name, 'weekly/2026-W23');
  });

  test('creates a snapshot of a volume and waits for it with the SDK waiter', async () => {
    created = await block.createSnapshot({ name: 'sdk-block-snap', volumeId: BLOCK_EMPTY_VOLUME });
    assert.ok(created.id);
    assert.equal(created.name, 'sdk-block-snap');
    assert.equal(created.status, 'creating');
    assert.equal(created.parentVolume?.id, BLOCK_EMPTY_VOLUME);
    assert.equal(created.parentVolume?.name, 'archive-empty');
    assert.equal(created.size, 10 * GB);
    assert.equal(created.projectId, DEMO_PROJECT);
    assert.equal(created.zone, 'fr-par-1');

    const ready = await block.waitForSnapshot({ snapshotId: created.id }, WAIT);
    assert.equal(ready.id, created.id);
    assert.equal(ready.status, 'available');
    const fromVolume = await block.listSnapshots({ volumeId: BLOCK_EMPTY_VOLUME }).all();
    assert.deepEqual(fromVolume.map((s) => s.id), [created.id]);
  });

  test('renames the snapshot with updateSnapshot', async () => {
    assert.ok(created, 'the create step ran');
    const renamed = await block.updateSnapshot({ snapshotId: created.id,
                                                 name: 'sdk-block-renamed' });
    assert.equal(renamed.name, 'sdk-block-renamed');
    assert.equal((await block.getSnapshot({ snapshotId: created.id })).name, 'sdk-block-renamed');
  });

  test('deletes the snapshot; a get then fails with ResourceNotFoundError', async () => {
    assert.ok(created, 'the create step ran');
    assert.equal(await block.deleteSnapshot({ snapshotId: created.id }), undefined);
    await assertNotFound(block.getSnapshot({ snapshotId: created.id }), 'snapshot', created.id);
    assert.equal((await block.listSnapshots({ pageSize: 100 })).totalCount, 6);
  });
});

describe('errors through the SDK', () => {
  test('an unknown secret key gets DeniedAuthenticationError', async () => {
    const stranger = new Instance.v1.API(client('00000000-0000-4000-8000-00000000dead'));
    await assert.rejects(stranger.listSnapshots(), (err) => {
      assert.ok(err instanceof Errors.DeniedAuthenticationError,
                `expected DeniedAuthenticationError, got ${err?.name}: ${err?.message}`);
      assert.equal(err.status, 401);
      return true;
    });
  });

  test('deleting a Block snapshot in use gets PreconditionFailedError', async () => {
    const golden = (await block.listSnapshots({ name: 'golden-image-base' })).snapshots[0];
    assert.equal(golden?.status, 'in_use');
    await assert.rejects(block.deleteSnapshot({ snapshotId: golden.id }), (err) => {
      assert.ok(err instanceof Errors.PreconditionFailedError,
                `expected PreconditionFailedError, got ${err?.name}: ${err?.message}`);
      assert.equal(err.status, 412);
      return true;
    });
  });
});
