export { createLimiter, KeyedQueue } from './concurrency';
export * from './errors';
export * from './logger';
export * from './parsers';
export * from './runner';
export * from './service';
export * from './types';
