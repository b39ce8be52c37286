// The schedule mechanism lives in src/config/schedule.ts (plain numbers, shared with the UI's
// schedule previews); the training code imports it from here.
export * from '../config/schedule';
