/**
 * One process of nl_rtm's concurrency stress (run by selftest.ts, several at
 * once): `node stress.mjs WORKER COUNT` adds COUNT host routes 10.W.x.y/32
 * to table "stress", deletes every fourth one again (index = 2 mod 4) right
 * after its successor went in, and mixes in lookups and whole-table dumps.
 * Prints one JSON line with what it did; exits 1 on the first failure.
 */
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL } from '#netlink';
import { NLRTM_DELROUTE, NLRTM_GETROUTE, NLRTM_NEWROUTE } from './nl_rtm.ts';
import { openReference, routeAttributes, tableAttributes, type RefRoute } from './reference.ts';

export function stressRoute(worker: number, i: number): RefRoute {
  return { table: 'stress', dst: `10.${worker}.${i >> 8}.${i & 255}`, plen: 32, oif: `s${worker}`, metric: 0 };
}

async function main(): Promise<void> {
  const worker = Number(process.argv[2]);
  const count = Number(process.argv[3]);
  const client = openReference({ timeoutMs: 20_000 });
  const done = { worker, added: 0, deleted: 0, lookups: 0, dumps: 0, interrupted: 0 };
  try {
    for (let i = 0; i < count; i++) {
      await client.request(NLRTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, routeAttributes(stressRoute(worker, i)));
      done.added++;
      if (i % 4 === 3) {
        await client.request(NLRTM_DELROUTE, NLM_F_ACK, routeAttributes(stressRoute(worker, i - 1)));
        done.deleted++;
      }
      if (i % 50 === 49) {
        const r = stressRoute(worker, i);
        await client.request(NLRTM_GETROUTE, NLM_F_ACK, routeAttributes({ table: r.table, dst: r.dst }));
        done.lookups++;
      }
      if (i % 200 === 199) {
        const result = await client.dump(NLRTM_GETROUTE, tableAttributes('stress'));
        done.dumps++;
        if (result.interrupted) done.interrupted++;
      }
    }
  } finally {
    client.close();
  }
  console.log(JSON.stringify(done));
}

if (process.argv[1]?.endsWith('stress.mjs')) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
