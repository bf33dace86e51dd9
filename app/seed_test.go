package app_test

import (
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/scanpay/scanpay/adapters/bcrypt"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// What the demo catalog holds (app/seed_catalog.go).
const (
	demoProducts   = 32
	demoLabelRules = 2
	// the percent-off and multi-buy promotions, and coupon WELCOME5
	demoPromotions = 2
	demoCoupons    = 1
	// the store, 3 staff, each product and its DEMO01 item, the rules,
	// the promotions and the coupon
	demoCreated = 1 + 3 + 2*demoProducts + demoLabelRules + demoPromotions + demoCoupons
)

// demoSeed is a seeded database and the repositories to inspect it.
type demoSeed struct {
	seeder *app.Seeder
	repos  app.SeedRepos
	store  *domain.Store
}

func seedDemo(t *testing.T, db *mysql.DB) (*demoSeed, int) {
	t.Helper()
	ids, _ := idgen.New(0, 0)
	repos := mysql.SeedRepos(db)
	seeder := app.NewSeeder(db, repos, bcrypt.New(bcrypt.MinCost), ids, app.SystemClock{})
	n, err := seeder.SeedDemo(context.Background())
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	store, err := repos.Stores.StoreByCode(context.Background(), app.DemoStoreCode)
	if err != nil {
		t.Fatal(err)
	}
	return &demoSeed{seeder: seeder, repos: repos, store: store}, n
}

// The demo seed runs at every embedded start, so a second run must create
// nothing and leave what staff changed alone.
func TestSeedDemoIsIdempotent(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ctx := context.Background()
		s, n := seedDemo(t, db)
		if n != demoCreated {
			t.Fatalf("first seed created %d, want %d (store, 3 staff, %d products and items, %d label rules, %d promotions, %d coupon)",
				n, demoCreated, demoProducts, demoLabelRules, demoPromotions, demoCoupons)
		}
		renamed := "Renamed by staff"
		_, err := s.repos.Stores.UpdateStore(ctx, app.DemoStoreCode, func(st *domain.Store) error {
			return st.Update(domain.StorePatch{Name: &renamed}, st.UpdatedAt)
		})
		if err != nil {
			t.Fatal(err)
		}
		// Staff change a demo price and drop a demo barcode.
		milk, err := s.repos.Products.ProductBySKU(ctx, "DRY-MILK-950")
		if err != nil {
			t.Fatal(err)
		}
		item, err := s.repos.Items.StoreItem(ctx, s.store.ID, milk.ID)
		if err != nil {
			t.Fatal(err)
		}
		item.Price = decimal.RequireFromString("14.50")
		if err := s.repos.Items.PutStoreItem(ctx, item); err != nil {
			t.Fatal(err)
		}
		dropped := milk.Barcodes[1].Raw
		if _, err := s.repos.Products.UpdateProduct(ctx, milk.SKU, func(p *domain.Product) error { return p.RemoveBarcode(dropped) }); err != nil {
			t.Fatal(err)
		}

		if n, err := s.seeder.SeedDemo(ctx); err != nil || n != 0 {
			t.Fatalf("second seed created %d (err %v), want 0", n, err)
		}
		st, err := s.repos.Stores.StoreByCode(ctx, app.DemoStoreCode)
		if err != nil || st.Name != renamed {
			t.Fatalf("seed overwrote the store: %+v %v", st, err)
		}
		for _, u := range []string{"admin", "manager1", "clerk1"} {
			m, err := s.repos.Staff.StaffByUsername(ctx, u)
			if err != nil || len(m.StoreCodes) != 1 || m.StoreCodes[0] != app.DemoStoreCode {
				t.Fatalf("%s: %+v %v", u, m, err)
			}
		}
		if item, err := s.repos.Items.StoreItem(ctx, s.store.ID, milk.ID); err != nil || item.Price.String() != "14.5" {
			t.Errorf("seed reset a price staff changed: %+v %v", item, err)
		}
		if p, err := s.repos.Products.ProductBySKU(ctx, milk.SKU); err != nil || len(p.Barcodes) != 1 {
			t.Errorf("seed re-added barcode %s staff removed: %+v %v", dropped, p, err)
		}
		if rules, err := s.repos.LabelRules.LabelRules(ctx, s.store.ID); err != nil || len(rules) != demoLabelRules {
			t.Errorf("%d label rules after two seeds (err %v), want %d", len(rules), err, demoLabelRules)
		}
	})
}

