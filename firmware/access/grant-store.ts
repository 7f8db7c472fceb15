// Grants pushed to the lock (PIN grants, tracking-number grants, delegations), kept once verified, as
// their bytes, under their identity and by credential digest so a keypad code is found without a scan.
// A grant's identity is (root key, issuer key, cti): a carrier cannot shadow an owner's grant by
// reusing its id, and a stored grant is replaced only by its own issuer with a strictly newer iat.
import { createHash } from 'node:crypto';
import { DEFAULT_LIMITS, decodeScanned, scanCbor } from './cbor.js';
import type { Link } from './chain.js';
import { decodeSign1, signerOf } from './cose.js';
import { parseClaims } from './grant.js';
import { sameBytes } from '../util/bytes.js';
import { toHex as hex } from '../util/hex.js';

export interface StoredGrant {
  chain: Uint8Array[];
  links: Link[];
}

/** Why a grant was not stored. */
export type StoreRefusal = 'store-full' | 'grant-superseded' | 'grant-id-taken' | 'credential-taken';

/**
 * The 16-byte id of link `i` of a verified chain, under which its uses are counted and by which it
 * is revoked: the cti itself for a link the owner signed (the root), else
 * SHA-256("lock-grant-id-v1" || root key || issuer key || cti)[0..16].
 */
export function linkId(links: readonly Link[], i = links.length - 1): Uint8Array {
  return i === 0 ? links[0]!.claims.cti : delegatedMemo(links, i).id;
}

/** `linkId` as lowercase hex: the key grants are held and reported under. */
export function linkIdHex(links: readonly Link[], i = links.length - 1): string {
  if (i === 0) return hex(links[0]!.claims.cti);
  const memo = delegatedMemo(links, i);
  return (memo.hex ??= hex(memo.id));
}

/**
 * Ids of delegated links already computed, per link object: verified links are shared, immutable
 * and presented again and again, so each is hashed once, not on every decision. The id also depends
 * on the chain's root key, so the memo holds the root it was computed under and is recomputed when
 * another root is asked for. (A root link's id is its cti: nothing to keep.)
 */
interface IdMemo {
  root: Uint8Array;
  id: Uint8Array;
  hex: string | null;
}
const delegatedIds = new WeakMap<Link, IdMemo>();

function delegatedMemo(links: readonly Link[], i: number): IdMemo {
  const link = links[i]!;
  const root = links[0]!.signer;
  let memo = delegatedIds.get(link);
  if (memo === undefined || !sameRoot(memo.root, root)) {
    memo = { root, id: delegatedGrantId(root, link.signer, link.claims.cti), hex: null };
    delegatedIds.set(link, memo);
  }
  return memo;
}

const sameRoot = (a: Uint8Array, b: Uint8Array): boolean => a === b || sameBytes(a, b);

/** The id of a grant signed by a delegated issuer under the owner key `root` (tools compute it to revoke one). */
export function delegatedGrantId(root: Uint8Array, issuer: Uint8Array, cti: Uint8Array): Uint8Array {
  const h = createHash('sha256').update('lock-grant-id-v1').update(root).update(issuer).update(cti);
  return new Uint8Array(h.digest().subarray(0, 16));
}

/**
 * One held grant: its bytes, once, as one-byte strings (in V8's own heap: no buffer, no typed array
 * object, nothing else kept alive with them), and the leaf's iat for the supersedes check on the
 * decision path. Its links are decoded from the bytes when asked for (a keypad decision, a
 * replacement): 10,000 grants then hold ~2.5 MB of bytes, not ~20 MB of decoded claims.
 */
interface Held {
  readonly chain: readonly string[];
  readonly iat: number | null;
}

export class GrantStore {
  private readonly byId = new Map<string, Held>();
  private readonly byDigest = new Map<string, Held>();

  constructor(readonly capacity = 20_000) {}

  get size(): number {
    return this.byId.size;
  }

