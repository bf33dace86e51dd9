package idgen

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestNewRejectsOutOfRange(t *testing.T) {
	tests := []struct {
		name            string
		node, shardBits int
		wantErr         bool
	}{
		{"lowest", 0, 0, false},
		{"highest", MaxNode, MaxShardBits, false},
		{"negative node", -1, 0, true},
		{"node too high", MaxNode + 1, 0, true},
		{"negative shard bits", 0, -1, true},
		{"too many shard bits", 0, MaxShardBits + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.node, tt.shardBits)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%d, %d) error = %v, want error %v", tt.node, tt.shardBits, err, tt.wantErr)
			}
			if err == nil && g == nil {
				t.Fatal("nil generator without error")
			}
		})
	}
}

func TestIDsAreUniqueAndPositiveAcrossGoroutines(t *testing.T) {
	const workers, perWorker = 8, 50_000
	for _, shardBits := range []int{0, 5} {
		g := mustNew(t, 7, shardBits)
		got := make([][]int64, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids := make([]int64, perWorker)
				for i := range ids {
					ids[i] = g.NewID()
				}
				got[w] = ids
			}()
		}
		wg.Wait()
		seen := make(map[int64]struct{}, workers*perWorker)
		for _, ids := range got {
			for _, id := range ids {
				if id <= 0 {
					t.Fatalf("shardBits %d: id %d is not positive", shardBits, id)
				}
				if _, dup := seen[id]; dup {
					t.Fatalf("shardBits %d: id %d handed out twice", shardBits, id)
				}
				seen[id] = struct{}{}
			}
		}
	}
}

func TestIDsRiseWithoutShardBits(t *testing.T) {
	g := mustNew(t, 1, 0)
	prev := g.NewID()
	for i := 0; i < 100_000; i++ {
		id := g.NewID()
		if id <= prev {
			t.Fatalf("id %d after %d: not rising", id, prev)
		}
		prev = id
	}
}

func TestLayout(t *testing.T) {
	at := Epoch.Add(123_456_789 * time.Millisecond)
	tests := []struct {
		node, shardBits int
	}{
		{0, 0}, {1, 0}, {513, 0}, {MaxNode, 0},
		{0, 3}, {513, 3}, {MaxNode, MaxShardBits},
	}
	for _, tt := range tests {
		g := mustNew(t, tt.node, tt.shardBits)
		g.now = func() time.Time { return at }
		for seq := 0; seq < 3; seq++ {
			id := g.NewID()
			p := g.Decode(id)
			if p.Node != tt.node || p.Seq != seq || !p.Time.Equal(at) {
				t.Fatalf("node %d shardBits %d: decoded %+v, want node %d seq %d time %s",
					tt.node, tt.shardBits, p, tt.node, seq, at)
			}
			if tt.shardBits == 0 {
				// The documented layout, bit by bit: 41 ms | 10 node | 12 seq.
				if id>>22 != 123_456_789 || int(id>>12&1023) != tt.node || int(id&4095) != seq {
					t.Fatalf("id %#x does not follow ms<<22 | node<<12 | seq", id)
				}
			}
		}
	}
}

func TestShardBitsSpreadIDs(t *testing.T) {
	g := mustNew(t, 1, 4)
	shards := map[int]int{}
	for i := 0; i < 4000; i++ {
		id := g.NewID()
		if id <= 0 {
			t.Fatalf("id %d is not positive", id)
		}
		shards[int(id>>59)]++
	}
	// 4000 ids over 16 shards: an empty shard means the bits are not random.
	if len(shards) != 16 {
		t.Fatalf("ids fell into %d of 16 shards: %v", len(shards), shards)
	}
}

func TestSequenceOverflowMovesToNextMillisecond(t *testing.T) {
	for _, shardBits := range []int{0, MaxShardBits} {
		g := mustNew(t, 3, shardBits)
		perMS := int(g.maxSeq) + 1
		start := Epoch.Add(time.Hour)
		calls := 0
		// The clock stands still for the first full millisecond of ids,
		// then moves on, as it would while NewID waits.
		g.now = func() time.Time {
			calls++
			if calls <= perMS+1 {
				return start
			}
			return start.Add(time.Millisecond)
		}
		seen := map[int64]bool{}
		var p Parts
		for i := 0; i <= perMS; i++ {
			id := g.NewID()
			if seen[id] {
				t.Fatalf("shardBits %d: id %d repeated", shardBits, id)
			}
			seen[id] = true
			p = g.Decode(id)
		}
		if want := start.Add(time.Millisecond); !p.Time.Equal(want) || p.Seq != 0 {
			t.Fatalf("shardBits %d: id %d of one millisecond decoded %+v, want seq 0 at %s",
				shardBits, perMS+1, p, want)
		}
	}
}

func TestClockGoingBackNeverRepeats(t *testing.T) {
	g := mustNew(t, 2, 0)
	clock := Epoch.Add(time.Hour)
	g.now = func() time.Time { return clock }
	first := g.NewID()
	clock = clock.Add(-time.Minute) // NTP steps the clock back
	prev := first
	// More ids than one millisecond holds: the generator must borrow
	// milliseconds ahead rather than wait a minute for the clock.
	for i := 0; i < 3*4096; i++ {
		id := g.NewID()
		if id <= prev {
			t.Fatalf("after the clock went back, id %d follows %d", id, prev)
		}
		prev = id
	}
	if got := g.Decode(prev).Time; got.Before(g.Decode(first).Time) {
		t.Fatalf("id time went back to %s", got)
	}
}

func TestClockBeforeEpochStillGivesPositiveIDs(t *testing.T) {
	g := mustNew(t, MaxNode, 0)
	g.now = func() time.Time { return Epoch.Add(-24 * time.Hour) }
	for i := 0; i < 10; i++ {
		if id := g.NewID(); id <= 0 {
			t.Fatalf("id %d is not positive", id)
		}
	}
}

func TestClockPastTheLastMillisecondPanics(t *testing.T) {
	g := mustNew(t, 0, 0)
	g.now = func() time.Time { return Epoch.Add((maxMillis + 1) * time.Millisecond) }
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a clock past the 41-bit range")
		}
	}()
	id := g.NewID()
	t.Fatalf("got id %d, want a panic", id)
}

func BenchmarkNewID(b *testing.B) {
	for _, shardBits := range []int{0, 5} {
		g, err := New(1, shardBits)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("shardBits=%d", shardBits), func(b *testing.B) {
			for b.Loop() {
				g.NewID()
			}
		})
	}
}

func mustNew(t *testing.T, node, shardBits int) *Generator {
	t.Helper()
	g, err := New(node, shardBits)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
