import { Module, type DynamicModule } from '@nestjs/common';
import type { CioClientOptions } from 'customerio-resilience';
import { CustomerioModule } from './customerio/customerio.module';
import { OnboardingService } from './onboarding/onboarding.service';
import { SignupController } from './onboarding/signup.controller';
import { TrackGateway } from './onboarding/track.gateway';

@Module({})
export class AppModule {
  static forRoot(customerio: CioClientOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [CustomerioModule.forRoot(customerio)],
      controllers: [SignupController],
      providers: [TrackGateway, OnboardingService],
    };
  }
}
