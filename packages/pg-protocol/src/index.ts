export * from './codec';
export * from './engine';
// What `gatehouse explain` needs to describe a statement's result columns exactly as a session would.
export { CatalogCache, type CatalogOptions, type RelationInfo } from './engine/catalog-cache';
export {
  isBuiltInType,
  resolveColumns,
  rowFields,
  shapeOf,
  type ResolvedColumn,
  type RowFieldColumn,
} from './engine/result-columns';
export { columnRewrites, type ColumnRewrite } from './engine/column-maskers';
