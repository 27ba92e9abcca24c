// NestJS needs reflect-metadata (for design:paramtypes) before any decorated class is defined.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';

async function bootstrap(): Promise<void> {
  // Credentials from CUSTOMERIO_SITE_ID and CUSTOMERIO_TRACK_API_KEY.
  const app = configureApp(await NestFactory.create(AppModule.forRoot()));
  app.enableShutdownHooks(); // SIGTERM: Nest closes the app, and CustomerioModule closes the client
  await app.listen(process.env.PORT ?? 3000);
}

void bootstrap();
