/**
 * The course's netlink library: framing, attributes, errors, generic netlink,
 * a request/dump client, byte decoders and a malformed-message generator.
 * Import it as `#netlink`.
 */
export * from './constants.ts';
export * from './message.ts';
export * from './attributes.ts';
export * from './errors.ts';
export * from './genl.ts';
export * from './client.ts';
export * from './decode.ts';
export * from './fuzz.ts';
