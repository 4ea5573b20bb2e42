export { ConfiguredTargetDirectory, loginMatches, type TargetDirectoryOptions } from './target-directory';
