// The quickstart's code location: a module whose default export is a Definitions. It is loaded in a code server
// (a child process), and each run of its job executes in a run worker process of its own.
import { Definitions, defineAsset, defineAssetJob, Output } from '@inst/definitions';

/** Some numbers: an asset whose value the next asset reads. */
export const numbers = defineAsset({ key: 'numbers' }, async (context) => {
  await context.log.info('extracting numbers');
  console.log(`extract: computing 5 squares in process ${process.pid}`); // captured to <home>/storage/<run_id>/compute_logs
  return Array.from({ length: 5 }, (_, i) => (i + 1) ** 2);
});

/** The numbers loaded into the warehouse (fails when the run config says `fail`). */
export const squares = defineAsset({ key: ['warehouse', 'squares'], ins: { numbers } }, (context, inputs) => {
  if (context.runConfig.fail) throw new Error('the warehouse refused the load');
  return new Output(inputs.numbers.length, { metadata: { rows: inputs.numbers.length } });
});

export default new Definitions({
  assets: [numbers, squares],
  jobs: [defineAssetJob({ name: 'numbers', selection: '*' })],
});
