import { Body, Controller, HttpCode, Param, Post, Req, ServiceUnavailableException } from '@nestjs/common';
import type { Request } from 'express';
import { isCioError } from 'customerio-resilience';
import type {} from 'customerio-resilience/express'; // req.cio's type
import { OnboardingService, type NewUser, type Plan } from './onboarding.service';

@Controller()
export class SignupController {
  constructor(private readonly onboarding: OnboardingService) {}

  @Post('signup')
  @HttpCode(201)
  async signup(@Body() user: NewUser, @Req() req: Request): Promise<{ ok: true }> {
    // Request-scoped: sent once the response has finished; never delays or fails it.
    void req.cio.track(user.id, { name: 'signup_form_submitted' });
    await this.onboarding.welcome(user); // never rejects
    return { ok: true };
  }

  @Post('users/:id/plan')
  async upgrade(@Param('id') id: string, @Body() body: { plan: Plan }): Promise<{ plan: string }> {
    try {
      return { plan: await this.onboarding.upgrade(id, body.plan) };
    } catch (err) {
      if (isCioError(err)) throw new ServiceUnavailableException({ code: err.code, retryable: err.retryable });
      throw err;
    }
  }
}
