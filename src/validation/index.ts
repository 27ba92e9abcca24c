export { checkAttributes } from './checkAttributes.js';
export { checkEvent } from './checkEvent.js';
export { checkId, type IdOptions } from './checkId.js';
export { checkIdentifiers, IDENTIFIER_TYPES, isIdentifierType, type IdentifierType } from './checkIdentifiers.js';
export { checkSerialisable } from './checkSerialisable.js';
export { checkTransactional, type TransactionalKind } from './checkTransactional.js';
export { isUlid } from '../internal/ulid.js';
export { CIO_LIMITS, utf8Bytes } from './limits.js';
