import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { inputLimitKnobs, readInfraConfig } from '@imgpipe/infra-shared';
import { testApp } from '../testing/test-app';
import { CompressService } from '@imgpipe/compress-infra';
import { ThumbnailService } from '@imgpipe/thumbnail-infra';

describe('input limits', () => {
  it('map to the variables the services read, leaving unset ones to the services’ defaults', () => {
    expect(inputLimitKnobs({})).toEqual({});
    expect(inputLimitKnobs({ maxUploadBytes: 1000, maxPixels: 2_000_000, maxFrames: 10 })).toEqual({
      MAX_UPLOAD_BYTES: '1000',
      MAX_PIXELS: '2000000',
      MAX_FRAMES: '10',
    });
  });

  it('reach the compress and thumbnail functions next to their own knobs', () => {
    const stack = new Stack(testApp({ 'imgpipe:renditionSet': 'marketplace' }), 'Limits');
    const buckets = { originals: new Bucket(stack, 'Originals'), processed: new Bucket(stack, 'Processed') };
    const config = readInfraConfig(stack.node);
    const avifStep = {
      eventsTable: new Table(stack, 'Events', { partitionKey: { name: 'imageId', type: AttributeType.STRING } }),
      eventBus: new EventBus(stack, 'Bus'),
      asyncInvokeFailures: new Queue(stack, 'AsyncDlq'),
    };
    new CompressService(stack, 'Compress', { config, ...buckets, ...avifStep, webpQuality: 70, maxPixels: 50_000_000 });
    new ThumbnailService(stack, 'Thumbnail', { config, ...buckets, maxFrames: 5 });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WEBP_QUALITY: '70', MAX_PIXELS: '50000000' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RENDITION_SET: 'marketplace', MAX_FRAMES: '5' }) },
    });
  });
});
