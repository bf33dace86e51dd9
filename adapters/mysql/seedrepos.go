package mysql

import "github.com/scanpay/scanpay/app"

// SeedRepos returns the repositories the demo seed writes through, all on
// db, so every caller of app.NewSeeder wires it the same way.
func SeedRepos(db *DB) app.SeedRepos {
	return app.SeedRepos{
		Stores:     NewStoreRepo(db),
		Staff:      NewStaffRepo(db),
		Products:   NewProductRepo(db),
		Items:      NewStoreItemRepo(db),
		Stock:      NewStockRepo(db),
		LabelRules: NewLabelRuleRepo(db),
		Promotions: NewPromotionRepo(db),
		Coupons:    NewCouponRepo(db),
	}
}
