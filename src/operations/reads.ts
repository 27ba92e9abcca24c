/**
 * The App API's reads (customerio-node's `APIClient` methods named `get…`, `list…`, `search…`,
 * `find…`, and `downloadExport`): run under the App API's policies and a read rate limit of their
 * own, never queued and never de-duplicated (a read changes nothing, so a retry is always safe).
 */
import { APIClient } from 'customerio-node';

/** The name of an App API read. */
export type AppReadName = Extract<keyof APIClient, `get${string}` | `list${string}` | `search${string}` | `find${string}` | 'downloadExport'>;

/** What the read `N` resolves to when Customer.io answers. */
export type AppReadValue<N extends AppReadName> = Awaited<ReturnType<APIClient[N]>>;

/** The arguments of the read `N`. */
export type AppReadArgs<N extends AppReadName> = Parameters<APIClient[N]>;

const READ_NAME = /^(get|list|search|find)[A-Z]|^downloadExport$/;

/** Whether `name` is an App API read of the installed customerio-node. */
export function isAppRead(name: string): name is AppReadName {
  return READ_NAME.test(name) && typeof Reflect.get(APIClient.prototype, name) === 'function';
}
