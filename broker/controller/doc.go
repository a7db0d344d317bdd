// Package controller is the Kafka controller of a ZooKeeper-mode cluster
// (Apache Kafka 3.1's KafkaController and its state machines), on top of
// broker/zk.
//
// # Election
//
// Every broker runs Controller.Run. It watches /controller; while the node
// is absent it calls zk.ElectController (create the ephemeral /controller
// and bump /controller_epoch in one multi). The winner starts a term; the
// others keep watching. ID reports the controller as last read.
//
// # Terms and the event loop
//
// A term is one tenure as controller. It owns all controller state
// (brokers with their epochs, topics and assignments, the leadership
// cache, partition states, topic deletions, per-broker request queues) in
// a single goroutine that runs events one at a time:
//
//	ZooKeeper watches ─┐
//	admin API calls ───┼─► term.events ─► loop goroutine ─► ZooKeeper writes (epoch-fenced)
//	broker responses ──┘                          │
//	                                               └─► batch ─► per-broker sender queues ─► brokers
//
// Watch goroutines and sender goroutines never touch state: they post a
// func(*term) to the loop. Admin calls (CreateTopics, DeleteTopics, ...)
// post an event too and, where Kafka answers only once the change has
// propagated, register a waiter that the loop completes after the event
// that satisfies it (an UpdateMetadata acknowledged by this broker itself).
//
// A term starts with the failover of onControllerFailover: ensure
// /feature, watch /controller, delete log-dir and ISR change
// notifications, load live brokers (epoch = czxid), topics (assigning
// missing topic ids) and partition states, queue pending deletions,
// UpdateMetadata with the live brokers to every broker, LeaderAndIsr for
// every online replica and ISR removal for offline ones, then leader
// election for New and Offline partitions, and resumption of deletions.
//
// Events after that:
//
//   - /brokers/ids children: new, dead and bounced brokers (onBrokerStartup,
//     onBrokerFailure: offline election, ISR shrink, UpdateMetadata);
//   - /brokers/ids/<id> data: endpoint changes → UpdateMetadata;
//   - /brokers/topics children: new topics (from CreateTopics or any other
//     ZooKeeper client) get leader = first live replica, ISR = live
//     replicas, epoch 0, LeaderAndIsr(IsNew) and UpdateMetadata;
//   - /brokers/topics/<t> data: added partitions, initialized the same way;
//   - /admin/delete_topics children: deletion (UpdateMetadata with leader
//     -2, StopReplica delete=true, then the znodes go; replicas on offline
//     brokers are retried when they return);
//   - AlterIsr, ControlledShutdown, ElectLeaders, the auto leader
//     rebalance timer;
//   - AlterPartitionReassignments, ListPartitionReassignments and the
//     creation of /admin/reassign_partitions: partition reassignment
//     (reassign.go), completed by the AlterIsr that brings the target
//     replicas into the ISR, resumed when a target broker starts and at
//     failover.
//
// A term ends when ctx ends (the controller resigns by deleting
// /controller behind the epoch check), when /controller stops naming this
// broker (session expiry deletes it; another broker may have won), when a
// fenced write fails with zk.ErrControllerMoved, or on a ZooKeeper error
// (then it resigns so that a new election runs). Pending admin calls then
// fail with ErrNotController.
//
// # Requests to brokers
//
// Each live broker has one ordered queue and one sender goroutine, as
// Kafka's RequestSendThread: a batch queues, per broker, LeaderAndIsr v5,
// then UpdateMetadata v7, then StopReplica v3, each carrying the
// receiver's broker epoch. The sender connects to the broker's endpoint on
// control.plane.listener.name or the inter-broker listener, resends a
// request after a failure with backoff, and is replaced when the broker
// bounces. The controller's own broker gets its requests over the network
// like any other.
//
// # Not implemented (yet)
//
// The legacy /admin/preferred_replica_election node,
// /isr_change_notification (IBP < 2.7-IV2) and /log_dir_event_notification
// handling (KAFKA_STORAGE_ERROR in
// LeaderAndIsr responses is only logged), finalized-feature compatibility
// checks. A ZooKeeper request failing with a lost connection ends the
// term (the controller resigns and a new election runs) where Kafka would
// wait for the connection and retry.
package controller
