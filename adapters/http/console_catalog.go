package http

// consoleCatalogRoutes registers the catalog pages: products and their
// barcodes, store prices, CSV import, label rules, promotions and coupons,
// unknown barcodes.
func (s *Server) consoleCatalogRoutes() {}
