export * from './mask-plan';
