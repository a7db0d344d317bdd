// Package fetch is the follower side of replication: Kafka 3.1's
// ReplicaFetcherThread / AbstractFetcherThread. A Fetcher copies the
// partitions this broker follows from one leader broker (one fetcher per
// source broker and fetcher id, num.replica.fetchers), appending what it
// reads to the local logs with the leader's offsets and epochs.
//
// Per partition a Fetcher is either truncating or fetching:
//
//   - Added with a leader epoch in its epoch cache, a partition starts
//     fetching at its log end offset and sends that epoch as
//     LastFetchedEpoch (truncation on fetch, IBP >= 2.7). The leader
//     answers a divergence with DivergingEpoch {epoch, end offset}; the
//     follower truncates to min(leader end, its own end for that epoch)
//     (TruncationOffset). If it does not know the leader's epoch it
//     truncates to the end of its largest smaller epoch and asks again with
//     OffsetForLeaderEpoch v4 (truncating state).
//   - Added without any epoch (an empty log), it truncates to its high
//     watermark first.
//
// A fetch (v13 with topic ids at IBP >= 3.1, else v12) carries replica id
// = this broker, replica.fetch.wait.max.ms / min.bytes / response.max.bytes
// and per partition replica.fetch.max.bytes, the current leader epoch, the
// log start offset, and no fetch session (session epoch -1). Each partition
// of the answer is appended (Partition.FollowerAppend also sets the high
// watermark to min(leader HW, own LEO) and raises the log start offset to
// the leader's). Errors: OFFSET_OUT_OF_RANGE asks the leader for its end
// and start offsets (ListOffsets v7, latest/earliest) and truncates to the
// leader's end if ours is beyond it, or restarts the log empty at the
// leader's start if we are below it; FENCED_LEADER_EPOCH drops the
// partition until the controller sends a newer state; any other error or a
// failed connection delays the partition by replica.fetch.backoff.ms.
//
// Concurrency: the partition set is guarded by the Fetcher's mutex and can
// change while a fetch is in flight; results for a partition that was
// removed or re-added meanwhile are dropped. The Partition methods check
// the leader epoch under the partition's own lock, so a stale fetcher can
// never write to a partition that became leader or moved on.
package fetch
