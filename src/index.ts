/**
 * plumtree-ts: Plumtree epidemic broadcast trees for Node.js, on an OTP-style actor
 * runtime over nact.
 */
export * from './actors/index.js';
export * from './metrics/index.js';
export * from './supervisor/index.js';