// The demo catalog is one a store could run: valid EAN-13s, a price,
// opening stock at or above the reorder point and, for weighed goods, a
// PLU the demo scale labels name.
func TestSeedDemoCatalog(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ctx := context.Background()
		s, _ := seedDemo(t, db)
		products, err := s.repos.Products.SearchProducts(ctx, domain.ProductFilter{}, domain.Page{Limit: domain.MaxPageLimit})
		if err != nil || len(products) != demoProducts {
			t.Fatalf("%d products (err %v), want %d", len(products), err, demoProducts)
		}
		var twoCodes, weighed, restricted int
		for _, p := range products {
			for _, b := range p.Barcodes {
				bc, err := domain.ParseBarcode(b.Raw)
				if err != nil || bc.Format != domain.FormatGTIN13 || bc.Restricted || bc.GTIN != b.GTIN {
					t.Errorf("%s: barcode %s: %+v %v, want a valid unrestricted EAN-13", p.SKU, b.Raw, bc, err)
				}
			}
			if len(p.Barcodes) >= 2 {
				twoCodes++
			}
			if p.AgeRestricted {
				restricted++
			}
			item, err := s.repos.Items.StoreItem(ctx, s.store.ID, p.ID)
			if err != nil {
				t.Errorf("%s is not sold in %s: %v", p.SKU, app.DemoStoreCode, err)
				continue
			}
			if !item.Active || !item.Price.IsPositive() {
				t.Errorf("%s: item %+v, want active with a price", p.SKU, item)
			}
			switch p.Unit {
			case domain.UnitKg:
				weighed++
				if item.PLU == "" || len(p.Barcodes) != 0 {
					t.Errorf("%s: weighed item with PLU %q and barcodes %v, want a PLU and no barcode", p.SKU, item.PLU, p.Barcodes)
				}
			default:
				if len(p.Barcodes) == 0 {
					t.Errorf("%s has no barcode", p.SKU)
				}
			}
		}
		if twoCodes < 3 || weighed < 3 || restricted < 3 {
			t.Errorf("%d products with two barcodes, %d weighed, %d age-restricted; want a few of each", twoCodes, weighed, restricted)
		}
		levels, err := s.repos.Stock.StockLevels(ctx, s.store.ID, false, domain.Page{Limit: domain.MaxPageLimit})
		if err != nil || len(levels) != demoProducts {
			t.Fatalf("%d stock levels (err %v), want %d", len(levels), err, demoProducts)
		}
		for _, l := range levels {
			if !l.OnHand.IsPositive() || l.BelowReorder() {
				t.Errorf("%s: opening stock %s, reorder point %s: want stock at or above it", l.SKU, l.OnHand, l.ReorderPoint)
			}
		}
	})
}

// The README's demo scale labels read through DEMO01's seeded rules, their
// PLUs name seeded weighed items, and the line amounts are as listed; the
// README's demo barcodes find seeded products at the listed prices.
func TestSeedDemoMatchesREADME(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// | 饮用天然水 550ml | `6924513000125` | ¥2.00 | ... and | `2106013040083` | ... | ¥40.08 |
	barcodeRow := regexp.MustCompile("(?m)^\\|[^|`]+\\|\\s*`(\\d{13})`\\s*\\|\\s*¥([0-9]+\\.[0-9]{2})")
	labelRow := regexp.MustCompile("(?m)^\\|\\s*`(2\\d{12})`\\s*\\|.*¥([0-9]+\\.[0-9]{2})\\s*\\|\\s*$")
	codes, labels := barcodeRow.FindAllStringSubmatch(string(readme), -1), labelRow.FindAllStringSubmatch(string(readme), -1)
	if len(codes) < 5 || len(labels) < 2 {
		t.Fatalf("README lists %d demo barcodes and %d demo labels; want the Demo section's tables", len(codes), len(labels))
	}
	db := mysqltest.Open(t)
	ctx := context.Background()
	s, _ := seedDemo(t, db)
	for _, m := range codes {
		bc, err := domain.ParseBarcode(m[1])
		if err != nil {
			t.Errorf("README barcode %s: %v", m[1], err)
			continue
		}
		p, err := s.repos.Products.ProductByGTIN(ctx, bc.GTIN)
		if err != nil {
			t.Errorf("README barcode %s: %v", m[1], err)
			continue
		}
		item, err := s.repos.Items.StoreItem(ctx, s.store.ID, p.ID)
		if err != nil || item.Price.StringFixed(2) != m[2] {
			t.Errorf("README barcode %s (%s): price %v (err %v), README says %s", m[1], p.SKU, item, err, m[2])
		}
	}
	rules, err := s.repos.LabelRules.LabelRules(ctx, s.store.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range labels {
		rule, rd, err := domain.MatchLabel(rules, m[1])
		if err != nil {
			t.Errorf("README label %s: %v", m[1], err)
			continue
		}
		item, err := s.repos.Items.ItemByPLU(ctx, s.store.ID, domain.NormalizePLU(rd.PLU))
		if err != nil || item.Product.Unit != domain.UnitKg {
			t.Errorf("README label %s: PLU %s names %+v (err %v), want a seeded weighed item", m[1], rd.PLU, item, err)
			continue
		}
		amount := rd.Amount
		if amount == nil {
			a := rd.Weight.Mul(item.Price).Round(2)
			amount = &a
		}
		if amount.StringFixed(2) != m[2] {
			t.Errorf("README label %s (rule %q, %s): line amount %s, README says %s", m[1], rule.Name, item.Product.SKU, amount.StringFixed(2), m[2])
		}
	}
}

// The DESIGN's example label reads as a price label for the seeded pork
// belly: PLU 06013, ¥40.08.
func TestSeedDemoPriceLabel(t *testing.T) {
	ctx := context.Background()
	s, _ := seedDemo(t, mysqltest.Open(t))
	rules, err := s.repos.LabelRules.LabelRules(ctx, s.store.ID)
	if err != nil {
		t.Fatal(err)
	}
	rule, rd, err := domain.MatchLabel(rules, "2106013040083")
	if err != nil || rule.Kind() != domain.LabelPrice || rd.PLU != "06013" || rd.Amount.StringFixed(2) != "40.08" || !rd.CheckDigitOK {
		t.Fatalf("2106013040083: rule %+v read %+v err %v; want price label PLU 06013 ¥40.08", rule, rd, err)
	}
	item, err := s.repos.Items.ItemByPLU(ctx, s.store.ID, domain.NormalizePLU(rd.PLU))
	if err != nil || item.Product.SKU != "FRS-PORK-BELLY" || item.Product.Unit != domain.UnitKg {
		t.Fatalf("PLU 06013 names %+v (err %v), want the seeded pork belly", item, err)
	}
}
