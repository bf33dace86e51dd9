package app

import (
	"cmp"
	"errors"
	"slices"
	"strconv"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// PageResult is one page of a list and the id to continue after (0 when the
// list is complete).
type PageResult[T any] struct {
	Items     []T
	NextAfter int64
}

// fetchPage asks load for one item more than the page holds, so it can tell
// whether another page exists without counting rows.
func fetchPage[T any](p domain.Page, id func(T) int64, load func(domain.Page) ([]T, error)) (PageResult[T], error) {
	if p.Limit <= 0 || p.Limit > domain.MaxPageLimit {
		p.Limit = domain.DefaultPageLimit
	}
	items, err := load(domain.Page{Limit: p.Limit + 1, After: p.After})
	if err != nil {
		return PageResult[T]{}, err
	}
	res := PageResult[T]{Items: items}
	if len(items) > p.Limit {
		res.Items = items[:p.Limit]
		res.NextAfter = id(res.Items[p.Limit-1])
	}
	return res, nil
}

func sortByID(stores []*domain.Store) {
	slices.SortFunc(stores, func(a, b *domain.Store) int { return cmp.Compare(a.ID, b.ID) })
}

func mustDecimal(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func asDomain(err error, target **domain.Error) bool { return errors.As(err, target) }

func itoa(i int) string { return strconv.Itoa(i) }
