// The core entry: the client, the errors and @Resilient() on methods declaring Promise<T> for
// several T. Compiled in both decorator modes; nothing here may need prom-client.
import {
  CioError,
  Resilient,
  createCioClient,
  getResilientOptions,
  isCioError,
  isCioHttpError,
  memoryQueue,
  registerResilient,
  setDefaultCioClient,
  type CioClient,
  type CioResult,
  type ResilientOptions,
} from 'customerio-resilience';

export interface Account {
  id: string;
  plan: 'free' | 'pro';
}

export class AccountService {
  @Resilient({ operation: 'accounts.name', fallback: 'throw' })
  async name(id: string): Promise<string> {
    return `account ${id}`;
  }

  @Resilient({ operation: 'accounts.count', fallback: 'throw' })
  async count(): Promise<number> {
    return 1;
  }

  @Resilient<[id: string]>({ operation: 'accounts.get', fallback: 'throw' })
  async get(id: string): Promise<Account> {
    return { id, plan: 'pro' };
  }

  @Resilient({ operation: 'accounts.list', fallback: 'throw' })
  async list(): Promise<readonly Account[]> {
    return [];
  }

  @Resilient({ operation: 'accounts.flags', fallback: 'throw' })
  async flags(): Promise<Map<string, boolean>> {
    return new Map();
  }

  @Resilient({ operation: 'accounts.exists', fallback: 'throw' })
  async exists(id: string): Promise<boolean> {
    return id !== '';
  }

  @Resilient({ operation: 'accounts.find' })
  async find(id: string): Promise<Account | undefined> {
    return { id, plan: 'free' };
  }

  @Resilient({ operation: 'accounts.welcome', fallback: 'queue' })
  async welcome(account: Account): Promise<void> {
    void account;
  }

  @Resilient<[account: Account]>({ operation: 'accounts.plan', fallback: (_error, account) => account.plan })
  async plan(account: Account): Promise<string | undefined> {
    return account.plan;
  }

  // @ts-expect-error without fallback: 'throw' a failed call resolves undefined: Promise<string> must admit it
  @Resilient({ operation: 'accounts.unsound' })
  async unsound(): Promise<string> {
    return '';
  }
}

export async function main(): Promise<CioResult> {
  const cio: CioClient = createCioClient({ siteId: 's', apiKey: 'k', queue: memoryQueue() });
  setDefaultCioClient(cio);
  const service = new AccountService();
  registerResilient(service);
  const options: Readonly<ResilientOptions> | undefined = getResilientOptions(AccountService, 'name');
  void options;
  const name: string = await service.name('a');
  const count: number = await service.count();
  const account: Account = await service.get('a');
  void [name, count, account, await service.list(), await service.flags(), await service.exists('a')];
  const result = await cio.track('user-1', { name: 'signed_up', data: { plan: 'pro' } });
  if (result.error && isCioError(result.error)) {
    const e: CioError = result.error;
    if (isCioHttpError(e)) void e.status;
  }
  await cio.close({ timeoutMs: 1000 });
  return result;
}
