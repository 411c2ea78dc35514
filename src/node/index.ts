/** A runnable node: the root supervision tree and the contract's Node. */
export { KV_PREFIX, type Node, PlumtreeNode, startNode } from './node.js';
export {
  type NodeChannelOption,
  type NodeMetadataOptions,
  type NodeOptions,
  NodeOptionsError,
} from './options.js';
export { RECOMMENDED_V8_FLAGS } from './recommended-v8-flags.js';
