package app

import (
	"context"
	cryptorand "crypto/rand"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/scanpay/scanpay/domain"
)

// LockedRandom is an audit lottery source: ChaCha8 from seed behind a
// mutex, as *rand.Rand is not safe for concurrent use and exit checks run
// in parallel. Production seeds it from crypto/rand (NewAuditRandom);
// tests pass a fixed seed and get the same draws every run.
func LockedRandom(seed [32]byte) func() float64 {
	var mu sync.Mutex
	r := rand.New(rand.NewChaCha8(seed))
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return r.Float64()
	}
}

// NewAuditRandom is LockedRandom seeded from crypto/rand, so nobody can
// predict which basket is audited from earlier verdicts or the start time.
func NewAuditRandom() (func() float64, error) {
	var seed [32]byte
	if _, err := cryptorand.Read(seed[:]); err != nil {
		return nil, err
	}
	return LockedRandom(seed), nil
}

// UnscannedInput is one item an audit found unpaid, as the clerk sends it.
type UnscannedInput struct {
	Barcode  string
	Quantity int
}

// ExitCheck returns one check of a store the staff member works in; a
// check of another store is ENOTFOUND, like its order.
func (e *ExitChecks) ExitCheck(ctx context.Context, actor *domain.Staff, id int64) (ExitCheckResult, error) {
	c, err := e.d.Checks.ExitCheckByID(ctx, id)
	if err != nil {
		return ExitCheckResult{}, err
	}
	if err := e.authorizeCheck(actor, c); err != nil {
		return ExitCheckResult{}, err
	}
	return e.withOrder(ctx, c)
}

// RecordResult stores what an audit found unscanned, once, for an audit
// only. Barcodes are validated and normalised as scans are; known ones are
// named (SKU, name) so the report reads without a catalog lookup.
func (e *ExitChecks) RecordResult(ctx context.Context, actor *domain.Staff, id int64, in []UnscannedInput) (ExitCheckResult, error) {
	current, err := e.d.Checks.ExitCheckByID(ctx, id)
	if err != nil {
		return ExitCheckResult{}, err
	}
	if err := e.authorizeCheck(actor, current); err != nil {
		return ExitCheckResult{}, err
	}
	now := e.d.Clock.Now()
	// A pass, or a result already in, is refused before the items are
	// looked at: no list would make the request right.
	probe := *current
	if err := probe.RecordResult(nil, actor.ID, now); err != nil {
		return ExitCheckResult{}, err
	}
	items, err := e.resolveUnscanned(ctx, in)
	if err != nil {
		return ExitCheckResult{}, err
	}
	c, err := e.d.Checks.UpdateExitCheck(ctx, id, func(c *domain.ExitCheck) error {
		return c.RecordResult(items, actor.ID, now)
	})
	if err != nil {
		return ExitCheckResult{}, err
	}
	return e.withOrder(ctx, c)
}

func (e *ExitChecks) resolveUnscanned(ctx context.Context, in []UnscannedInput) ([]domain.UnscannedItem, error) {
	items := make([]domain.UnscannedItem, len(in))
	var fe domain.Fields
	reason := "audit_result_invalid"
	for i, u := range in {
		field := "unscanned[" + itoa(i) + "]"
		items[i] = domain.UnscannedItem{Barcode: strings.TrimSpace(u.Barcode), Quantity: u.Quantity}
		if u.Quantity < domain.MinUnscannedQty || u.Quantity > domain.MaxUnscannedQty {
			fe.Add(field+".quantity", "must be a whole number from %d to %d", domain.MinUnscannedQty, domain.MaxUnscannedQty)
		}
		bc, err := domain.ParseBarcode(u.Barcode)
		if err != nil {
			fe.Add(field+".barcode", "%s", domain.ErrorMessage(err))
			if r := domain.ErrorReason(err); r != "" && len(fe) == 1 {
				reason = r // barcode_check_digit, barcode_format: as a scan says
			}
			continue
		}
		items[i].GTIN = bc.GTIN
		p, err := e.d.Products.ProductByGTIN(ctx, bc.GTIN)
		switch domain.ErrorCode(err) {
		case "":
			items[i].SKU, items[i].Name = p.SKU, p.Name
		case domain.ENOTFOUND: // kept by barcode: still a miss to report
		default:
			return nil, err
		}
	}
	if err := fe.Err(reason); err != nil {
		return nil, err
	}
	return items, nil
}

// ListExitChecks pages through checks, newest first: of one store when
// storeCode is set, else of every store the staff member works in.
func (e *ExitChecks) ListExitChecks(ctx context.Context, actor *domain.Staff, storeCode string, verdict domain.ExitVerdict, p domain.Page) (PageResult[*domain.ExitCheck], error) {
	if verdict != "" && !verdict.Valid() {
		return PageResult[*domain.ExitCheck]{}, domain.Invalid("verdict_invalid",
			domain.FieldError{Field: "verdict", Message: "must be pass or audit"})
	}
	if err := actor.Authorize(domain.RoleClerk, storeCode); err != nil {
		return PageResult[*domain.ExitCheck]{}, err
	}
	f := domain.ExitCheckFilter{Verdict: verdict}
	codes := actor.StoreCodes
	if storeCode != "" {
		codes = []string{storeCode}
	}
	if storeCode != "" || actor.Role != domain.RoleAdmin {
		f.StoreIDs = []int64{}
		for _, code := range codes {
			st, err := e.d.Stores.StoreByCode(ctx, code)
			if domain.ErrorCode(err) == domain.ENOTFOUND && storeCode == "" {
				continue
			}
			if err != nil {
				return PageResult[*domain.ExitCheck]{}, err
			}
			f.StoreIDs = append(f.StoreIDs, st.ID)
		}
	}
	return fetchPage(p, func(c *domain.ExitCheck) int64 { return c.ID }, func(p domain.Page) ([]*domain.ExitCheck, error) {
		return e.d.Checks.ListExitChecks(ctx, f, p)
	})
}

func (e *ExitChecks) authorizeCheck(actor *domain.Staff, c *domain.ExitCheck) error {
	if err := actor.Authorize(domain.RoleClerk, c.StoreCode); err != nil {
		if domain.ErrorReason(err) == "store_not_assigned" {
			return domain.Errorf(domain.ENOTFOUND, "exit_check_not_found", "no exit check %d", c.ID)
		}
		return err
	}
	return nil
}

func (e *ExitChecks) withOrder(ctx context.Context, c *domain.ExitCheck) (ExitCheckResult, error) {
	o, err := e.d.Orders.OrderByNo(ctx, c.OrderNo)
	if err != nil {
		return ExitCheckResult{}, err
	}
	return ExitCheckResult{Check: c, Order: o}, nil
}
