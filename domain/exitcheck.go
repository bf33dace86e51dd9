package domain

import (
	"context"
	"strings"
	"time"
)

// ExitVerdict is what an accepted exit pass tells the gate: let the
// shopper through, or recount the basket first.
type ExitVerdict string

const (
	VerdictPass  ExitVerdict = "pass"
	VerdictAudit ExitVerdict = "audit"
)

// Valid reports whether v is pass or audit.
func (v ExitVerdict) Valid() bool { return v == VerdictPass || v == VerdictAudit }

// Bounds of one unscanned item's quantity in an audit result.
const (
	MinUnscannedQty = 1
	MaxUnscannedQty = 99
)

// UnscannedItem is something an audit found in the basket that was not
// paid for. SKU and Name are empty for a barcode the catalog does not know.
type UnscannedItem struct {
	Barcode  string // as entered
	GTIN     string // normalised, "" for none
	SKU      string
	Name     string
	Quantity int
}

// ExitCheck is one accepted exit pass: at most one per order, which is
// what makes a pass single-use. An audit's result is recorded once, later.
type ExitCheck struct {
	ID           int64
	OrderID      int64
	OrderNo      string
	StoreID      int64
	StoreCode    string // read with the check, not stored
	StaffID      int64
	Verdict      ExitVerdict
	AuditReasons []string
	CheckedAt    time.Time
	// ResultAt is zero until an audit's result is recorded.
	ResultAt      time.Time
	ResultStaffID int64
	Unscanned     []UnscannedItem
	UnscannedQty  int
}

// NewExitCheck records the decision on an order's pass.
func NewExitCheck(id int64, o *Order, storeCode string, staffID int64, d AuditDecision, now time.Time) *ExitCheck {
	return &ExitCheck{ID: id, OrderID: o.ID, OrderNo: o.OrderNo, StoreID: o.StoreID, StoreCode: storeCode,
		StaffID: staffID, Verdict: d.Verdict, AuditReasons: append([]string{}, d.Reasons...), CheckedAt: now}
}

// ResultRecorded reports whether the audit's result is in.
func (c *ExitCheck) ResultRecorded() bool { return !c.ResultAt.IsZero() }

// RecordResult stores what an audit found unscanned (nothing, when items
// is empty). Only an audit has a result, and only one: a second would
// rewrite what the report already counted.
func (c *ExitCheck) RecordResult(items []UnscannedItem, staffID int64, now time.Time) error {
	if c.Verdict != VerdictAudit {
		return Errorf(ECONFLICT, "exit_check_not_audit", "exit check %d let the shopper pass; there is no audit to record", c.ID)
	}
	if c.ResultRecorded() {
		return Errorf(ECONFLICT, "exit_check_result_recorded", "the result of exit check %d was recorded at %s",
			c.ID, c.ResultAt.UTC().Format(time.RFC3339))
	}
	var fe Fields
	qty := 0
	for i, it := range items {
		if it.Quantity < MinUnscannedQty || it.Quantity > MaxUnscannedQty {
			fe.Add("unscanned["+itoa(i)+"].quantity", "must be a whole number from %d to %d", MinUnscannedQty, MaxUnscannedQty)
		}
		qty += it.Quantity
	}
	if err := fe.Err("audit_result_invalid"); err != nil {
		return err
	}
	c.Unscanned = append([]UnscannedItem{}, items...)
	c.UnscannedQty, c.ResultStaffID, c.ResultAt = qty, staffID, now
	return nil
}

// JoinAuditReasons and SplitAuditReasons convert reasons to and from the
// stored comma-separated column.
func JoinAuditReasons(r []string) string { return strings.Join(r, ",") }

// SplitAuditReasons is JoinAuditReasons' inverse; "" is no reason.
func SplitAuditReasons(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// ExitCheckFilter narrows a list of exit checks: some stores (nil: all),
// one verdict ("" any).
type ExitCheckFilter struct {
	StoreIDs []int64
	Verdict  ExitVerdict
}

// ExitCheckRepository persists exit checks.
type ExitCheckRepository interface {
	// CreateExitCheck inserts c (inside the caller's transaction); a second
	// check of the same order is ECONFLICT exit_pass_used: the unique index
	// on order_id decides races.
	CreateExitCheck(ctx context.Context, c *ExitCheck) error
	// ExitCheckByID reads a check; ENOTFOUND exit_check_not_found.
	ExitCheckByID(ctx context.Context, id int64) (*ExitCheck, error)
	// ExitCheckOfOrder reads an order's check; ENOTFOUND when it has none.
	ExitCheckOfOrder(ctx context.Context, orderID int64) (*ExitCheck, error)
	// UpdateExitCheck locks the check, runs fn and saves its result.
	UpdateExitCheck(ctx context.Context, id int64, fn func(*ExitCheck) error) (*ExitCheck, error)
	// ListExitChecks pages through checks newest first: Page.After is the
	// smallest id of the previous page.
	ListExitChecks(ctx context.Context, f ExitCheckFilter, p Page) ([]*ExitCheck, error)
}

// AuditFacts reads what audit selection weighs beyond the order itself.
type AuditFacts interface {
	// AnyAgeRestricted reports whether one of the products is age-restricted
	// now: order lines do not freeze the flag, and a product marked since
	// checkout is still checked at the exit.
	AnyAgeRestricted(ctx context.Context, productIDs []int64) (bool, error)
	// PaidOrdersBefore counts the shopper's orders paid before order o:
	// at an earlier time, or at the same time with a smaller id (WeChat
	// Pay dates payments to the second, so two can tie).
	PaidOrdersBefore(ctx context.Context, o *Order) (int, error)
}
