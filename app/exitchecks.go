package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// ExitCheckDeps are what the exit pass and exit check use cases need.
type ExitCheckDeps struct {
	Tx     Tx
	Orders domain.OrderRepository
	Checks domain.ExitCheckRepository
	// Facts reads the products' age restriction and the shopper's earlier
	// orders for the audit rule.
	Facts  domain.AuditFacts
	Stores domain.StoreRepository
	// Products resolves the barcodes an audit found unscanned.
	Products domain.ProductRepository
	Clock    Clock
	IDs      IDs
	// Secret signs exit passes (EXIT_PASS_SECRET).
	Secret []byte
	// TTL is how long a pass is valid after payment (EXIT_PASS_TTL).
	TTL time.Duration
	// Random draws the audit lottery: uniform in [0, 1), safe for
	// concurrent use (LockedRandom; tests pass a seeded one).
	Random func() float64
	Log    *slog.Logger
}

// ExitChecks are the shopper's exit pass and the staff's checks of it at
// the store's exit (DESIGN §4 "Exit pass and audit").
type ExitChecks struct{ d ExitCheckDeps }

// NewExitChecks wires the exit pass and exit check use cases.
func NewExitChecks(d ExitCheckDeps) *ExitChecks {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.TTL <= 0 {
		d.TTL = domain.DefaultExitPassTTL
	}
	return &ExitChecks{d: d}
}

// Pass returns the exit pass of one of the shopper's orders. Another
// shopper's order is ENOTFOUND, as for every order read. The pass is the
// same however often it is fetched, and says nothing of the verdict: that
// is drawn only when staff check it.
func (e *ExitChecks) Pass(ctx context.Context, shopper *domain.Shopper, orderNo string) (domain.ExitPass, error) {
	if !domain.ValidOrderNo(orderNo) {
		return domain.ExitPass{}, orderNotFound(orderNo)
	}
	ord, err := e.d.Orders.OrderByNo(ctx, orderNo)
	if err != nil {
		return domain.ExitPass{}, err
	}
	if ord.ShopperID != shopper.ID {
		return domain.ExitPass{}, orderNotFound(orderNo)
	}
	checked := false
	if ord.Status == domain.OrderPartiallyRefunded {
		// A partly refunded order may have left already (completed, then
		// refunded in part): only its check tells.
		if checked, err = e.hasCheck(ctx, ord.ID); err != nil {
			return domain.ExitPass{}, err
		}
	}
	return domain.ExitPassFor(e.d.Secret, ord, e.d.TTL, checked, e.d.Clock.Now())
}

func (e *ExitChecks) hasCheck(ctx context.Context, orderID int64) (bool, error) {
	_, err := e.d.Checks.ExitCheckOfOrder(ctx, orderID)
	switch domain.ErrorCode(err) {
	case "":
		return true, nil
	case domain.ENOTFOUND:
		return false, nil
	}
	return false, err
}

// gateStore is the store whose exit the staff member checks: the one named,
// or the only one they work in.
func (e *ExitChecks) gateStore(ctx context.Context, actor *domain.Staff, code string) (*domain.Store, error) {
	if err := actor.Authorize(domain.RoleClerk, ""); err != nil {
		return nil, err
	}
	if code == "" {
		if actor.Role == domain.RoleAdmin || len(actor.StoreCodes) != 1 {
			return nil, domain.Invalid("store_code_required", domain.FieldError{Field: "store_code",
				Message: "is required: name the store whose exit this is"})
		}
		code = actor.StoreCodes[0]
	}
	if err := actor.Authorize(domain.RoleClerk, code); err != nil {
		return nil, err
	}
	return e.d.Stores.StoreByCode(ctx, code)
}

// ExitCheckResult is an accepted exit pass: the check and the order as it
// is now (completed, or still partly refunded).
type ExitCheckResult struct {
	Check *domain.ExitCheck
	Order *domain.Order
}

// Check accepts or refuses an exit pass scanned at a store's exit. The
// refusals, in order: forged (bad shape or HMAC, or no such order),
// expired, another store's order, already used, refunded, not paid. An
// accepted pass is, in one transaction with the order row locked, one
// exit_checks row (unique per order, so of parallel scans of one pass
// exactly one wins) and a paid order completed; the verdict, pass or
// audit, is drawn then and only then.
func (e *ExitChecks) Check(ctx context.Context, actor *domain.Staff, payload, storeCode string) (ExitCheckResult, error) {
	store, err := e.gateStore(ctx, actor, storeCode)
	if err != nil {
		return ExitCheckResult{}, err
	}
	now := e.d.Clock.Now()
	res, err := e.check(ctx, actor, store, payload, now)
	if err != nil && domain.ErrorCode(err) != domain.EINTERNAL && domain.ErrorCode(err) != domain.EUNAVAILABLE {
		// The refusal and who saw it, never the payload: its HMAC is as
		// good as the pass until it expires.
		e.d.Log.InfoContext(ctx, "exit pass refused", "reason", domain.ErrorReason(err),
			"order_no", domain.ExitPassOrderNo(payload), "store", store.Code, "staff_id", actor.ID)
	}
	return res, err
}

