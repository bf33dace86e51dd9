// Package idgen hands out time-ordered 64-bit ids, so rows get their primary
// key before insert, on MySQL and SQLite alike, without AUTO_INCREMENT.
//
// Layout, high to low bit:
//
//	1 bit   sign, always 0, so ids are positive in every language and column
//	s bits  shard: random, s = shardBits (0..8), 0 by default
//	41 bits milliseconds since Epoch (2025-01-01 UTC), enough until 2094
//	10 bits node, so processes never hand out the same id
//	12-s    sequence within one millisecond on one node
//
// With shardBits 0 the ids of one generator rise strictly, which suits a
// B-tree on one server. On a range-sharded database (TiDB, Vitess) a rising
// key sends every insert to the last range, a write hot spot; random shard
// bits on top spread inserts over 2^s ranges, as TiDB's AUTO_RANDOM does.
//
// The shard bits come out of the sequence, not the timestamp: a timestamp
// cut to 41-s bits would wrap after 2^(41-s) ms (2.2 years at s=5, 99 days
// at s=8) and then repeat ids. A shorter sequence only lowers the ceiling
// per node and millisecond, from 4096 ids at s=0 to 16 at s=8 (16k/s).
package idgen

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/scanpay/scanpay/app"
)

var _ app.IDs = (*Generator)(nil)

// Epoch is the zero of the id clock; a recent epoch leaves the 41-bit
// millisecond field decades of room.
var Epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	timeBits  = 41
	nodeBits  = 10
	totalSeq  = 12
	maxMillis = 1<<timeBits - 1

	// MaxNode is the highest node number; deployments give each running
	// process its own.
	MaxNode = 1<<nodeBits - 1
	// MaxShardBits bounds the shard bits so at least 16 ids per
	// millisecond remain for each node.
	MaxShardBits = 8
)

// Generator hands out ids for one node. It is safe for concurrent use.
type Generator struct {
	node      int64
	shardBits uint
	seqBits   uint
	maxSeq    int64
	now       func() time.Time // the clock; tests replace it

	mu   sync.Mutex
	last int64 // millisecond of the last id; never decreases
	seq  int64 // sequence of the last id within last
}

// New returns a generator for node (0..MaxNode) with shardBits random top
// bits (0..MaxShardBits). Two generators with the same node must never run
// at once: their ids would collide.
func New(node int, shardBits int) (*Generator, error) {
	if node < 0 || node > MaxNode {
		return nil, fmt.Errorf("idgen: node %d out of range 0..%d", node, MaxNode)
	}
	if shardBits < 0 || shardBits > MaxShardBits {
		return nil, fmt.Errorf("idgen: shard bits %d out of range 0..%d", shardBits, MaxShardBits)
	}
	seqBits := uint(totalSeq - shardBits)
	return &Generator{
		node:      int64(node),
		shardBits: uint(shardBits),
		seqBits:   seqBits,
		maxSeq:    1<<seqBits - 1,
		now:       time.Now,
		last:      -1,
	}, nil
}

// NewID returns an id no earlier call on g returned. It waits for the next
// millisecond when the sequence of the current one is used up, and when the
// clock steps back it keeps counting from the last millisecond it used
// rather than repeat ids. It panics after 2094, when the 41 bits run out.
func (g *Generator) NewID() int64 {
	g.mu.Lock()
	ms := g.millis()
	if ms > g.last {
		g.last, g.seq = ms, 0
	} else {
		g.seq++
		if g.seq > g.maxSeq {
			g.last, g.seq = g.nextMillis(ms), 0
		}
	}
	ts, seq := g.last, g.seq
	g.mu.Unlock()

	if ts > maxMillis {
		panic(fmt.Sprintf("idgen: %d ms since %s do not fit in %d bits", ts, Epoch.Format(time.DateOnly), timeBits))
	}
	id := ts<<(nodeBits+g.seqBits) | g.node<<g.seqBits | seq
	if g.shardBits > 0 {
		id |= rand.Int64N(1<<g.shardBits) << (63 - g.shardBits)
	}
	return id
}

// nextMillis returns the millisecond after g.last to continue in once the
// sequence of g.last is used up; ms is the clock's reading.
func (g *Generator) nextMillis(ms int64) int64 {
	for {
		if ms > g.last {
			return ms
		}
		if ms < g.last {
			// The clock stepped back and may take long to catch up;
			// borrow the next millisecond instead of stalling.
			return g.last + 1
		}
		time.Sleep(100 * time.Microsecond)
		ms = g.millis()
	}
}

// millis reads the clock as milliseconds since Epoch; a clock before Epoch
// (a broken RTC) reads as 0 so ids stay positive.
func (g *Generator) millis() int64 {
	ms := g.now().Sub(Epoch).Milliseconds()
	if ms < 0 {
		return 0
	}
	return ms
}

// Parts is an id taken apart, for logs and debugging.
type Parts struct {
	Time  time.Time // when the id was made, to the millisecond
	Shard int
	Node  int
	Seq   int
}

// Decode takes apart an id made by a generator with g's shard bits.
func (g *Generator) Decode(id int64) Parts {
	low := uint(nodeBits) + g.seqBits
	return Parts{
		Time:  Epoch.Add(time.Duration(id>>low&maxMillis) * time.Millisecond),
		Shard: int(id >> (63 - g.shardBits) & (1<<g.shardBits - 1)),
		Node:  int(id >> g.seqBits & MaxNode),
		Seq:   int(id & g.maxSeq),
	}
}
