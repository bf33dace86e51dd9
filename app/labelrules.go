package app

import (
	"context"
	"strings"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// LabelRules manages how each store's scale labels are read (manager).
type LabelRules struct {
	stores domain.StoreRepository
	rules  domain.LabelRuleRepository
	items  domain.StoreItemRepository
	ids    IDs
	clock  Clock
}

// NewLabelRules wires the label rule use cases.
func NewLabelRules(stores domain.StoreRepository, rules domain.LabelRuleRepository, items domain.StoreItemRepository, ids IDs, clock Clock) *LabelRules {
	return &LabelRules{stores: stores, rules: rules, items: items, ids: ids, clock: clock}
}

func (l *LabelRules) store(ctx context.Context, actor *domain.Staff, code string, min domain.Role) (*domain.Store, error) {
	if err := actor.Authorize(min, code); err != nil {
		return nil, err
	}
	return l.stores.StoreByCode(ctx, code)
}

// Create adds a rule; one that would read codes an existing rule reads is
// ECONFLICT label_rule_overlap.
func (l *LabelRules) Create(ctx context.Context, actor *domain.Staff, storeCode string, in domain.LabelRuleInput) (*domain.LabelRule, error) {
	st, err := l.store(ctx, actor, storeCode, domain.RoleManager)
	if err != nil {
		return nil, err
	}
	r, err := domain.NewLabelRule(l.ids.NewID(), st.Code, in, l.clock.Now())
	if err != nil {
		return nil, err
	}
	err = l.rules.CreateLabelRule(ctx, st.ID, r, func(existing []*domain.LabelRule) error {
		return domain.CheckLabelRuleOverlap(existing, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// List returns the store's rules (a store has a handful; not paginated
// beyond the list itself).
func (l *LabelRules) List(ctx context.Context, actor *domain.Staff, storeCode string) ([]*domain.LabelRule, error) {
	st, err := l.store(ctx, actor, storeCode, domain.RoleManager)
	if err != nil {
		return nil, err
	}
	rules, err := l.rules.LabelRules(ctx, st.ID)
	for _, r := range rules {
		r.StoreCode = st.Code
	}
	return rules, err
}

// Delete removes a rule.
func (l *LabelRules) Delete(ctx context.Context, actor *domain.Staff, storeCode string, id int64) error {
	st, err := l.store(ctx, actor, storeCode, domain.RoleManager)
	if err != nil {
		return err
	}
	return l.rules.DeleteLabelRule(ctx, st.ID, id)
}

// LabelTest is how the store would read a code, for staff setting up
// rules: the rule, the fields, the check results and the item it names.
type LabelTest struct {
	Rule *domain.LabelRule
	Read domain.LabelRead
	// ReadErr is why the label does not read (check digit, zero value);
	// the fields read so far are still shown.
	ReadErr error
	Item    *domain.StoreItem
	// ItemErr says why no item was found for the PLU.
	ItemErr error
	// LineAmount is what the label would cost: the printed amount, or the
	// weight at the item's per-kg price.
	LineAmount *decimal.Decimal
}

// Test reads a code with the store's rules without changing anything.
func (l *LabelRules) Test(ctx context.Context, actor *domain.Staff, storeCode, code string) (*LabelTest, error) {
	st, err := l.store(ctx, actor, storeCode, domain.RoleManager)
	if err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, domain.Invalid("label_test_invalid", domain.FieldError{Field: "barcode", Message: "is required"})
	}
	rules, err := l.rules.LabelRules(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	rule, rd, readErr := domain.MatchLabel(rules, code)
	if rule == nil {
		return nil, fieldError("barcode", readErr)
	}
	rule.StoreCode = st.Code
	out := &LabelTest{Rule: rule, Read: rd, ReadErr: readErr}
	if rd.PLU == "" {
		return out, nil
	}
	out.Item, out.ItemErr = l.items.ItemByPLU(ctx, st.ID, domain.NormalizePLU(rd.PLU))
	if out.ItemErr != nil && domain.ErrorCode(out.ItemErr) != domain.ENOTFOUND {
		return nil, out.ItemErr
	}
	switch {
	case rd.Amount != nil:
		out.LineAmount = rd.Amount
	case rd.Weight != nil && out.Item != nil:
		amt := rd.Weight.Mul(out.Item.Price).Round(2)
		out.LineAmount = &amt
	}
	return out, nil
}
