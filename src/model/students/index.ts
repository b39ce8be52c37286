// Public surface of the non-BERT students (TextCNN, BiLSTM) and the student factory.
export * from './textcnn';
export * from './bilstm';
export * from './factory';
