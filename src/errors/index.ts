export * from './CioError.js';
