import { expect } from 'chai';
import { getDefaultCioClient, getResilientOptions, setDefaultCioClient } from '../../src/decorators/index.js';
import { OnboardingService, runOnboardingDemo, trackClient } from '../../examples/onboarding-service.js';
import { CREDS, harness, type Harness } from '../support/harness.js';

describe('examples: onboarding-service (standard decorators under tsx)', function () {
  this.timeout(15_000);
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    setDefaultCioClient(undefined);
    await h.cleanup();
  });

  it('sends, queues through an outage, throws and falls back as declared, then replays', async () => {
    const cio = h.client({ breaker: { threshold: 5, halfOpenAfterMs: 200 } });
    setDefaultCioClient(cio);
    const service = new OnboardingService(trackClient(h.emu.trackUrl, CREDS.siteId, CREDS.apiKey));
    expect(getResilientOptions(service, 'welcome')).to.deep.equal({ operation: 'onboarding.welcome', fallback: 'queue' });

    const summary = await runOnboardingDemo(h.emu, cio, service);
    expect(summary.welcomed).to.deep.equal(['sent', 'queued']);
    expect(summary.circuitDuringOutage).to.equal('OPEN');
    expect(summary.upgradeError).to.equal('CIRCUIT_OPEN');
    expect(summary.nudged).to.equal(false);
    expect(summary.flushed).to.deep.equal({ delivered: 1, remaining: 0 });
    expect(summary.events).to.deep.equal(['ada:signed_up', 'bob:signed_up']);
    expect(h.emu.people.get('bob')).to.include({ email: 'bob@example.com', plan: 'free' });
    expect(getDefaultCioClient()).to.equal(cio);
  });
});
