package controller

import (
	"reflect"
	"slices"
	"testing"

	"github.com/samsa-kafka/samsa/broker/zk"
)

func liveSet(ids ...int32) func(int32) bool {
	return func(id int32) bool { return slices.Contains(ids, id) }
}

func st(leader, epoch int32, isr ...int32) zk.PartitionState {
	return zk.PartitionState{Leader: leader, LeaderEpoch: epoch, ISR: isr, ControllerEpoch: 3, ZkVersion: 7}
}

func TestElectOffline(t *testing.T) {
	cases := []struct {
		name          string
		assignment    []int32
		cur           zk.PartitionState
		live          []int32
		unclean       bool
		ok, isUnclean bool
		leader        int32
		isr           []int32
	}{
		{"first live ISR member in assignment order", []int32{1, 2, 3}, st(1, 4, 3, 2, 1), []int32{2, 3}, false, true, false, 2, []int32{3, 2}},
		{"ISR filtered to live", []int32{1, 2, 3}, st(1, 4, 1, 2, 3), []int32{3}, false, true, false, 3, []int32{3}},
		{"no live ISR, clean", []int32{1, 2, 3}, st(1, 4, 1), []int32{2, 3}, false, false, false, 1, []int32{1}},
		{"no live ISR, unclean", []int32{1, 2, 3}, st(1, 4, 1), []int32{3, 2}, true, true, true, 2, []int32{2}},
		{"nothing live, unclean", []int32{1, 2}, st(1, 4, 1), nil, true, false, false, 1, []int32{1}},
		{"leader -1 partition recovers", []int32{1}, st(-1, 5, 1), []int32{1}, false, true, false, 1, []int32{1}},
		{"ISR member not in assignment ignored", []int32{2, 3}, st(9, 1, 9, 3), []int32{9, 3}, false, true, false, 3, []int32{9, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok, unclean := electOffline(c.assignment, c.cur, liveSet(c.live...), c.unclean)
			if ok != c.ok || unclean != c.isUnclean {
				t.Fatalf("ok=%v unclean=%v, want %v %v", ok, unclean, c.ok, c.isUnclean)
			}
			if !ok {
				if !reflect.DeepEqual(got, c.cur) {
					t.Fatalf("state changed on failure: %+v", got)
				}
				return
			}
			want := zk.PartitionState{Leader: c.leader, LeaderEpoch: c.cur.LeaderEpoch + 1, ISR: c.isr, ControllerEpoch: 3, ZkVersion: 7}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v want %+v", got, want)
			}
		})
	}
}

func TestElectPreferredAndReassign(t *testing.T) {
	cases := []struct {
		name       string
		assignment []int32
		cur        zk.PartitionState
		live       []int32
		ok         bool
		leader     int32
	}{
		{"preferred live and in ISR", []int32{2, 1}, st(1, 0, 1, 2), []int32{1, 2}, true, 2},
		{"preferred not in ISR", []int32{2, 1}, st(1, 0, 1), []int32{1, 2}, false, 1},
		{"preferred dead", []int32{2, 1}, st(1, 0, 1, 2), []int32{1}, false, 1},
		{"only the head counts", []int32{3, 2, 1}, st(1, 0, 1, 2), []int32{1, 2}, false, 1},
	}
	for _, c := range cases {
		got, ok := electPreferred(c.assignment, c.cur, liveSet(c.live...))
		if ok != c.ok || got.Leader != c.leader {
			t.Errorf("%s: %+v ok=%v", c.name, got, ok)
		}
		if ok && (got.LeaderEpoch != c.cur.LeaderEpoch+1 || !reflect.DeepEqual(got.ISR, c.cur.ISR)) {
			t.Errorf("%s: epoch/ISR %+v", c.name, got)
		}
	}
	got, ok := electReassign([]int32{4, 5, 6}, st(1, 2, 1, 5, 6), liveSet(1, 6))
	if !ok || got.Leader != 6 || !reflect.DeepEqual(got.ISR, []int32{1, 5, 6}) || got.LeaderEpoch != 3 {
		t.Errorf("reassign: %+v %v", got, ok)
	}
	if _, ok := electReassign([]int32{4, 5}, st(1, 2, 1, 5), liveSet(1, 4)); ok {
		t.Error("reassign without a live ISR target")
	}
}

func TestElectControlledShutdown(t *testing.T) {
	cases := []struct {
		name       string
		assignment []int32
		cur        zk.PartitionState
		live       []int32 // live or shutting down
		down       []int32
		ok         bool
		leader     int32
		isr        []int32
	}{
		{"moves to next ISR member", []int32{1, 2, 3}, st(1, 0, 1, 2, 3), []int32{1, 2, 3}, []int32{1}, true, 2, []int32{2, 3}},
		{"skips shutting down followers", []int32{1, 2, 3}, st(1, 0, 1, 2, 3), []int32{1, 2, 3}, []int32{1, 2}, true, 3, []int32{3}},
		{"skips dead replicas", []int32{1, 2, 3}, st(1, 0, 1, 2, 3), []int32{1, 3}, []int32{1}, true, 3, []int32{2, 3}},
		{"no candidate", []int32{1, 2}, st(1, 0, 1), []int32{1, 2}, []int32{1}, false, 1, []int32{1}},
	}
	for _, c := range cases {
		down := liveSet(c.down...)
		got, ok := electControlledShutdown(c.assignment, c.cur, liveSet(c.live...), down)
		if ok != c.ok || got.Leader != c.leader || !reflect.DeepEqual(got.ISR, c.isr) {
			t.Errorf("%s: %+v ok=%v", c.name, got, ok)
		}
	}
}

func TestRemoveFromISR(t *testing.T) {
	cases := []struct {
		name    string
		cur     zk.PartitionState
		replica int32
		changed bool
		leader  int32
		isr     []int32
	}{
		{"follower leaves", st(1, 3, 1, 2, 3), 2, true, 1, []int32{1, 3}},
		{"leader leaves: no leader", st(1, 3, 1, 2), 1, true, -1, []int32{2}},
		{"last member stays, leader -1", st(1, 3, 1), 1, true, -1, []int32{1}},
		{"not in ISR", st(1, 3, 1), 2, false, 1, []int32{1}},
	}
	for _, c := range cases {
		got, changed := removeFromISR(c.cur, c.replica)
		if changed != c.changed || got.Leader != c.leader || !reflect.DeepEqual(got.ISR, c.isr) {
			t.Errorf("%s: %+v %v", c.name, got, changed)
		}
		if changed && got.LeaderEpoch != c.cur.LeaderEpoch+1 {
			t.Errorf("%s: epoch %d", c.name, got.LeaderEpoch)
		}
	}
}
