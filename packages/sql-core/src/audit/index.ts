export * from './audit-sink';