  /**
   * Whether a verified grant may be kept: null when it may (or when these very bytes are already
   * held). Another version of a held grant needs the same issuer and a strictly newer iat; a
   * credential digest already carried by another grant is refused (it would shadow it).
   */
  admit(grant: StoredGrant): StoreRefusal | null {
    const leaf = grant.links.at(-1)!;
    const old = this.byId.get(linkIdHex(grant.links));
    if (old) {
      if (old.chain.length === grant.chain.length && grant.chain.every((link, i) => latin1(link) === old.chain[i])) return null;
      if (Buffer.compare(decodeHeld(old.chain).at(-1)!.signer, leaf.signer) !== 0) return 'grant-id-taken';
      if (!newer(leaf.claims.iat, old.iat)) return 'grant-superseded';
    } else if (this.byId.size >= this.capacity) {
      return 'store-full';
    }
    for (const digest of leaf.claims.credential?.digests ?? []) {
      const holder = this.byDigest.get(hex(digest));
      if (holder && holder !== old) return 'credential-taken';
    }
    return null;
  }

  /** Keep a grant `admit` let through, replacing the version held under its id. */
  add(grant: StoredGrant): void {
    const leaf = grant.links.at(-1)!;
    const id = linkIdHex(grant.links);
    if (this.byId.has(id)) this.remove(id);
    // Copies: the caller's arrays may be views of a larger buffer (an MQTT packet) or carry a decoder's cache.
    const held: Held = { chain: grant.chain.map(latin1), iat: leaf.claims.iat };
    this.byId.set(id, held);
    for (const digest of leaf.claims.credential?.digests ?? []) this.byDigest.set(hex(digest), held);
  }

  /** Forget the grant with this id (hex), if held. */
  remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    for (const digest of decodeHeld(old.chain).at(-1)!.claims.credential?.digests ?? []) this.byDigest.delete(hex(digest));
  }

  /** True when a newer version of this chain's leaf (same identity, later iat) is held. */
  supersedes(links: readonly Link[]): boolean {
    const held = this.byId.get(linkIdHex(links));
    return held !== undefined && newer(held.iat, links.at(-1)!.claims.iat);
  }

  get(links: readonly Link[]): StoredGrant | undefined {
    return open(this.byId.get(linkIdHex(links)));
  }

  /** The grant carrying this keyed digest (32 bytes), if any. */
  findByDigest(digest: Uint8Array): StoredGrant | undefined {
    return open(this.byDigest.get(hex(digest)));
  }
}

function open(held: Held | undefined): StoredGrant | undefined {
  return held && { chain: held.chain.map((link) => new Uint8Array(Buffer.from(link, 'latin1'))), links: decodeHeld(held.chain) };
}

/**
 * The links of a chain held here, decoded from its bytes. They verified (signatures, chain rules)
 * before `add` kept them and have not left memory since, so the signatures are not checked again;
 * a failure here is a bug, thrown (the core refuses and counts it).
 */
function decodeHeld(chain: readonly string[]): Link[] {
  return chain.map((text) => {
    const bytes = Buffer.from(text, 'latin1');
    const message = decodeSign1(bytes);
    const signer = message.ok ? signerOf(message.value) : null;
    if (!message.ok || !signer?.ok || scanCbor(message.value.payload, DEFAULT_LIMITS, [])) throw new Error('a held grant no longer decodes');
    const claims = parseClaims(decodeScanned(message.value.payload));
    if (!claims.ok) throw new Error('a held grant no longer decodes');
    return { signer: signer.value, claims: claims.value };
  });
}

/** Bytes as a one-byte string (each char one byte): held in V8's own compacting heap, no buffer of their own. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** Is a version issued at `a` strictly newer than one issued at `b`? A grant without iat is never newer than anything. */
function newer(a: number | null, b: number | null): boolean {
  return a !== null && (b === null || a > b);
}
