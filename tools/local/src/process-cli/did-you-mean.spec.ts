import { didYouMean, suggestion } from './did-you-mean';

describe('didYouMean', () => {
  it.each([
    ['proces', ['process', 'events', 'replay', 'redrive'], 'process'],
    ['redrve', ['process', 'events', 'replay', 'redrive'], 'redrive'],
    ['jsn', ['json', 'url', 'user'], 'json'],
    ['concurency', ['concurrency', 'timeout'], 'concurrency'],
    ['Replay', ['replay'], 'replay'],
    ['xyz', ['process', 'events'], undefined],
    ['frobnicate', ['process', 'events', 'replay', 'redrive'], undefined],
    ['repaly', ['replay'], 'replay'],
  ])('%p among %p -> %p', (input, candidates, expected) => {
    expect(didYouMean(input, candidates)).toBe(expected);
  });

  it('words the suggestion, or says nothing', () => {
    expect(suggestion('jsn', ['json'], (s) => `--${s}`)).toBe(' (did you mean --json?)');
    expect(suggestion('zzzz', ['json'])).toBe('');
  });
});
