import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { Clock } from '../common/clock';
import { ServiceAccount } from '../config/service-accounts.config';
import { ServiceAccountRegistryService } from './service-account-registry.service';

/** passport-http-bearer over the configured service accounts. */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(
    private readonly registry: ServiceAccountRegistryService,
    private readonly clock: Clock,
  ) {
    super();
  }

  validate(token: string): ServiceAccount | false {
    return this.registry.authenticate(token, this.clock.now()) ?? false;
  }
}
