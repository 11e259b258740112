// Builds the client bundle into dist/client once per test run (a clean clone has no dist: turbo's test does not build).
export default async function setup(): Promise<void> {
  // @ts-expect-error: a plain .mjs script without types
  const { buildClient } = (await import('../scripts/build-client.mjs')) as { buildClient: (o?: { minify?: boolean }) => Promise<void> };
  await buildClient();
}
