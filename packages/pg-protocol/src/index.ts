export * from './codec';
export * from './engine';
