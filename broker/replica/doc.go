// Package replica holds the partitions this broker hosts and their roles:
// which it leads and which it follows, at which leader epoch, with which
// ISR, and the high watermark that decides what consumers may see and when
// an acks=all produce is complete. It is Kafka 3.1's ReplicaManager and
// Partition (ZooKeeper mode, IBP 3.1).
//
// The controller drives roles through LeaderAndIsr and StopReplica (the
// request layer hands those requests to Manager). A Partition's state is
// guarded by its mutex; its log is safe for concurrent reads. Waiters
// (long-poll fetches, acks=all produces) block on Changed(), a channel
// closed whenever the log end or the high watermark moves.
//
// # Leader
//
// The leader tracks each follower from its fetches (UpdateFollowerFetchState,
// called by the Fetch handler for replica ids >= 0): its log end offset (the
// fetch offset) and when it was last caught up (Replica.updateFetchState: at
// the fetch time if it fetched from the leader's end, else at the previous
// fetch time if it reached the end the leader had then). The high watermark
// is the smallest log end offset among the leader and every follower that
// is in the maximal ISR or was caught up within replica.lag.time.max.ms; it
// only moves forward.
//
// ISR changes go to the controller as AlterIsr (key 56 v0) with one change
// in flight per partition (pending ISR): a follower that reaches the high
// watermark and the start of the leader's epoch is proposed for expansion,
// and counts for the high watermark at once (maximal ISR); followers not
// caught up for replica.lag.time.max.ms (checked every half of it by
// Manager.Run) are proposed for removal, but still count until the
// controller confirms. The controller's answer (new ISR and zkVersion)
// commits the change; FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION and
// UNKNOWN_TOPIC_OR_PARTITION give up until the next LeaderAndIsr, other
// errors resend. acks=all needs min.insync.replicas in the committed ISR
// before appending (NOT_ENOUGH_REPLICAS) and in the maximal ISR once the
// high watermark covers the write (else NOT_ENOUGH_REPLICAS_AFTER_APPEND).
//
// # Follower
//
// Followed partitions are fetched by package fetch, one Fetcher per source
// broker (and fetcher id) owned by the Manager, which adds and removes
// partitions as LeaderAndIsr and StopReplica change roles. The fetcher
// writes only through FollowerAppend / FollowerTruncate /
// FollowerTruncateFully, which check the leader epoch under the partition
// lock, so a write from a stale fetcher is refused. A follower's high
// watermark is min(leader's, own log end).
//
// Lock order: Manager.mu -> Partition.mu -> log locks; the AlterIsr sender's
// and fetchers' mutexes are never held while taking a Partition's.
package replica
