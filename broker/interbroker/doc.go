// Package interbroker is the client side of the requests one broker sends
// to another: follower fetches to partition leaders (Fetch,
// OffsetForLeaderEpoch, ListOffsets with the broker's id as replica id),
// requests to the controller (AlterIsr, ControlledShutdown), and the
// controller's own LeaderAndIsr / UpdateMetadata / StopReplica queues, as
// Kafka's NetworkClient / BrokerToControllerChannelManager do for them.
//
// A Conn is one TCP connection carrying one request at a time (framed by
// package protocol, correlation ids checked, a deadline on every round
// trip). Any error leaves the Conn closed; callers dial again, possibly to
// a different address. ToController sends to whichever broker the metadata
// cache names as controller, reconnecting when that changes.
//
// Addresses come from the metadata cache: a broker's advertised endpoint
// on inter.broker.listener.name (Resolver).
package interbroker
