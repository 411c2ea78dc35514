import type { NodeName } from './messages.js';
import type { NewRootSeed } from './options.js';

/** A node's peers in one tree. Views over live state: copy before keeping them. */
export interface PeerSets {
  readonly eagers: ReadonlySet<NodeName>;
  readonly lazys: ReadonlySet<NodeName>;
}

interface MutablePeerSets {
  readonly eagers: Set<NodeName>;
  readonly lazys: Set<NodeName>;
  /** When the tree was last used, on this node's use counter (larger is more recent). */
  used: number;
}

/**
 * The eager and lazy peers of one node, per tree.
 *
 * At most `maxTrees` roots have a tree of their own (the least recently used
 * one other than the template is dropped beyond), so memory is bounded even when
 * roots are not members, as with partial views. Eviction is by use, not by age:
 * with more active roots than room, dropping the oldest would drop trees still in
 * use, and each of them would be rebuilt (grafts and prunes) over and over.
 *
 * Invariants kept by every method: in each tree (and in the common sets) eager and
 * lazy are disjoint and never contain `node`; a tree's eager ∪ lazy always contains
 * the common eager ∪ lazy, because trees start from them and links only move
 * between the two sets, so no member a node is linked to is ever forgotten (until
 * it leaves the membership).
 */
export class EagerLazySets {
  /** Eager peers shared by every tree that has no entry of its own. */
  readonly commonEagers: Set<NodeName>;
  /** Lazy peers shared likewise. */
  readonly commonLazys: Set<NodeName>;
  // One map instead of the reference's two keeps a tree's two sets together; a
  // root's entry appears the first time its tree changes here. Use order is a
  // stamp in each tree, not the map's order: moving an entry to the end on every
  // use (delete, set) cost more than any set operation of a 1,000-node burst, and
  // the order is only read when a tree is evicted or the roots are listed.
  private readonly trees = new Map<NodeName, MutablePeerSets>();
  private useClock = 0;
  // The tree new roots are seeded from: the first one learned, kept while it exists.
  private template: NodeName | undefined;
  // Per root seeded by {@link seedFrom}, the root whose tree it was copied from
  // (`nearest` seed): what its messages name, so every node copies the same tree.
  private readonly seededFrom = new Map<NodeName, NodeName>();
  // Whether this node's own seed was chosen: once, at its first broadcast.
  private ownSeedChosen = false;

  constructor(
    readonly node: NodeName,
    eagers: Iterable<NodeName>,
    lazys: Iterable<NodeName>,
    private readonly seed: NewRootSeed,
    private readonly maxTrees: number = Number.POSITIVE_INFINITY,
  ) {
    this.commonEagers = new Set(eagers);
    this.commonLazys = new Set(lazys);
    this.commonEagers.delete(node);
    this.commonLazys.delete(node);
    for (const p of this.commonEagers) this.commonLazys.delete(p);
  }

  /**
   * The peers of the tree rooted at `root`, for pushing. With the `learned` seed a
   * root without a tree gets one now, so its sets stay stable while it settles.
   */
  peers(root: NodeName): PeerSets {
    const tree = this.trees.get(root);
    if (tree !== undefined) {
      tree.used = ++this.useClock;
      return tree;
    }
    if (this.seed !== 'common' && this.trees.size > 0) return this.materialize(root);
    return { eagers: this.commonEagers, lazys: this.commonLazys };
  }

  /** Like {@link peers} but never creates a tree: for queries. */
  peersView(root: NodeName): PeerSets {
    const tree = this.trees.get(root);
    if (tree !== undefined) return tree;
    if (this.seed !== 'common' && this.trees.size > 0) return this.seedFor();
    return { eagers: this.commonEagers, lazys: this.commonLazys };
  }

