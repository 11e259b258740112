#!/usr/bin/env node
// Writes (`inst-api-report`) or checks (`inst-api-report --check`) the package's committed API report
// in etc/. --check fails when the public API changed and the report was not regenerated.
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const check = process.argv.includes('--check');
const configPath = resolve('api-extractor.json');
if (!existsSync(configPath)) {
  console.error(`no api-extractor.json in ${process.cwd()}`);
  process.exit(1);
}
const config = ExtractorConfig.loadFileAndPrepare(configPath);
const result = Extractor.invoke(config, { localBuild: !check, showVerboseMessages: false });
if (!result.succeeded || (check && result.apiReportChanged)) {
  console.error(
    check && result.apiReportChanged
      ? `API report of ${config.packageJson?.name} is out of date: run \`pnpm api\` and commit etc/.`
      : `api-extractor failed for ${config.packageJson?.name} (${result.errorCount} errors)`,
  );
  process.exit(1);
}
