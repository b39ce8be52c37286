// Public surface of src/storage, the only code that touches IndexedDB: the schema and its
// migrations, RunStorage (runs, metrics, checkpoints, page state, usage), export/import formats, and
// the stored run queue's format.
export * from './schema';
export * from './db';
export * from './export';
export * from './runs';
export * from './queue';
