package app

import (
	"context"
	"time"
)

// BenchFloorRepo is the storage side of the floor benchmark: the least a
// request that touches the database can do, one indexed read and one insert.
type BenchFloorRepo interface {
	// StoreIDByCode reads a store's id through its unique code index;
	// ENOTFOUND store_not_found when there is none.
	StoreIDByCode(ctx context.Context, code string) (int64, error)
	// InsertFloorEvent writes one row of the scan log, marked as a floor
	// probe, so the insert costs what a scan's own log row costs.
	InsertFloorEvent(ctx context.Context, id, storeID int64, at time.Time) error
}

// BenchFloor is the use case behind GET /v1/bench/floor, which exists only
// with BENCH_FLOOR=true: `make bench` compares the scan path against it, on
// the same router, middleware and database, to see what the scan itself
// costs above the floor.
type BenchFloor struct {
	repo  BenchFloorRepo
	ids   IDs
	clock Clock
}

// NewBenchFloor wires the floor use case.
func NewBenchFloor(repo BenchFloorRepo, ids IDs, clock Clock) *BenchFloor {
	return &BenchFloor{repo: repo, ids: ids, clock: clock}
}

// Run reads the store by code and records one floor row; it returns the
// row's id.
func (b *BenchFloor) Run(ctx context.Context, storeCode string) (int64, error) {
	storeID, err := b.repo.StoreIDByCode(ctx, storeCode)
	if err != nil {
		return 0, err
	}
	id := b.ids.NewID()
	return id, b.repo.InsertFloorEvent(ctx, id, storeID, b.clock.Now())
}
