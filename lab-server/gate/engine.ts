/**
 * The gate's way to the Docker Engine is the one engine client (lab-server/engine): requests the gate
 * composes itself (method, path it encodes, query it serializes, body it serialized), never bytes a
 * client sent. The handlers import these names from here so the gate's room keeps one door to it.
 */
export { encodePath, type EngineCall, type EngineClient, type EngineResponse, type EngineStream, type UpgradeResult } from '../engine/shapes.ts';
export { EngineError } from '../errors.ts';
