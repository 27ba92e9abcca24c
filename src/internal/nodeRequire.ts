import { createRequire } from 'node:module';

/**
 * This module's URL in the ES module build. The CommonJS build (scripts/build.mjs) replaces the
 * expression with `undefined`, as `import.meta` is not valid CommonJS; that build then uses the
 * module's own `require` (which is also what Jest's module registry hands a CommonJS module).
 */
// @ts-ignore -- valid in the ES module build; replaced in the CommonJS build (scripts/build.mjs)
const moduleUrl: string | undefined = import.meta.url;

/**
 * A `require` that resolves from this package's own folder, in the ES module and CommonJS builds
 * alike: how optional peers (prom-client) and reflect-metadata are loaded on first use, so that
 * importing the package never loads them.
 */
export const nodeRequire: NodeJS.Require = moduleUrl === undefined ? require : createRequire(moduleUrl);
