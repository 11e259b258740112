// Two partitioned assets, upstream → downstream, that the asset-backfill test runs in real run worker processes.
// Upstream's `us` partition fails, so its downstream partition never runs.
import { Definitions, defineAsset, staticPartitions } from '@inst/definitions';

const regions = staticPartitions(['eu', 'us', 'apac']);

const upstream = defineAsset({ key: 'upstream', partitions: regions }, async (ctx) => {
  if (ctx.partitionKey === 'us') throw new Error('the us source is down');
  return 1;
});

const downstream = defineAsset({ key: 'downstream', partitions: regions, deps: [upstream] }, async () => 2);

export default new Definitions({ assets: [upstream, downstream] });
