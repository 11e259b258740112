/**
 * The job-independent part of the config schema and the Dagster type namespace of a job with Dagster's defaults
 * (the multi-or-in-process executor, the console logger, the filesystem IO manager), as Dagster 1.8 writes them.
 * Data carried over from a real Dagster job snapshot (reference fixture pg_dump_1_8_12, job __ASSET_JOB), kept
 * as data in builtin-config.json; the shape/selector keys are recomputed from their fields by config-schema.ts's
 * hash in a test.
 */
import data from './builtin-config.json' with { type: 'json' };

/** [key, kind, givenName, description, typeParamKeys, enumValues, fields, scalarKind]; a field is [name, typeKey, isRequired, defaultProvided, defaultJson, description]. */
export type ConfigTypeRow = readonly [string, string, string | null, string | null, readonly string[] | null, readonly (readonly [string, string | null])[] | null, readonly ConfigFieldRow[] | null, string | null];
/** [name, typeKey, isRequired, defaultProvided, defaultValueAsJsonStr, description]. */
export type ConfigFieldRow = readonly [string | null, string, boolean, boolean, string | null, string | null];
/** [key, kind, name, description, displayName, isBuiltin, typeParamKeys, loaderSchemaKey, materializerSchemaKey]. */
export type DagsterTypeRow = readonly [string, string, string | null, string | null, string, boolean, readonly string[], string | null, string | null];

interface LoggerOrResourceSnap {
  readonly __class__: string;
  readonly config_field_snap: {
    readonly default_provided: boolean;
    readonly default_value_as_json_str: string | null;
    readonly description: string | null;
    readonly is_required: boolean;
    readonly name: string;
    readonly type_key: string;
  };
  readonly description: string;
  readonly name: string;
}

export const BUILTIN_CONFIG_TYPES = data.configTypes as unknown as readonly ConfigTypeRow[];

/** Descriptions and defaults of the root config fields: name -> [description, defaultValueAsJsonStr]. */
export const ROOT_FIELDS = data.rootFields as unknown as Readonly<Record<string, readonly [string, string | null]>>;

/** The type of the `execution` field and of the `loggers` / `resources` fields. */
export const EXECUTION_TYPE_KEY: string = data.executionTypeKey;
export const LOGGERS_TYPE_KEY: string = data.loggersTypeKey;
export const RESOURCES_TYPE_KEY: string = data.resourcesTypeKey;

export const BUILTIN_DAGSTER_TYPES = data.dagsterTypes as unknown as readonly DagsterTypeRow[];

/** The default mode: its logger and resource (JSON of the stored ModeDefSnap minus root_config_key). */
export const DEFAULT_MODE = data.defaultMode as { readonly logger: LoggerOrResourceSnap; readonly resource: LoggerOrResourceSnap };
