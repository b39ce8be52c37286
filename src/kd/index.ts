// Public surface of the KD realm: the method specs and their defaults and presets, the registry,
// the runtime shape the loop drives, the losses, the teacher (cache, footprints, ensembles), SWA,
// label noise and MLM pre-training. The comparison runner (./experiments) imports the training
// loop, so it is imported directly by its CLI rather than re-exported here.
export * from './spec';
export * from './defaults';
export * from './presets';
export {
  KD_ALGORITHMS,
  createKdRuntime,
  createMethod,
  heldOutSize,
  kdNeedsTeacher,
  needsTeacher,
  type SpecOf,
} from './registry';
export * from './method';
export * from './losses';
export * from './teacher';
export * from './ensemble';
export * from './swa';
export * from './noise';
export * from './mlm';
export * from './augment';
export { bertConfigOf } from './bert';
export { holdOut, subsetSplit } from './algorithms/rw-kd';
