export * from './config';
export * from './foundation-resources';
export * from './lambda/default-lambda-props';
export * from './nag/acknowledgements';
export * from './object-prefixes';
export * from './rule-targets';
export * from './lambda/image-function';
