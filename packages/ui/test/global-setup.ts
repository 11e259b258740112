import { buildClient } from '../scripts/build-client.mjs';

// Builds the client bundle into dist/client once per test run (a clean clone has no dist: turbo's test does not build).
export default async function setup(): Promise<void> {
  await buildClient();
}
