// The revocation state the core checks on every decision: three IdSets (grant ids, holder keys,
// issuer keys) built from one owner-signed list, replaced whole when a newer list arrives.
import { IdSet } from './id-set.js';
import type { RevocationList } from './messages.js';

export class RevocationState {
  private constructor(
    readonly seq: number,
    readonly grants: IdSet,
    readonly holders: IdSet,
    readonly issuers: IdSet,
  ) {}

  static empty(): RevocationState {
    return new RevocationState(0, new IdSet(16, 0), new IdSet(32, 0), new IdSet(32, 0));
  }

  static fromList(list: RevocationList): RevocationState {
    return new RevocationState(list.seq, IdSet.fromPacked(list.grants, 16), IdSet.fromPacked(list.holders, 32), IdSet.fromPacked(list.issuers, 32));
  }

  get counts(): { grants: number; holders: number; issuers: number } {
    return { grants: this.grants.size, holders: this.holders.size, issuers: this.issuers.size };
  }

  get bytes(): number {
    return this.grants.bytes + this.holders.bytes + this.issuers.bytes;
  }
}
