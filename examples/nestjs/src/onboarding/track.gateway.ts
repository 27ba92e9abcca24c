import { Inject, Injectable } from '@nestjs/common';
import { TrackClient } from 'customerio-node';
import type { CioClientOptions } from 'customerio-resilience';
import { CIO_OPTIONS } from '../customerio/customerio.module';

/**
 * The app's own calls to Customer.io with the official SDK. Its retries are off: the
 * `@Resilient()` methods that use it own the policy (retry, circuit breaker, queue).
 */
@Injectable()
export class TrackGateway {
  readonly #sdk: TrackClient;

  constructor(@Inject(CIO_OPTIONS) options: CioClientOptions) {
    const siteId = options.siteId ?? process.env.CUSTOMERIO_SITE_ID ?? '';
    const apiKey = options.apiKey ?? process.env.CUSTOMERIO_TRACK_API_KEY ?? '';
    this.#sdk = new TrackClient(siteId, apiKey, { ...(options.trackUrl ? { url: options.trackUrl } : {}), retry: { maxRetries: 0 }, timeout: 2_000 });
  }

  async identify(userId: string, attributes: Record<string, unknown>): Promise<void> {
    await this.#sdk.identify(userId, attributes);
  }

  async track(userId: string, name: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.#sdk.track(userId, { name, data });
  }
}
