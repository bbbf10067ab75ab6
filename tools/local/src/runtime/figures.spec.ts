import { EVENT_BUS_NAME, eventRules } from '@imgpipe/workflow';
import { toBusEvent, type BusEvent } from '../bus/bus-event';
import { LiveFigures } from './figures';

const metadataRule = eventRules({ originalsBucketName: 'originals' }).find((rule) => rule.target === 'metadata');

function event(detailType: string, replayName?: string): BusEvent {
  const made = toBusEvent({
    source: 'imgpipe.test',
    detailType,
    detail: { version: 1, eventId: `e-${detailType}`, correlationId: 'c', occurredAt: '2026-12-05T00:00:00.000Z', data: { imageId: 'img-1', userId: 'u-1' } },
  });
  return replayName === undefined ? made : { ...made, 'replay-name': replayName };
}

describe('live updates: when the owner is told an image changed', () => {
  let figures: LiveFigures;
  let told: string[];

  beforeEach(() => {
    figures = new LiveFigures();
    told = [];
    jest.spyOn(figures.hub, 'image').mockImplementation((_user, change) => void told.push(change.detailType));
  });
  afterEach(() => {
    figures.dispose();
    figures.hub.close();
  });

  const delivered = (e: BusEvent) => {
    if (!metadataRule) throw new Error('no rule to metadata');
    figures.delivered({ rule: metadataRule, event: e, attempts: 1 });
  };

  it.each(['ThumbnailsGenerated', 'ImageProcessed'])('tells of %s when the bus takes it (recorded before it was published), once', (detailType) => {
    const e = event(detailType);

    figures.onBusEvent(EVENT_BUS_NAME, e);
    expect(told).toEqual([detailType]);
    delivered(e);

    expect(told).toEqual([detailType]);
  });

  it('tells of any other event only once metadata has recorded it', () => {
    const e = event('ImageUploaded');

    figures.onBusEvent(EVENT_BUS_NAME, e);
    expect(told).toEqual([]);
    delivered(e);

    expect(told).toEqual(['ImageUploaded']);
  });

  it('tells of a replayed ThumbnailsGenerated only after metadata (a rebuild may not have recorded it)', () => {
    const e = event('ThumbnailsGenerated', 'replay-1');

    figures.onBusEvent(EVENT_BUS_NAME, e);
    expect(told).toEqual([]);
    delivered(e);

    expect(told).toEqual(['ThumbnailsGenerated']);
  });
});
