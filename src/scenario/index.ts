// Pure: readScenarioFile (the one node:fs user) is imported from its own module.
export type * from './Scenario.js';
export { loadScenario, loadStep, parseScenarioText, scenarioFormat } from './loadScenario.js';
export { scenarioToJson, scenarioToText, stepToJson } from './scenarioToJson.js';
export { ScenarioError, ScenarioRules, type ScenarioRule, type SourcePosition } from './ScenarioError.js';
export { parseNumber, IntRange, SizeUnits, type IntWidth } from './parseNumber.js';
export * from './uapiNames.js';
export type { Codec, Json } from './Codec.js';
export { hypervisorCodec } from './hypervisorCodec.js';
export { hostMemoryCodec, hostRamDeclaredBytesMax } from './hostMemoryCodec.js';
