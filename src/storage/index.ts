// Public surface of src/storage, the only code that touches IndexedDB: the schema and its
// migrations, RunStorage (runs, metrics, checkpoints, page state, usage), and export/import formats.
export * from './schema';
export * from './db';
export * from './export';
export * from './runs';