func (e *ExitChecks) check(ctx context.Context, actor *domain.Staff, store *domain.Store, payload string, now time.Time) (ExitCheckResult, error) {
	pass, err := domain.VerifyExitPass(e.d.Secret, payload, now)
	if domain.ErrorReason(err) == "exit_pass_forged" {
		return ExitCheckResult{}, err
	}
	ord, lookupErr := e.d.Orders.OrderByNo(ctx, pass.OrderNo)
	if domain.ErrorCode(lookupErr) == domain.ENOTFOUND {
		// A well-signed pass of an order we do not have was not made here
		// (or the secret leaked): forged either way.
		return ExitCheckResult{}, domain.Errorf(domain.EINVALID, "exit_pass_forged", "this is not an exit pass issued by this store")
	}
	if lookupErr != nil {
		return ExitCheckResult{}, lookupErr
	}
	if err != nil {
		return ExitCheckResult{}, err // expired
	}
	if ord.StoreID != store.ID {
		return ExitCheckResult{}, domain.Errorf(domain.EINVALID, "exit_pass_other_store",
			"order %s was bought in store %s, not %s", ord.OrderNo, ord.StoreCode, store.Code)
	}
	var out ExitCheckResult
	err = e.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		var check *domain.ExitCheck
		o, err := e.d.Orders.UpdateOrder(ctx, pass.OrderNo, func(o *domain.Order) error {
			if err := e.admissible(ctx, o); err != nil {
				return err
			}
			decision, err := e.decide(ctx, store, o)
			if err != nil {
				return err
			}
			check = domain.NewExitCheck(e.d.IDs.NewID(), o, store.Code, actor.ID, decision, now)
			if o.Status == domain.OrderPaid {
				return o.Complete(now)
			}
			return nil // partly refunded: stays so, the check is still recorded
		})
		if err != nil {
			return err
		}
		if err := e.d.Checks.CreateExitCheck(ctx, check); err != nil {
			return err
		}
		out = ExitCheckResult{Check: check, Order: o}
		return nil
	})
	return out, err
}

// admissible runs the state refusals on the locked order: used, refunded,
// not paid, in that order.
func (e *ExitChecks) admissible(ctx context.Context, o *domain.Order) error {
	used := o.Status == domain.OrderCompleted
	if !used && o.Status == domain.OrderPartiallyRefunded {
		var err error
		if used, err = e.hasCheck(ctx, o.ID); err != nil {
			return err
		}
	}
	switch {
	case used:
		return domain.Errorf(domain.ECONFLICT, "exit_pass_used", "order %s has already been checked at the exit", o.OrderNo)
	case o.Status == domain.OrderRefunded:
		return domain.Errorf(domain.ECONFLICT, "order_refunded", "order %s was refunded", o.OrderNo)
	case o.Status != domain.OrderPaid && o.Status != domain.OrderPartiallyRefunded:
		return domain.Errorf(domain.ECONFLICT, "order_not_paid", "order %s is %s, not paid", o.OrderNo, o.Status)
	}
	return nil
}

// decide reads the audit facts as they are now and draws the verdict.
func (e *ExitChecks) decide(ctx context.Context, store *domain.Store, o *domain.Order) (domain.AuditDecision, error) {
	ids := make([]int64, 0, len(o.Lines))
	for _, l := range o.Lines {
		ids = append(ids, l.ProductID)
	}
	restricted, err := e.d.Facts.AnyAgeRestricted(ctx, ids)
	if err != nil {
		return domain.AuditDecision{}, err
	}
	earlier, err := e.d.Facts.PaidOrdersBefore(ctx, o)
	if err != nil {
		return domain.AuditDecision{}, err
	}
	in := domain.AuditInput{Rate: store.AuditRate, AgeRestricted: restricted, Total: o.Total,
		Units: domain.BasketUnits(o.Lines), FirstOrder: earlier == 0}
	return domain.DecideAudit(in, e.d.Random()), nil
}
