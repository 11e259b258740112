export { serializeValue, deserializeValue, pyStr, type SerializeOptions, type DeserializeOptions } from './serdes';
export {
  t,
  defineEnum,
  enumDefOf,
  registerRecord,
  initRecord,
  replaceRecord,
  snakeCase,
  Registry,
  defaultRegistry,
  type FieldType,
  type FieldSpec,
  type RecordSpec,
  type RecordDef,
  type RecordClass,
  type RecordMeta,
  type EnumDef,
  type EnumLike,
  type EnumValue,
  type EnumOptions,
} from './registry';
export { FrozenSet, PyFloat, PyEnumValue, UnknownRecord, FLOAT_KEYS, STORED_ORDER, floatKeysOf, markFloatKeys } from './values';
export { createSnapshotId, compressSnapshot, decompressSnapshot, sha1Hex } from './snapshot';
export { pyFloatRepr, pyJsonString, pyIntRepr, pyStrRepr, compareCodePoints } from './json-text';
export { parseJson, formatPath, type JsonPath, type ObjectHook } from './json-parse';
export { checkSerializable, isWellFormedString, describe as describeValue, type CheckOptions } from './check';
