import packageJson from '../../package.json';

/** This package's version (bundled in: the CLI runs without its package.json next to it). */
export const VERSION: string = packageJson.version;