  /**
   * Gives `root`, which has no tree here yet, a copy of the tree of `source` (its
   * eager set; every other link lazy), and remembers `source` as its seed. Does
   * nothing when `root` has a tree or `source` has none: the usual seed applies.
   * Returns whether the copy was made.
   */
  seedFrom(root: NodeName, source: NodeName): boolean {
    if (this.trees.has(root) || root === source) return false;
    const tree = this.trees.get(source);
    if (tree === undefined) return false;
    const copy = this.copyOf(tree);
    copy.used = ++this.useClock;
    this.trees.set(root, copy);
    this.seededFrom.set(root, source);
    this.template ??= root;
    if (this.trees.size > this.maxTrees) this.evictOne(root);
    return true;
  }

  /**
   * True the first time only: this node's own tree picks its seed at its first
   * broadcast, never later. A root that sent before already has its tree in its
   * neighbours' sets, and a copy of another one here would disagree with them.
   */
  chooseOwnSeed(): boolean {
    if (this.ownSeedChosen) return false;
    this.ownSeedChosen = true;
    return true;
  }

  /** The root whose tree `root`'s was copied from by {@link seedFrom}, if any. */
  seedOf(root: NodeName): NodeName | undefined {
    return this.trees.has(root) ? this.seededFrom.get(root) : undefined;
  }

  /** Whether the tree rooted at `root` has its own entry. */
  hasTree(root: NodeName): boolean {
    return this.trees.has(root);
  }

  /**
   * Whether the tree of `root` may take a shape of its own (the tree optimisation
   * asks) without pushing another root's shaped tree out: there is room, or its
   * tree is shaped already, or some other tree is a plain copy of the seed and can
   * go for free. When roots outnumber `maxTrees`, the roots beyond keep riding the
   * seed tree, which works everywhere, instead of evicting each other's shapes in
   * turn and rebuilding them with grafts and prunes.
   */
  mayShape(root: NodeName): boolean {
    if (this.trees.size < this.maxTrees) return true;
    const seed = this.seedFor();
    const tree = this.trees.get(root);
    if (tree !== undefined && !sameSets(tree, seed)) return true;
    for (const [r, t] of this.trees) {
      if (r !== root && r !== this.template && sameSets(t, seed)) return true;
    }
    return false;
  }

  /**
   * Roots that have their own entry, least recently used first: a copy, because
   * using a tree ({@link peers}) reorders the live map.
   */
  roots(): NodeName[] {
    return [...this.trees].sort((a, b) => a[1].used - b[1].used).map(([root]) => root);
  }

  /** Makes `peer` eager (and not lazy) in the tree of `root`. Returns whether anything changed. */
  addEager(root: NodeName, peer: NodeName): boolean {
    if (peer === this.node) return false;
    const tree = this.materialize(root);
    if (tree.eagers.has(peer)) return false;
    tree.eagers.add(peer);
    tree.lazys.delete(peer);
    return true;
  }

  /** Makes `peer` lazy (and not eager) in the tree of `root`. Returns whether anything changed. */
  addLazy(root: NodeName, peer: NodeName): boolean {
    if (peer === this.node) return false;
    const tree = this.materialize(root);
    if (tree.lazys.has(peer)) return false;
    tree.lazys.add(peer);
    tree.eagers.delete(peer);
    return true;
  }

  /**
   * A new member: eager in the common sets ("a new member is simply added to the
   * eager push peers") and, when learned trees are kept, in every tree too.
   */
  addMember(peer: NodeName, keepLearned: boolean): void {
    if (peer === this.node) return;
    this.commonEagers.add(peer);
    this.commonLazys.delete(peer);
    if (!keepLearned) return;
    for (const tree of this.trees.values()) {
      tree.eagers.add(peer);
      tree.lazys.delete(peer);
    }
  }

