export * from './options.js';
export * from './model.js';
export * from './codec.js';
export * from './friends.js';
export * from './metrics.js';
export * from './announcer.js';
export * from './engine.js';
export * from './server.js';
