// Public surface of the model package: configs, parameters and the BERT encoder.
export * from './config';
export * from './params';
export * from './layers';
export * from './embeddings';
export * from './attention';
export * from './encoder';
export * from './model';
export * from './kronecker';
export * from './kron-bert';
export * from './nkp';
export * from './kron-init';
export { symmetricEigen } from './linalg';
export * from './students';
