// Public surface of src/io: safetensors, checkpoint file sources (memory, picked files, the Hub),
// Hugging Face BERT import, and export/import of any model as config.json + model.safetensors.
export * from './safetensors';
export * from './sources';
export * from './hf-config';
export * from './hf-bert';
export * from './checkpoint';
