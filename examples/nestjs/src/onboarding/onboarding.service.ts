import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Resilient, registerResilient, type CioClient } from 'customerio-resilience';
import { CIO_CLIENT } from '../customerio/customerio.module';
import { TrackGateway } from './track.gateway';

export type Plan = 'free' | 'pro';

export interface NewUser {
  id: string;
  email: string;
  plan: Plan;
}

/**
 * Onboarding messages. Each `@Resilient()` method runs under the client's policies (its retries,
 * its circuit breaker, its rate limit) and says what happens when Customer.io stays down.
 */
@Injectable()
export class OnboardingService implements OnModuleInit {
  constructor(
    private readonly gateway: TrackGateway,
    @Inject(CIO_CLIENT) private readonly cio: CioClient,
  ) {}

  /** With experimentalDecorators, register the methods so queued calls replay on this instance from the start. */
  onModuleInit(): void {
    registerResilient(this, this.cio);
  }

  /** Never fails the caller: while Customer.io is down, the call waits in the queue and is replayed. */
  @Resilient({ operation: 'onboarding.welcome', fallback: 'queue' })
  async welcome(user: NewUser): Promise<void> {
    await this.gateway.identify(user.id, { email: user.email, plan: user.plan });
    await this.gateway.track(user.id, 'signed_up', { plan: user.plan });
  }

  /** Part of a checkout, so the caller must know: rejects with a typed CioError. Returns the plan. */
  @Resilient({ operation: 'onboarding.upgrade', fallback: 'throw' })
  async upgrade(userId: string, plan: Plan): Promise<string> {
    await this.gateway.identify(userId, { plan });
    return plan;
  }
}
