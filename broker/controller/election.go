package controller

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/samsa-kafka/samsa/broker/zk"
)

// Leader election rules (Kafka's PartitionLeaderElectionAlgorithms and
// Election.scala). Each takes the partition's assignment (preferred
// replica first) and current state, and returns the new state with the
// leader epoch bumped, or ok=false when no replica qualifies. ZkVersion is
// carried over: it is the compare-and-set version of the write.

// Sentinel leaders and epochs (kafka.api.LeaderAndIsr).
const (
	NoLeader           int32 = -1
	LeaderDuringDelete int32 = -2
	EpochDuringDelete  int32 = -2
	NoEpoch            int32 = -1
)

// electOffline is the offline strategy: the first replica in assignment
// order that is live and in the ISR gets leadership and the ISR is cut to
// its live members; failing that, with unclean election allowed, the first
// live replica leads with ISR [leader]. unclean reports the latter.
func electOffline(assignment []int32, cur zk.PartitionState, live func(int32) bool, allowUnclean bool) (next zk.PartitionState, ok, unclean bool) {
	for _, r := range assignment {
		if live(r) && slices.Contains(cur.ISR, r) {
			var isr []int32
			for _, i := range cur.ISR {
				if live(i) {
					isr = append(isr, i)
				}
			}
			return newLeaderAndISR(cur, r, isr), true, false
		}
	}
	if allowUnclean {
		for _, r := range assignment {
			if live(r) {
				return newLeaderAndISR(cur, r, []int32{r}), true, true
			}
		}
	}
	return cur, false, false
}

// electReassign is the reassignment strategy: the first target replica
// that is live and in the ISR; the ISR is unchanged.
func electReassign(target []int32, cur zk.PartitionState, live func(int32) bool) (zk.PartitionState, bool) {
	for _, r := range target {
		if live(r) && slices.Contains(cur.ISR, r) {
			return newLeaderAndISR(cur, r, cur.ISR), true
		}
	}
	return cur, false
}

// electPreferred is the preferred-replica strategy: assignment[0] if it is
// live and in the ISR; the ISR is unchanged.
func electPreferred(assignment []int32, cur zk.PartitionState, live func(int32) bool) (zk.PartitionState, bool) {
	if len(assignment) == 0 {
		return cur, false
	}
	r := assignment[0]
	if live(r) && slices.Contains(cur.ISR, r) {
		return newLeaderAndISR(cur, r, cur.ISR), true
	}
	return cur, false
}

// electControlledShutdown is the controlled-shutdown strategy: the first
// replica in assignment order that is live (shutting-down brokers count as
// live), in the ISR and not shutting down; the new ISR drops the
// shutting-down brokers. The ISR is cut even when no leader is found, but
// then ok is false and nothing is written.
func electControlledShutdown(assignment []int32, cur zk.PartitionState, liveOrShuttingDown, shuttingDown func(int32) bool) (zk.PartitionState, bool) {
	var isr []int32
	for _, i := range cur.ISR {
		if !shuttingDown(i) {
			isr = append(isr, i)
		}
	}
	for _, r := range assignment {
		if liveOrShuttingDown(r) && slices.Contains(cur.ISR, r) && !shuttingDown(r) {
			return newLeaderAndISR(cur, r, isr), true
		}
	}
	return cur, false
}

// removeFromISR is ReplicaStateMachine.doRemoveReplicasFromIsr for one
// partition: the replica leaves the ISR unless it is the last member, and
// if it led the partition the leader becomes -1. changed is false when the
// replica was not in the ISR.
func removeFromISR(cur zk.PartitionState, replica int32) (zk.PartitionState, bool) {
	if !slices.Contains(cur.ISR, replica) {
		return cur, false
	}
	leader := cur.Leader
	if leader == replica {
		leader = NoLeader
	}
	isr := cur.ISR
	if len(isr) > 1 {
		isr = nil
		for _, i := range cur.ISR {
			if i != replica {
				isr = append(isr, i)
			}
		}
	}
	return newLeaderAndISR(cur, leader, isr), true
}

// newLeaderAndISR is LeaderAndIsr.newLeaderAndIsr: epoch+1, same zkVersion.
func newLeaderAndISR(cur zk.PartitionState, leader int32, isr []int32) zk.PartitionState {
	return zk.PartitionState{
		Leader:          leader,
		LeaderEpoch:     cur.LeaderEpoch + 1,
		ISR:             slices.Clone(isr),
		ControllerEpoch: cur.ControllerEpoch,
		ZkVersion:       cur.ZkVersion,
	}
}

func sortedKeys32[V any](m map[int32]V) []int32 {
	ks := make([]int32, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func sortedStrings[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func formatAssignment(a map[int32][]int32) string {
	var parts []string
	for _, p := range sortedKeys32(a) {
		parts = append(parts, fmt.Sprintf("%d -> %v", p, a[p]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