  /**
   * Makes sure this node links to `peer`: where `peer` is in neither set (the
   * common sets or a tree), it becomes eager there; existing links stay as they
   * are. Returns whether anything changed.
   */
  link(peer: NodeName): boolean {
    if (peer === this.node) return false;
    let changed = false;
    if (!this.commonEagers.has(peer) && !this.commonLazys.has(peer)) {
      this.commonEagers.add(peer);
      changed = true;
    }
    for (const tree of this.trees.values()) {
      if (tree.eagers.has(peer) || tree.lazys.has(peer)) continue;
      tree.eagers.add(peer);
      changed = true;
    }
    return changed;
  }

  /**
   * A member left: gone from every set. Its own tree stays (bounded by `maxTrees`
   * like any root's): with a partial view (HyParView) a member leaving the active
   * view is alive and still broadcasting, and its neighbours keep their copies of
   * its tree, so a reseeded one here would disagree with theirs (eager on one side,
   * lazy on the other) and leave nodes reached only lazily until grafts repair it.
   */
  removeMember(peer: NodeName): void {
    this.commonEagers.delete(peer);
    this.commonLazys.delete(peer);
    for (const tree of this.trees.values()) {
      tree.eagers.delete(peer);
      tree.lazys.delete(peer);
    }
  }

  /** Forgets every per-root tree; every root falls back to the common sets. */
  resetTrees(): void {
    this.trees.clear();
    this.seededFrom.clear();
    this.template = undefined;
  }

  private materialize(root: NodeName): MutablePeerSets {
    let tree = this.trees.get(root);
    if (tree === undefined) {
      tree = this.seedFor();
      tree.used = ++this.useClock;
      this.trees.set(root, tree);
      this.template ??= root;
      if (this.trees.size > this.maxTrees) this.evictOne(root);
    } else {
      tree.used = ++this.useClock;
    }
    return tree;
  }

  // Roots are not bounded by the membership under partial views, so trees are
  // capped. The victim is the least recently used tree that its seed would give
  // back unchanged (dropping it loses nothing), else the least recently used one;
  // never the template, which seeds new roots (an evicted root simply starts
  // again from it). Plain LRU alone still thrashes when roots take turns: the
  // tree optimisation shapes each root's tree, so a reseeded tree disagrees with
  // the neighbours' copies and costs grafts and prunes to rebuild, every round.
  private evictOne(keep: NodeName): void {
    const seed = this.seedFor();
    let coldest: NodeName | undefined;
    let coldestUsed = Number.POSITIVE_INFINITY;
    let plain: NodeName | undefined;
    let plainUsed = Number.POSITIVE_INFINITY;
    for (const [root, tree] of this.trees) {
      if (root === this.template || root === keep) continue;
      if (tree.used < coldestUsed) {
        coldest = root;
        coldestUsed = tree.used;
      }
      if (tree.used < plainUsed && sameSets(tree, seed)) {
        plain = root;
        plainUsed = tree.used;
      }
    }
    const victim = plain ?? coldest;
    if (victim !== undefined) {
      this.trees.delete(victim);
      this.seededFrom.delete(victim);
    }
  }

  private seedFor(): MutablePeerSets {
    if (this.seed !== 'common') {
      const template = this.template === undefined ? undefined : this.trees.get(this.template);
      if (template !== undefined) return this.copyOf(template);
    }
    return { eagers: new Set(this.commonEagers), lazys: new Set(this.commonLazys), used: 0 };
  }

  // A tree's eager set, with every other link of this node lazy.
  private copyOf(tree: MutablePeerSets): MutablePeerSets {
    const eagers = new Set(tree.eagers);
    const lazys = new Set<NodeName>();
    for (const p of tree.lazys) lazys.add(p);
    for (const p of this.commonEagers) if (!eagers.has(p)) lazys.add(p);
    for (const p of this.commonLazys) if (!eagers.has(p)) lazys.add(p);
    return { eagers, lazys, used: 0 };
  }
}

function sameSets(a: MutablePeerSets, b: MutablePeerSets): boolean {
  return sameSet(a.eagers, b.eagers) && sameSet(a.lazys, b.lazys);
}

function sameSet(a: ReadonlySet<NodeName>, b: ReadonlySet<NodeName>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
