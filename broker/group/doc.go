// Package group is the consumer group coordinator of a ZooKeeper-mode
// Kafka 3.1 broker: the classic (pre-KIP-848) group membership protocol
// and committed offsets, persisted in __consumer_offsets with Kafka's own
// record formats so that tools reading that topic (Kafka's
// OffsetsMessageFormatter, Burrow) understand it. It follows
// kafka.coordinator.group.{GroupCoordinator, GroupMetadata,
// GroupMetadataManager} at 3.1.2.
//
// The package is a pure state machine: one mutex, time from an injected
// Clock, no goroutines. Kafka's purgatories become deadlines kept on the
// groups (session expiry, new-member join timeout, pending-member expiry,
// DelayedJoin / InitialDelayedJoin, DelayedSync) that the broker's owner
// goroutine fires by calling Tick when NextDeadline passes; Wakeup tells it
// that an earlier deadline appeared. Blocked JoinGroup/SyncGroup requests
// and OffsetCommit (which waits for its records to replicate) answer
// through callbacks run after the mutex is released. Records go to the log
// through the Store interface; Load/Unload follow leadership of the
// offsets partitions.
//
// # Partitioning
//
// A group lives in partition Utils.abs(groupId.hashCode()) % 50 (Java
// String.hashCode over UTF-16 code units; abs(MinInt32) = 0). Its
// coordinator is that partition's leader. Requests for groups of a
// partition being loaded get COORDINATOR_LOAD_IN_PROGRESS (Heartbeat: NONE,
// SyncGroup: REBALANCE_IN_PROGRESS), for partitions not led here
// NOT_COORDINATOR.
//
// # Record formats (__consumer_offsets)
//
// Big-endian; string = int16 length + UTF-8 (nullable: -1 = null);
// bytes = int32 length + data; array = int32 count + elements. Every key
// and value starts with an int16 version; the key version is the record
// type. A record with a null value is a tombstone (compaction deletes the
// key).
//
//	offset commit key, version 1 (0 has the same layout):
//	+---------+--------+--------+-----------+
//	| version | group  | topic  | partition |
//	| int16=1 | string | string | int32     |
//	+---------+--------+--------+-----------+
//
//	offset commit value, version 3 (written), 1 (written when the commit
//	carried a retention time: OffsetCommit v2-v4), 0 and 2 (read):
//	  v0: version int16, offset int64, metadata string, commitTimestamp int64
//	  v1: v0 + expireTimestamp int64
//	  v2: same as v0
//	  v3: version int16, offset int64, leaderEpoch int32, metadata string,
//	      commitTimestamp int64
//
//	group metadata key, version 2:
//	+---------+--------+
//	| version | group  |
//	| int16=2 | string |
//	+---------+--------+
//
//	group metadata value, version 3 (written), 0-2 (read):
//	  version int16, protocolType string, generation int32,
//	  protocol nullable string, leader nullable string,
//	  currentStateTimestamp int64 (v2+, -1 = unknown),
//	  members [ memberId string, groupInstanceId nullable string (v3+),
//	            clientId string, clientHost string,
//	            rebalanceTimeout int32 (v1+; v0 reads the session timeout),
//	            sessionTimeout int32, subscription bytes, assignment bytes ]
//
// The group record is written when the leader's SyncGroup assignment is
// stored, when a rebalance leaves the group Empty, and when a static
// member replaces its member id in a Stable group. Offset commit records
// are written by OffsetCommit; tombstones by OffsetDelete, DeleteGroups,
// RemoveOffsets and offset expiration (a group tombstone once a group with
// generation > 0 dies). The cleaner compacts the topic.
//
// Loading replays a partition from its start: the last record of a key
// wins; a group with members loads Stable (sessions restarted), without
// members Empty; offsets without group metadata make an Empty group with
// no protocol type (simple consumers, reset-offsets).
//
// # State machine
//
//	                join (new member / leader / changed metadata)
//	 +-------+  ------------------------------------------+
//	 | Empty |                                            v
//	 +-------+ <--- all members gone ---  +--------------------+
//	   ^  |                               | PreparingRebalance |<--+
//	   |  | first join                    +--------------------+   |
//	   |  +---- (initial delay) -------->   | all joined or        |
//	   |                                    | rebalance timeout    | join, leave,
//	   |                                    v                      | session expiry,
//	   |                          +---------------------+          | sync timeout
//	   |                          | CompletingRebalance |----------+
//	   |                          +---------------------+          |
//	   |                                    | leader's SyncGroup   |
//	   |                                    v stored               |
//	   |                              +--------+                   |
//	   |                              | Stable |-------------------+
//	   |                              +--------+
//	Dead: DeleteGroups on Empty, expiry of an Empty group's last offset,
//	      unload; dead groups leave the coordinator at once.
//
// Empty → PreparingRebalance waits group.initial.rebalance.delay.ms,
// extended by the same delay while new members keep arriving, at most up
// to the rebalance timeout (InitialDelayedJoin). Otherwise the rebalance
// completes when every member (and no pending member) has rejoined, or at
// the largest member rebalance timeout, when dynamic members that did not
// rejoin are dropped. Each new generation selects the protocol all members
// support that most members prefer; the leader gets the member list;
// members must SyncGroup within the rebalance timeout. v4+ dynamic members
// first get MEMBER_ID_REQUIRED with their id and are pending until they
// rejoin with it (or their session timeout passes). Static members
// (group.instance.id) keep their place across restarts: rejoining with an
// unknown member id replaces the old id (fencing it: FENCED_INSTANCE_ID)
// without a rebalance when the group is Stable and the selected protocol
// stays the same.
//
// # Deviations from Kafka
//
//   - Undecodable records are skipped while loading (Kafka aborts the load).
//   - Group ids over 32767 bytes are INVALID_GROUP_ID (Kafka fails later).
//   - Ties in protocol votes go to the first member's preference (Kafka:
//     hash order). Member lists follow join order.
//   - A parked JoinGroup/SyncGroup superseded by a second one of the same
//     member is answered REBALANCE_IN_PROGRESS (Kafka drops it).
//   - OffsetCommit v0 commits to __consumer_offsets (Kafka: ZooKeeper).
//   - Transactional offset commits (TxnOffsetCommit, markers) are not
//     handled yet.
package group
