package app

import (
	"context"
	"strconv"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// demoProduct is one product of the demo catalog and its item in DEMO01.
// Barcodes are GTIN-13 bodies (12 digits): the seed appends the GS1 check
// digit, so a typo here cannot seed a code no scanner would read.
type demoProduct struct {
	sku, name, category string
	unit                domain.Unit
	tax                 string
	ageRestricted       bool
	barcodes            []string
	price, member       string // member "" means no member price
	reorderPoint, stock string
	plu                 string // weighed items only; what the scale prints
}

// demoCatalog is a small Chinese supermarket: packaged goods with fictional
// 69x (GS1 China) EAN-13s, a few with two codes (old and new pack), and
// weighed fresh food with scale PLUs. Fresh vegetables, meat and eggs are
// VAT-exempt at retail (0), farm produce, grain, oil and milk 9 %, the rest
// 13 %. The README lists some of these codes; keep both in step.
var demoCatalog = []demoProduct{
	{sku: "DRK-WATER-550", name: "饮用天然水 550ml Natural water", category: "drinks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"692451300012", "692451300029"}, price: "2.00", member: "1.80", reorderPoint: "48", stock: "240"},
	{sku: "DRK-COLA-330", name: "可乐 330ml 罐 Cola can", category: "drinks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"692451300104"}, price: "3.00", reorderPoint: "48", stock: "192"},
	{sku: "DRK-ICETEA-500", name: "冰红茶 500ml Iced black tea", category: "drinks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"692451300203"}, price: "3.50", member: "3.00", reorderPoint: "24", stock: "96"},
	{sku: "DRK-GREENTEA-500", name: "绿茶 500ml Green tea", category: "drinks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"692451300302"}, price: "3.50", reorderPoint: "24", stock: "72"},
	{sku: "DRK-OJ-1L", name: "100% 橙汁 1L Orange juice", category: "drinks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"692451300401"}, price: "12.90", member: "10.90", reorderPoint: "12", stock: "36"},
	{sku: "DRK-SOYMILK-250", name: "豆奶 250ml Soy milk", category: "drinks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"692451300500"}, price: "2.50", reorderPoint: "24", stock: "60"},
	{sku: "SNK-CHIPS-70", name: "薯片 原味 70g Potato chips", category: "snacks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"693782100015"}, price: "6.50", member: "5.90", reorderPoint: "20", stock: "80"},
	{sku: "SNK-SEEDS-250", name: "焦糖瓜子 250g Caramel sunflower seeds", category: "snacks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"693782100114"}, price: "9.90", reorderPoint: "10", stock: "40"},
	{sku: "SNK-CRACKER-200", name: "苏打饼干 200g Soda crackers", category: "snacks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"693782100213"}, price: "7.80", reorderPoint: "10", stock: "45"},
	{sku: "SNK-CHOC-43", name: "牛奶巧克力 43g Milk chocolate", category: "snacks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"693782100312", "693782100329"}, price: "5.50", reorderPoint: "20", stock: "100"},
	{sku: "SNK-NOODLE-CUP", name: "红烧牛肉面 桶装 Braised beef noodles (cup)", category: "snacks", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"693782100411"}, price: "4.50", member: "3.90", reorderPoint: "24", stock: "120"},
	{sku: "DRY-MILK-950", name: "鲜牛奶 950ml Fresh milk", category: "dairy", unit: domain.UnitEach, tax: "0.09",
		barcodes: []string{"695016200017", "695016200024"}, price: "13.80", member: "12.50", reorderPoint: "12", stock: "30"},
	{sku: "DRY-YOGURT-200", name: "原味酸奶 200g Plain yogurt", category: "dairy", unit: domain.UnitEach, tax: "0.09",
		barcodes: []string{"695016200116"}, price: "4.20", reorderPoint: "12", stock: "48"},
	{sku: "DRY-UHT-250X12", name: "纯牛奶 250ml×12 UHT milk", category: "dairy", unit: domain.UnitEach, tax: "0.09",
		barcodes: []string{"695016200215"}, price: "49.90", member: "45.90", reorderPoint: "5", stock: "20"},
	{sku: "DRY-CHEESE-200", name: "芝士片 200g Cheese slices", category: "dairy", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"695016200314"}, price: "19.90", reorderPoint: "6", stock: "18"},
	{sku: "GRO-RICE-5KG", name: "东北大米 5kg Northeast rice", category: "grocery", unit: domain.UnitEach, tax: "0.09",
		barcodes: []string{"696120500018"}, price: "39.90", reorderPoint: "5", stock: "25"},
	{sku: "GRO-OIL-5L", name: "花生油 5L Peanut oil", category: "grocery", unit: domain.UnitEach, tax: "0.09",
		barcodes: []string{"696120500117"}, price: "89.90", member: "79.90", reorderPoint: "4", stock: "12"},
	{sku: "GRO-SOYSAUCE-500", name: "生抽酱油 500ml Light soy sauce", category: "grocery", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"696120500216"}, price: "8.90", reorderPoint: "10", stock: "36"},
	{sku: "FRS-EGGS-10", name: "鲜鸡蛋 10枚 Fresh eggs", category: "fresh", unit: domain.UnitEach, tax: "0",
		barcodes: []string{"696120500315"}, price: "12.90", reorderPoint: "10", stock: "30"},
	{sku: "HH-TISSUE-10", name: "抽纸 10包 Facial tissue", category: "household", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"697340800019"}, price: "24.90", member: "21.90", reorderPoint: "6", stock: "30"},
	{sku: "HH-LAUNDRY-2KG", name: "洗衣液 2kg Laundry liquid", category: "household", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"697340800118"}, price: "32.90", reorderPoint: "5", stock: "20"},
	{sku: "HH-DISHSOAP-1KG", name: "洗洁精 1kg Dish soap", category: "household", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"697340800217"}, price: "11.90", reorderPoint: "6", stock: "24"},
	{sku: "HH-TOOTHPASTE-120", name: "牙膏 120g Toothpaste", category: "household", unit: domain.UnitEach, tax: "0.13",
		barcodes: []string{"697340800316"}, price: "12.50", reorderPoint: "6", stock: "30"},
	{sku: "ALC-BEER-500", name: "啤酒 500ml 罐 Lager beer can", category: "alcohol", unit: domain.UnitEach, tax: "0.13", ageRestricted: true,
		barcodes: []string{"698215700016", "698215700023"}, price: "4.50", member: "3.80", reorderPoint: "24", stock: "144"},
	{sku: "ALC-BAIJIU-500", name: "浓香型白酒 52% 500ml Baijiu", category: "alcohol", unit: domain.UnitEach, tax: "0.13", ageRestricted: true,
		barcodes: []string{"698215700115"}, price: "168.00", reorderPoint: "3", stock: "12"},
	{sku: "ALC-REDWINE-750", name: "干红葡萄酒 750ml Dry red wine", category: "alcohol", unit: domain.UnitEach, tax: "0.13", ageRestricted: true,
		barcodes: []string{"698215700214"}, price: "69.00", member: "59.00", reorderPoint: "3", stock: "18"},
	{sku: "TOB-CIG-20", name: "香烟 20支 Cigarettes", category: "tobacco", unit: domain.UnitEach, tax: "0.13", ageRestricted: true,
		barcodes: []string{"698215700313"}, price: "25.00", reorderPoint: "10", stock: "50"},
	{sku: "FRS-PORK-BELLY", name: "五花肉 Pork belly", category: "fresh", unit: domain.UnitKg, tax: "0",
		price: "39.80", reorderPoint: "5", stock: "20.5", plu: "6013"},
	{sku: "FRS-APPLE-FUJI", name: "红富士苹果 Fuji apples", category: "fresh", unit: domain.UnitKg, tax: "0.09",
		price: "12.80", member: "11.80", reorderPoint: "10", stock: "60", plu: "1001"},
	{sku: "FRS-BANANA", name: "香蕉 Bananas", category: "fresh", unit: domain.UnitKg, tax: "0.09",
		price: "6.98", reorderPoint: "10", stock: "45.2", plu: "1002"},
	{sku: "FRS-TOMATO", name: "番茄 Tomatoes", category: "fresh", unit: domain.UnitKg, tax: "0",
		price: "7.60", reorderPoint: "8", stock: "30", plu: "2001"},
	{sku: "FRS-BOKCHOY", name: "上海青 Bok choy", category: "fresh", unit: domain.UnitKg, tax: "0",
		price: "5.80", reorderPoint: "5", stock: "15.75", plu: "2002"},
}

// demoLabelRules are DEMO01's scales: the common 13-digit price label
// `21 PPPPP AAAAA C` (DESIGN §8) and a weight label `22 PPPPP GGGGG C`.
var demoLabelRules = []domain.LabelRuleInput{
	{Name: "Scale price label 21", Prefix: "21", Length: 13, PLUStart: 2, PLULength: 5,
		PriceStart: 7, PriceLength: 5, CheckDigit: true},
	{Name: "Scale weight label 22", Prefix: "22", Length: 13, PLUStart: 2, PLULength: 5,
		WeightStart: 7, WeightLength: 5, CheckDigit: true},
}

// demoEAN13 completes a 12-digit body with its GS1 check digit.
func demoEAN13(body string) string {
	return body + strconv.Itoa(domain.GS1CheckDigit(body))
}

// seedCatalog adds the demo products, their DEMO01 items with opening
// stock, and the label rules, each only when missing: a product is found
// by SKU, an item by store and product, a rule by the codes it reads. What
// staff changed stays as it is.
func (s *Seeder) seedCatalog(ctx context.Context, store *domain.Store) (int, error) {
	created := 0
	for _, d := range demoCatalog {
		n, err := s.seedProduct(ctx, store, d)
		if err != nil {
			return created, err
		}
		created += n
	}
	for _, in := range demoLabelRules {
		r, err := domain.NewLabelRule(s.ids.NewID(), store.Code, in, s.clock.Now())
		if err != nil {
			return created, err
		}
		err = s.repos.LabelRules.CreateLabelRule(ctx, store.ID, r, func(existing []*domain.LabelRule) error {
			return domain.CheckLabelRuleOverlap(existing, r)
		})
		switch {
		case domain.ErrorCode(err) == domain.ECONFLICT: // a rule reads these codes already
		case err != nil:
			return created, err
		default:
			created++
		}
	}
	return created, nil
}

// seedProduct creates one demo product with its store item and opening
// stock, unless a product with its SKU exists: that one is staff's (or an
// earlier seed's) and is left alone, item and stock included. A demo
// barcode or PLU staff have given to something else is left out rather
// than taken away.
func (s *Seeder) seedProduct(ctx context.Context, store *domain.Store, d demoProduct) (int, error) {
	if _, err := s.repos.Products.ProductBySKU(ctx, d.sku); domain.ErrorCode(err) != domain.ENOTFOUND {
		return 0, err
	}
	var codes []string
	for _, body := range d.barcodes {
		code := demoEAN13(body)
		bc, err := domain.ParseBarcode(code)
		if err != nil {
			return 0, err
		}
		if _, err := s.repos.Products.ProductByGTIN(ctx, bc.GTIN); domain.ErrorCode(err) != domain.ENOTFOUND {
			if err != nil {
				return 0, err
			}
			continue // another product has it
		}
		codes = append(codes, code)
	}
	name, unit, tax, cat, age := d.name, d.unit, mustDecimal(d.tax), d.category, d.ageRestricted
	p, err := domain.NewProduct(s.ids.NewID(), d.sku, domain.ProductPatch{
		Name: &name, Unit: &unit, TaxRate: &tax, Category: &cat, AgeRestricted: &age}, codes, s.clock.Now())
	if err != nil {
		return 0, err
	}
	if err := s.repos.Products.CreateProduct(ctx, p); err != nil {
		return 0, err
	}

	in := domain.StoreItemInput{Price: mustDecimal(d.price), Active: true, ReorderPoint: mustDecimal(d.reorderPoint)}
	if d.member != "" {
		m := mustDecimal(d.member)
		in.MemberPrice = &m
	}
	if d.plu != "" {
		_, err := s.repos.Items.ItemByPLU(ctx, store.ID, domain.NormalizePLU(d.plu))
		switch {
		case domain.ErrorCode(err) == domain.ENOTFOUND:
			in.PLU = d.plu
		case err != nil:
			return 0, err
		}
	}
	it, err := domain.NewStoreItem(store.ID, store.Code, p, in, s.clock.Now())
	if err != nil {
		return 0, err
	}
	if err := s.repos.Items.PutStoreItem(ctx, it); err != nil {
		return 0, err
	}
	return 2, s.receiveOpeningStock(ctx, store, p, d.stock)
}

// receiveOpeningStock books the demo item's first delivery, as a system
// movement (no staff id) in the ledger like any other.
func (s *Seeder) receiveOpeningStock(ctx context.Context, store *domain.Store, p *domain.Product, qty string) error {
	q := mustDecimal(qty)
	if !q.GreaterThan(decimal.Zero) {
		return nil
	}
	m, err := domain.NewStockMovement(s.ids.NewID(), domain.MoveReceive, p.Unit, q, "demo seed: opening stock", s.clock.Now())
	if err != nil {
		return err
	}
	m.StoreID, m.ProductID = store.ID, p.ID
	_, _, err = s.repos.Stock.ApplyMovement(ctx, m)
	return err
}
