package fetch

// EpochEnd is an (epoch, end offset) pair from the leader: a
// DivergingEpoch or an OffsetForLeaderEpoch answer. -1 means undefined.
type EpochEnd struct {
	Epoch     int32
	EndOffset int64
}

// Truncation is where a follower truncates and whether it is done
// (false: truncate, then ask the leader again with the new latest epoch).
type Truncation struct {
	Offset int64
	Done   bool
}

// TruncationOffset is AbstractFetcherThread.getOffsetTruncationState: given
// the leader's end for an epoch, the follower's log end and its own
// epoch cache (endFor = Log.EndOffsetForEpoch), where to truncate.
// fetchOffset is the partition's current fetch position (its log end, or
// its high watermark when it started without epochs).
func TruncationOffset(leader EpochEnd, fetchOffset, leo int64, endFor func(int32) (int32, int64)) Truncation {
	switch {
	case leader.EndOffset < 0:
		// The leader knows no end for our epoch: truncate to where we
		// were going to fetch from.
		return Truncation{Offset: min(fetchOffset, leo), Done: true}
	case leader.Epoch < 0:
		return Truncation{Offset: min(leader.EndOffset, leo), Done: true}
	}
	epoch, end := endFor(leader.Epoch)
	switch {
	case epoch < 0 || end < 0:
		// We know no epoch at or below the leader's: its answer is below
		// our history, so its end offset is safe to truncate to.
		return Truncation{Offset: min(leader.EndOffset, leo), Done: true}
	case epoch != leader.Epoch:
		// We do not know the leader's epoch: cut back to the end of our
		// largest smaller epoch and ask again.
		return Truncation{Offset: min(end, leo), Done: false}
	}
	return Truncation{Offset: min(end, leader.EndOffset, leo), Done: true}
}
