/** Builds the browser app into dist/client (see build-client.mjs). */
export function buildClient(options?: { minify?: boolean }): Promise<void>;
