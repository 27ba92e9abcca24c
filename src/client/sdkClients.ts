import { APIClient, PipelinesClient, RegionEU, RegionUS, TrackClient } from 'customerio-node';
import type { SdkClients } from '../operations/spec.js';
import type { NormalizedOptions } from './options.js';
import { guardRedirects } from './redirects.js';

/**
 * The SDK's clients of a client's options: Track always, App with an App API key, Pipelines with a
 * write key. Their own retries are off (the policies retry), and each refuses redirects that would
 * carry credentials elsewhere. With the redactor, the one place that sees the credentials.
 */
export function createSdkClients(o: NormalizedOptions): SdkClients {
  const region = o.region === 'eu' ? RegionEU : RegionUS;
  const sdkDefaults = {
    region,
    timeout: o.timeoutMs,
    retry: { maxRetries: 0 },
    ...(o.dispatcher ? { dispatcher: o.dispatcher as never } : {}),
    ...(o.headers ? { headers: o.headers } : {}),
  };
  const sdk: SdkClients = {
    track: new TrackClient(o.siteId, o.apiKey, { ...sdkDefaults, ...(o.trackUrl ? { url: o.trackUrl } : {}) }),
    app: o.appApiKey ? new APIClient(o.appApiKey, { ...sdkDefaults, ...(o.appUrl ? { url: o.appUrl } : {}) }) : undefined,
    pipelines: o.writeKey
      ? new PipelinesClient(o.writeKey, { ...sdkDefaults, strictMode: o.pipelines.strictMode, ...(o.pipelinesUrl ? { url: o.pipelinesUrl } : {}) })
      : undefined,
  };
  for (const client of Object.values(sdk)) if (client) guardRedirects(client);
  return sdk;
}
