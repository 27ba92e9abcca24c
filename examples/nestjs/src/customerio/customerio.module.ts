import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { createCioClient, setDefaultCioClient, type CioClient, type CioClientOptions } from 'customerio-resilience';

/** Injection token of the app's one Customer.io client. */
export const CIO_CLIENT = 'CIO_CLIENT';
/** Injection token of the options the client was made with (the gateway reuses its credentials). */
export const CIO_OPTIONS = 'CIO_OPTIONS';

/**
 * Provides the Customer.io client to the whole app, makes it the default client of `@Resilient()`
 * methods, and closes it (delivering what it can within 5 s) when the app shuts down.
 */
@Global()
@Module({})
export class CustomerioModule implements OnApplicationShutdown {
  constructor(@Inject(CIO_CLIENT) private readonly cio: CioClient) {}

  static forRoot(options: CioClientOptions = {}): DynamicModule {
    return {
      module: CustomerioModule,
      providers: [
        { provide: CIO_OPTIONS, useValue: options },
        {
          provide: CIO_CLIENT,
          useFactory: (): CioClient => {
            // Credentials from the options, else CUSTOMERIO_SITE_ID / CUSTOMERIO_TRACK_API_KEY.
            const cio = createCioClient(options);
            setDefaultCioClient(cio);
            return cio;
          },
        },
      ],
      exports: [CIO_CLIENT, CIO_OPTIONS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    setDefaultCioClient(undefined);
    await this.cio.close({ timeoutMs: 5_000 });
  }
}
