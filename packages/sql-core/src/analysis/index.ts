export * from './statement-facts';
